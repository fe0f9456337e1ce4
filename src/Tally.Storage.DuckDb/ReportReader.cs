using System.Data.Common;
using Tally.Events;
using Tally.Ingestion;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The report reads of chat-sessions, chats-feedback, tools, used-documents and users, and the ingestion stats: each
/// scans aggregate rows of one company (and range), once the aggregates include every acknowledged commit.
/// </summary>
internal sealed class ReportReader(Aggregator aggregator)
{
    public Task<IReadOnlyList<DayTotals>> ReadDayTotalsAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync<IReadOnlyList<DayTotals>>(connection =>
        {
            using var command = Command(connection, DayTotalsStatement, companyId, days.First, days.Last);
            using var reader = command.ExecuteReader();
            var rows = new List<DayTotals>();
            while (reader.Read())
            {
                rows.Add(new DayTotals(Day(reader, 0), Mode(reader, 1), Mode(reader, 8),
                    reader.GetInt64(15), reader.GetInt64(16), reader.GetInt64(17), reader.GetInt64(18), reader.GetInt64(19), reader.GetInt64(20)));
            }

            return rows;
        }, cancellationToken);

    /// <summary>Internal for the report benchmark, which times it alone.</summary>
    internal const string DayTotalsStatement = """
        SELECT day,
            chat_sessions, chat_queries, chat_query_sessions, chat_responses, chat_responses_with_documents, chat_models, chat_last_response,
            agent_sessions, agent_queries, agent_query_sessions, agent_responses, agent_responses_with_documents, agent_models, agent_last_response,
            likes, dislikes, copies, flags, tool_calls, connections
        FROM daily_totals WHERE company_id = $1 AND day BETWEEN $2 AND $3
        """;

    public Task<IReadOnlyList<ToolDay>> ReadToolDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync<IReadOnlyList<ToolDay>>(connection =>
        {
            using var command = Command(connection, """
                SELECT day, tool_name, tool_type, usage, users, errors FROM daily_tools
                WHERE company_id = $1 AND day BETWEEN $2 AND $3
                """, companyId, days.First, days.Last);
            using var reader = command.ExecuteReader();
            var rows = new List<ToolDay>();
            while (reader.Read())
            {
                rows.Add(new ToolDay(Day(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }

            return rows;
        }, cancellationToken);

    public Task<DocumentUsage> ReadDocumentUsageAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync(connection =>
        {
            // Names apart, once per document: a year has hundreds of thousands of document-days over a few thousand
            // documents, and reading the names with every row made as many strings.
            var names = new Dictionary<long, DocumentName>();
            using (var command = Command(connection, "SELECT document_id, filename, title FROM documents WHERE company_id = $1", companyId))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    names[reader.GetInt64(0)] = new DocumentName(StoredText.Decode(reader.GetString(1))!, StoredText.Decode(NullableString(reader, 2)));
                }
            }

            using (var command = Command(connection, """
                SELECT day, document_id, usage FROM daily_documents WHERE company_id = $1 AND day BETWEEN $2 AND $3
                """, companyId, days.First, days.Last))
            using (var reader = command.ExecuteReader())
            {
                var rows = new List<DocumentDay>();
                while (reader.Read())
                {
                    rows.Add(new DocumentDay(Day(reader, 0), reader.GetInt64(1), reader.GetInt64(2)));
                }

                return new DocumentUsage(rows, names);
            }
        }, cancellationToken);

    public Task<MemberHistory> ReadMemberHistoryAsync(long companyId, DateOnly asOf, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync(connection =>
        {
            // Each member's latest event, a row per member. Usually asOf is on or after every member's latest day (a
            // range up to today), and nothing more is read.
            var latest = new List<MemberLatest>();
            var later = new HashSet<long>();
            using (var command = Command(connection, "SELECT user_id, last_day, last_event_is_member_left FROM members WHERE company_id = $1", companyId))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var member = new MemberLatest(reader.GetInt64(0), Day(reader, 1), reader.GetBoolean(2));
                    latest.Add(member);
                    if (member.Day > asOf)
                    {
                        later.Add(member.UserId);
                    }
                }
            }

            // For the members whose latest day is later (usually the few active since), the last events of their last
            // two days up to asOf. Most were active in the week up to asOf, whose days are usually in the last row
            // group: the days from the day before that week are read first (so that the day before a member's last day
            // in the week is read with it), and the earlier days only for the members not found in the week.
            var days = new List<MemberDay>();
            void ReadLastDays(DateOnly from, DateOnly to, DateOnly foundFrom)
            {
                using var command = Command(connection, """
                    SELECT user_id, day, last_event_at, last_event_id, last_event_is_member_left FROM user_days
                    WHERE company_id = $1 AND day BETWEEN $3 AND $4
                        AND user_id IN (SELECT user_id FROM members WHERE company_id = $1 AND last_day > $2)
                    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY day DESC) <= 2
                    """, companyId, asOf, from, to);
                using var reader = command.ExecuteReader();
                var found = new List<long>();
                while (reader.Read())
                {
                    if (!later.Contains(reader.GetInt64(0)))
                    {
                        continue;
                    }

                    var day = new MemberDay(reader.GetInt64(0), Day(reader, 1), Utc(reader.GetDateTime(2)), reader.GetString(3), reader.GetBoolean(4));
                    days.Add(day);
                    if (day.Day >= foundFrom)
                    {
                        found.Add(day.UserId);
                    }
                }

                later.ExceptWith(found);
            }

            var weekStart = DateOnly.FromDayNumber(Math.Max(DateOnly.MinValue.DayNumber, asOf.DayNumber - 6));
            var dayBefore = DateOnly.FromDayNumber(Math.Max(DateOnly.MinValue.DayNumber, weekStart.DayNumber - 1));
            if (later.Count > 0)
            {
                ReadLastDays(dayBefore, asOf, weekStart);
            }

            if (later.Count > 0 && dayBefore > DateOnly.MinValue)
            {
                ReadLastDays(DateOnly.MinValue, dayBefore, DateOnly.MinValue);
            }

            return new MemberHistory(asOf, latest, days);
        }, cancellationToken);

