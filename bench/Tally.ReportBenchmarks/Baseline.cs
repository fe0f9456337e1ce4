using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Tally.Storage.DuckDb;

namespace Tally.ReportBenchmarks;

/// <summary>How a report's day is found from the raw events: converting each timestamp, or Tally's stored day column.</summary>
internal enum DayVariant
{
    TimeZone,
    StoredDay,
}

internal sealed record BaselineTiming(string Report, DayVariant Variant, string What, double[] Ms, List<object?[]> Rows)
{
    public double Median => Measure.Median(Ms);
}

/// <summary>
/// The way most platforms compute the same numbers: a plain GROUP BY over the raw <c>events</c> table at request
/// time, in the same DuckDB file, with the server stopped. Each query filters on the company and the range (so
/// DuckDB can skip row groups by their min/max), reads nothing it does not need, and every row is read back.
/// </summary>
internal static class Baseline
{
    public static List<BaselineTiming> Run(string dataDirectory, long companyId, string zoneName, DateOnly first, DateOnly last, Options options)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        var utcStart = TimeZoneInfo.ConvertTimeToUtc(first.ToDateTime(TimeOnly.MinValue), zone);
        var utcEnd = TimeZoneInfo.ConvertTimeToUtc(last.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), DuckDbStore.FileName)}");
        connection.Open();

        var results = new List<BaselineTiming>();
        foreach (var variant in new[] { DayVariant.TimeZone, DayVariant.StoredDay })
        {
            var sql = new Sql(companyId, zoneName, first, last, utcStart, utcEnd, variant);
            foreach (var (report, what, text) in sql.Queries())
            {
                List<object?[]> rows = [];
                for (var w = 0; w < options.BaselineWarmup; w++)
                {
                    rows = Execute(connection, text);
                }

                var ms = new double[options.BaselineRuns];
                for (var run = 0; run < ms.Length; run++)
                {
                    var started = Stopwatch.GetTimestamp();
                    rows = Execute(connection, text);
                    ms[run] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                results.Add(new BaselineTiming(report, variant, what, ms, rows));
            }
        }

        return results;
    }

    /// <summary>Separates the statements of a baseline that takes two (user activities: the days, then the users).</summary>
    private const string NextStatement = "\n-- next statement\n";

    /// <summary>Every row of every statement of <paramref name="sql"/>, in order.</summary>
    private static List<object?[]> Execute(DuckDBConnection connection, string sql)
    {
        var rows = new List<object?[]>();
        foreach (var statement in sql.Split(NextStatement))
        {
            using var command = connection.CreateCommand();
            command.CommandText = statement;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>The baseline SQL of each report, for one company, range and way of finding days.</summary>
    private sealed class Sql(long companyId, string zone, DateOnly first, DateOnly last, DateTime utcStart, DateTime utcEnd, DayVariant variant)
    {
        private readonly string _company = companyId.ToString(CultureInfo.InvariantCulture);

        private string Day(string alias = "") => variant == DayVariant.TimeZone
            ? $"timezone('{zone}', timezone('UTC', {alias}ts))::DATE"
            : $"{alias}day";

        private string InRange(string alias = "") => variant == DayVariant.TimeZone
            ? $"{alias}ts >= {Timestamp(utcStart)} AND {alias}ts < {Timestamp(utcEnd)}"
            : $"{alias}day BETWEEN {Date(first)} AND {Date(last)}";

        private string UpToEnd(string alias = "") => variant == DayVariant.TimeZone
            ? $"{alias}ts < {Timestamp(utcEnd)}"
            : $"{alias}day <= {Date(last)}";

        private string DaysInRange => $"BETWEEN {Date(first)} AND {Date(last)}";

        public IEnumerable<(string Report, string What, string Sql)> Queries()
        {
            yield return ("chat-sessions", "all 14 numbers, both modes", $"""
                SELECT {Day()} AS d, mode,
                    count(*) FILTER (WHERE type = 'session_started') AS sessions,
                    count(DISTINCT model) FILTER (WHERE type = 'model_response') AS models,
                    count(*) FILTER (WHERE type = 'user_query') AS queries,
                    count(DISTINCT session_id) FILTER (WHERE type = 'user_query') AS query_sessions,
                    count(*) FILTER (WHERE type = 'model_response') AS responses,
                    count(*) FILTER (WHERE type = 'model_response' AND document_count > 0) AS responses_with_documents,
                    max(ts) FILTER (WHERE type = 'model_response') AS last_response
                FROM events
                WHERE company_id = {_company} AND {InRange()} AND type IN ('session_started', 'user_query', 'model_response')
                GROUP BY ALL ORDER BY d, mode
                """);

            yield return ("chats-feedback", "all 5 numbers (latest rating over all events)", $"""
                WITH ratings AS (
                    SELECT arg_max(kind, (ts, event_id)) AS kind, arg_max({Day()}, (ts, event_id)) AS d
                    FROM events WHERE company_id = {_company} AND type = 'feedback' AND kind IN ('like', 'dislike', 'none')
                    GROUP BY user_id, response_id
                ), rated AS (
                    SELECT d, count(*) FILTER (WHERE kind = 'like') AS likes, count(*) FILTER (WHERE kind = 'dislike') AS dislikes
                    FROM ratings WHERE d {DaysInRange} GROUP BY d
                ), counted AS (
                    SELECT {Day()} AS d,
                        count(*) FILTER (WHERE type = 'model_response') AS responses,
                        count(*) FILTER (WHERE type = 'feedback' AND kind = 'copy') AS copies,
                        count(*) FILTER (WHERE type = 'feedback' AND kind = 'flag') AS flags
                    FROM events WHERE company_id = {_company} AND {InRange()} AND type IN ('model_response', 'feedback')
                    GROUP BY d
                )
                SELECT coalesce(c.d, r.d) AS d, coalesce(responses, 0), coalesce(likes, 0), coalesce(dislikes, 0), coalesce(copies, 0), coalesce(flags, 0)
                FROM counted c FULL JOIN rated r ON c.d = r.d ORDER BY d
                """);

            yield return ("satisfaction", "ratings by first answer's model, tools, documents", $"""
                WITH rated AS (
                    SELECT * FROM (
                        SELECT response_id, arg_max(kind, (ts, event_id)) AS kind, arg_max({Day()}, (ts, event_id)) AS d
                        FROM events WHERE company_id = {_company} AND type = 'feedback' AND kind IN ('like', 'dislike', 'none')
                        GROUP BY user_id, response_id
                    ) WHERE kind <> 'none' AND d {DaysInRange}
                ), firsts AS (
                    SELECT response_id, arg_min(model, (ts, event_id)) AS model, arg_min(event_id, (ts, event_id)) AS event_id
                    FROM events WHERE company_id = {_company} AND type = 'model_response' GROUP BY response_id
                ), tools AS (
                    SELECT DISTINCT response_id, tool_name, tool_type FROM events WHERE company_id = {_company} AND type = 'tool_call' AND response_id IS NOT NULL
                ), documents AS (
                    SELECT DISTINCT f.response_id, l.document_id FROM firsts f JOIN event_documents l ON l.company_id = {_company} AND l.event_id = f.event_id
                )
                SELECT r.d, 'model', coalesce(f.model, ''), '', count(*) FILTER (WHERE kind = 'like'), count(*) FILTER (WHERE kind = 'dislike')
                FROM rated r LEFT JOIN firsts f USING (response_id) GROUP BY ALL
                UNION ALL
                SELECT r.d, 'tool', t.tool_name, t.tool_type, count(*) FILTER (WHERE kind = 'like'), count(*) FILTER (WHERE kind = 'dislike')
                FROM rated r JOIN tools t USING (response_id) GROUP BY ALL
                UNION ALL
                SELECT r.d, 'document', CAST(x.document_id AS VARCHAR), '', count(*) FILTER (WHERE kind = 'like'), count(*) FILTER (WHERE kind = 'dislike')
                FROM rated r JOIN documents x USING (response_id) GROUP BY ALL
                ORDER BY 1, 2, 3, 4
                """);

            yield return ("tools", "all numbers", $"""
                SELECT {Day()} AS d, tool_name, tool_type, count(*) AS usage, count(DISTINCT user_id) AS users, count(*) FILTER (WHERE status = 'error') AS errors
                FROM events WHERE company_id = {_company} AND {InRange()} AND type = 'tool_call'
                GROUP BY ALL ORDER BY d, usage DESC, tool_name, tool_type
                """);

            yield return ("used-documents", "all numbers (names from the latest listing)", $"""
                WITH listings AS (
                    SELECT e.ts, e.event_id, {Day("e.")} AS d, l.document_id, l.filename, l.title, l.position
                    FROM event_documents l JOIN events e ON e.company_id = l.company_id AND e.event_id = l.event_id
                    WHERE l.company_id = {_company} AND e.company_id = {_company}
                ), used AS (
                    SELECT d, document_id, count(DISTINCT event_id) AS usage FROM listings WHERE d {DaysInRange} GROUP BY ALL
                ), names AS (
                    SELECT document_id, arg_max({"{"}'filename': filename, 'title': title{"}"}, (ts, event_id, position)) AS name
                    FROM listings GROUP BY document_id
                )
                SELECT u.d, u.document_id, n.name.filename, n.name.title, u.usage
                FROM used u JOIN names n USING (document_id) ORDER BY u.d, u.usage DESC, u.document_id
                """);

            yield return ("users", "both numbers", $"""
                SELECT count(*), count(*) FILTER (WHERE NOT has_left) FROM (
                    SELECT arg_max(type = 'member_left', (ts, event_id)) AS has_left
                    FROM events WHERE company_id = {_company} AND {UpToEnd()} GROUP BY user_id
                )
                """);

            // The day series (windows over the 29 days before each day, first activity over all history), then the
            // per-user table (counts within the range, last connection up to its end, name of all stored).
            yield return ("user-activities", "5 numbers a day, then the per-user table", $"""
                WITH activity AS (
                    SELECT DISTINCT {Day()} AS d, user_id FROM events
                    WHERE company_id = {_company} AND {UpToEnd()} AND type NOT IN ('member_joined', 'member_left')
                ), days AS (
                    SELECT CAST(range AS DATE) AS d FROM range({Date(first)}, {Date(last)} + 1, INTERVAL 1 DAY)
                ), windows AS (
                    SELECT days.d,
                        count(DISTINCT a.user_id) FILTER (WHERE a.d = days.d) AS active,
                        count(DISTINCT a.user_id) FILTER (WHERE a.d > days.d - 7) AS weekly,
                        count(DISTINCT a.user_id) AS monthly
                    FROM days JOIN activity a ON a.d BETWEEN days.d - 29 AND days.d
                    GROUP BY days.d
                ), newcomers AS (
                    SELECT first_day AS d, count(*) AS users FROM (SELECT min(d) AS first_day FROM activity GROUP BY user_id)
                    WHERE first_day {DaysInRange} GROUP BY first_day
                ), connections AS (
                    SELECT {Day()} AS d, count(*) AS connections FROM events
                    WHERE company_id = {_company} AND {InRange()} AND type = 'connection' GROUP BY d
                )
                SELECT days.d, coalesce(w.active, 0), coalesce(n.users, 0), coalesce(w.weekly, 0), coalesce(w.monthly, 0), coalesce(c.connections, 0)
                FROM days LEFT JOIN windows w USING (d) LEFT JOIN newcomers n USING (d) LEFT JOIN connections c USING (d)
                ORDER BY days.d
                {NextStatement}
                WITH counted AS (
                    SELECT user_id,
                        count(DISTINCT {Day()}) FILTER (WHERE {InRange()} AND type NOT IN ('member_joined', 'member_left')) AS active_days,
                        count(*) FILTER (WHERE {InRange()} AND type = 'session_started') AS sessions,
                        count(*) FILTER (WHERE {InRange()} AND type = 'user_query') AS queries,
                        count(*) FILTER (WHERE {InRange()} AND type = 'feedback') AS feedbacks,
                        count(*) FILTER (WHERE {InRange()} AND type = 'tool_call') AS tool_calls,
                        min({Day()}) FILTER (WHERE {InRange()} AND type NOT IN ('member_joined', 'member_left')) AS first_day,
                        max({Day()}) FILTER (WHERE {InRange()} AND type NOT IN ('member_joined', 'member_left')) AS last_day,
                        max(ts) FILTER (WHERE type = 'connection') AS last_connection
                    FROM events WHERE company_id = {_company} AND {UpToEnd()} GROUP BY user_id
                ), names AS (
                    SELECT user_id, arg_max(user_name, (ts, event_id)) AS user_name FROM events
                    WHERE company_id = {_company} AND type = 'member_joined' AND user_name IS NOT NULL GROUP BY user_id
                )
                SELECT c.user_id, n.user_name, c.active_days, c.sessions, c.queries, c.feedbacks, c.tool_calls, c.first_day, c.last_day, c.last_connection
                FROM counted c LEFT JOIN names n USING (user_id)
                WHERE c.active_days > 0
                ORDER BY c.queries DESC, c.user_id
                """);

            yield return ("connections", "first page of 100 (+1) with names", $"""
                SELECT e.user_id, n.user_name, e.ts, e.event_id, e.ip, e.user_agent, e.auth_method
                FROM events e LEFT JOIN (
                    SELECT user_id, arg_max(user_name, (ts, event_id)) AS user_name FROM events
                    WHERE company_id = {_company} AND type = 'member_joined' AND user_name IS NOT NULL GROUP BY user_id
                ) n ON n.user_id = e.user_id
                WHERE e.company_id = {_company} AND e.type = 'connection' AND {InRange("e.")}
                ORDER BY e.ts DESC, e.event_id DESC LIMIT 101
                """);
        }

        private static string Date(DateOnly day) => $"DATE '{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'";

        private static string Timestamp(DateTime t) => $"TIMESTAMP '{t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'";
    }
}
