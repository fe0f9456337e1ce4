using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Tally.Storage.DuckDb;

namespace Tally.ReportBenchmarks;

internal sealed record StatementTiming(string Report, string Statement, double MedianMs, long Rows);

internal sealed record TableSize(string Table, long CompanyRows, long TotalRows);

/// <summary>
/// Where a report's time goes inside the store: each SQL statement the report reads run alone, with the text of
/// src/Tally.Storage.DuckDb/ReportReader.cs and ActivityReader.cs (copied; parameters inlined), on the loaded file with the
/// server stopped, plus the cost of opening a connection (every report read opens one) and the size of the
/// aggregate tables the statements scan.
/// </summary>
internal static class Diagnostics
{
    private static string Date(DateOnly day) => $"DATE '{day:yyyy-MM-dd}'";

    private static DateOnly MonthStart(DateOnly day) => new(day.Year, day.Month, 1);

    public static (List<StatementTiming> Statements, List<TableSize> Tables) Run(string dataDirectory, long companyId, DateOnly first, DateOnly last, int runs)
    {
        var connectionString = $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), DuckDbStore.FileName)}";
        using var connection = new DuckDBConnection(connectionString);
        connection.Open();
        var c = companyId.ToString(CultureInfo.InvariantCulture);
        var f = $"DATE '{first:yyyy-MM-dd}'";
        var l = $"DATE '{last:yyyy-MM-dd}'";
        var statements = new (string Report, string Name, string Sql)[]
        {
            ("chat-sessions, chats-feedback", "day totals (models included)", ReportReader.DayTotalsStatement
                .Replace("$1", c, StringComparison.Ordinal).Replace("$2", f, StringComparison.Ordinal).Replace("$3", l, StringComparison.Ordinal)),
            ("tools", "tool days", $"SELECT day, tool_name, tool_type, usage, users, errors FROM daily_tools WHERE company_id = {c} AND day BETWEEN {f} AND {l}"),
            ("used-documents", "1 names, once per document", $"SELECT document_id, filename, title FROM documents WHERE company_id = {c}"),
            ("used-documents", "2 document days", $"""
                SELECT day, document_id, usage FROM daily_documents WHERE company_id = {c} AND day BETWEEN {f} AND {l}
                """),
            ("users", "1 every member's latest event (members)", $"""
                SELECT user_id, last_day, last_event_is_member_left FROM members WHERE company_id = {c}
                """),
            ("users", "2 last two days up to the end of the members active after it, from the week before", $"""
                SELECT user_id, day, last_event_at, last_event_id, last_event_is_member_left FROM user_days
                WHERE company_id = {c} AND day BETWEEN {l} - 7 AND {l}
                    AND user_id IN (SELECT user_id FROM members WHERE company_id = {c} AND last_day > {l})
                QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY day DESC) <= 2
                """),
            ("user-activities", "1 monthly rollups: active days, counts, last connections", ActivityReader.UserMonthsStatement("")
                .Replace("$1", c, StringComparison.Ordinal).Replace("$2", Date(MonthStart(first.AddDays(-29))), StringComparison.Ordinal)
                .Replace("$3", Date(MonthStart(last)), StringComparison.Ordinal)),
            ("user-activities", "2 days of the last month, every user (read only for users active after the range)", $"""
                SELECT user_id, day, sessions, queries, feedbacks, tool_calls, last_connection FROM user_days
                WHERE company_id = {c} AND day BETWEEN {Date(MonthStart(last))} AND {l}
                """),
            ("user-activities", "3 connections per day (day totals)", $"""
                SELECT day, connections FROM daily_totals WHERE company_id = {c} AND day BETWEEN {f} AND {l} AND connections > 0
                """),
            ("user-activities", "4 names and first active days (members)", $"""
                SELECT user_id, user_name, first_active_day FROM members WHERE company_id = {c}
                """),
            ("connections", "1 first page (101 rows), the last week of the range", $"""
                SELECT user_id, connected_at, event_id, ip, user_agent, auth_method, day FROM connection_log
                WHERE company_id = {c} AND day BETWEEN greatest({f}, {l} - 7) AND {l}
                ORDER BY connected_at DESC, event_id DESC
                LIMIT 101
                """),
            ("connections", "2 names of the page's users (an IN list)", $"""
                SELECT user_id, user_name FROM members
                WHERE company_id = {c} AND user_name IS NOT NULL AND user_id IN ({string.Join(", ", Enumerable.Range(1, 101))})
                """),
            ("every read", "open a connection + SELECT 1", "SELECT 1"),
            // Alternatives, to size a fix: what the slow statements would cost in another form.
            ("alt. connections", "first page over the whole range, names joined", $"""
                SELECT c.user_id, m.user_name, c.connected_at, c.event_id, c.ip, c.user_agent, c.auth_method
                FROM connection_log c LEFT JOIN members m ON m.company_id = c.company_id AND m.user_id = c.user_id
                WHERE c.company_id = {c} AND c.day BETWEEN {f} AND {l}
                ORDER BY c.connected_at DESC, c.event_id DESC
                LIMIT 101
                """),
        };

        var timings = new List<StatementTiming>();
        foreach (var (report, name, sql) in statements)
        {
            var fresh = name.StartsWith("open", StringComparison.Ordinal);
            var ms = new double[runs];
            long rows = 0;
            for (var run = -2; run < runs; run++)
            {
                var started = Stopwatch.GetTimestamp();
                if (fresh)
                {
                    using var other = new DuckDBConnection(connectionString);
                    other.Open();
                    rows = Count(other, sql);
                }
                else
                {
                    rows = Count(connection, sql);
                }

                if (run >= 0)
                {
                    ms[run] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            timings.Add(new StatementTiming(report, name, Measure.Median(ms), rows));
        }

        var tables = new List<TableSize>();
        foreach (var table in new[] { "events", "event_documents", "daily_totals", "daily_models", "daily_query_sessions", "daily_tools", "daily_tool_users", "daily_documents", "documents", "ratings", "user_days", "user_months", "members", "connection_log" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FILTER (WHERE company_id = {c}), count(*) FROM {table}";
            using var reader = command.ExecuteReader();
            reader.Read();
            tables.Add(new TableSize(table, reader.GetInt64(0), reader.GetInt64(1)));
        }

        return (timings, tables);
    }

    private static long Count(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        long rows = 0;
        var values = new object[reader.FieldCount];
        while (reader.Read())
        {
            reader.GetValues(values);
            rows++;
        }

        return rows;
    }
}