    public Task<IReadOnlyList<IngestionStats>> ReadIngestionStatsAsync(long? companyId, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync<IReadOnlyList<IngestionStats>>(connection =>
        {
            var filter = companyId is { } id ? $"WHERE c.id = {Literal(id)}" : "";
            var byCompany = new SortedDictionary<long, (Dictionary<string, long> Stored, long Duplicates, long Rejected, DateTime? Last)>();
            using (var command = Command(connection, $"""
                SELECT c.id, t.duplicates, t.rejected_requests, t.last_accepted_at
                FROM companies c LEFT JOIN ingestion_totals t ON t.company_id = c.id {filter} ORDER BY c.id
                """))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var stored = WireNames.AllEventTypes.ToDictionary(WireNames.Of, _ => 0L, StringComparer.Ordinal);
                    byCompany[reader.GetInt64(0)] = (stored, NullableInt64(reader, 1) ?? 0, NullableInt64(reader, 2) ?? 0, NullableDateTime(reader, 3));
                }
            }

            using (var command = Command(connection, $"SELECT company_id, type, stored FROM ingestion_counts {filter.Replace("c.id", "company_id", StringComparison.Ordinal)}"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (byCompany.TryGetValue(reader.GetInt64(0), out var row))
                    {
                        row.Stored[reader.GetString(1)] = reader.GetInt64(2);
                    }
                }
            }

            return byCompany.Select(p => new IngestionStats(p.Key, p.Value.Stored, p.Value.Duplicates, p.Value.Rejected, p.Value.Last)).ToList();
        }, cancellationToken);

    private static ModeDay Mode(DbDataReader reader, int first) => new(
        reader.GetInt64(first), reader.GetInt64(first + 1), reader.GetInt64(first + 2), reader.GetInt64(first + 3), reader.GetInt64(first + 4),
        reader.GetInt64(first + 5), NullableDateTime(reader, first + 6));
}
