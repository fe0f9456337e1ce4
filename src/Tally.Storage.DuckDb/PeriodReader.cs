using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The distinct counts and sums over periods of several days (weeks, months, a whole range). A whole month reads its
/// rolled-up counters; the other periods read the days of a day-keyed table and count once over each period (see
/// <see cref="PeriodParts"/>).
/// </summary>
internal sealed class PeriodReader(Aggregator aggregator)
{
    public Task<IReadOnlyList<ModeDistincts>> ReadModeDistinctsAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        var parts = PeriodParts.Of(periods);
        return aggregator.ReadWithCountersCaughtUpAsync<IReadOnlyList<ModeDistincts>>(companyId, parts.Counted, connection =>
        {
            // Rows of (period, mode, models, sessions), summed per period here: a FULL JOIN of the two counts and a
            // pivot by mode in SQL cost DuckDB more than the counts themselves (6.7 against 5.1 ms for a year by
            // month at 10M; 4.2 against 1.2 ms for whole months only, where the day parts are left out).
            var dayCounts = parts.HasDayPeriods ? $"""
                SELECT period, mode, count(DISTINCT model) AS models, 0 AS sessions FROM {parts.DayRows("daily_models", "mode, model")} GROUP BY ALL
                UNION ALL
                SELECT period, mode, 0, count(DISTINCT session_id) FROM {parts.DayRows("daily_query_sessions", "mode, session_id")} GROUP BY ALL
                UNION ALL
                """ : "";
            using var command = Command(connection, $"""
                WITH whole(unit, start, period) AS (VALUES {parts.WholeValues})
                {dayCounts}
                SELECT w.period, c.mode, c.models, c.sessions
                FROM rollup_mode_counts c JOIN whole w ON c.unit = w.unit AND c.start = w.start
                WHERE c.company_id = $1
                """, companyId);
            using var reader = command.ExecuteReader();
            var sums = new SortedDictionary<int, ModeDistincts>();
            while (reader.Read())
            {
                var period = reader.GetInt32(0);
                var (models, sessions) = (reader.GetInt64(2), reader.GetInt64(3));
                var sum = sums.GetValueOrDefault(period) ?? new ModeDistincts(period, 0, 0, 0, 0);
                sums[period] = reader.GetString(1) switch
                {
                    "chat" => sum with { ChatModels = sum.ChatModels + models, ChatQuerySessions = sum.ChatQuerySessions + sessions },
                    "agent" => sum with { AgentModels = sum.AgentModels + models, AgentQuerySessions = sum.AgentQuerySessions + sessions },
                    _ => sum,
                };
            }

            return [.. sums.Values];
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ToolUsers>> ReadToolUsersAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        var parts = PeriodParts.Of(periods);
        return aggregator.ReadWithCountersCaughtUpAsync<IReadOnlyList<ToolUsers>>(companyId, parts.Counted, connection =>
        {
            using var command = Command(connection, parts.DistinctCounts("daily_tool_users", ["tool_name", "tool_type"], "user_id", "rollup_tool_counts", "users"),
                companyId);
            using var reader = command.ExecuteReader();
            var rows = new List<ToolUsers>();
            while (reader.Read())
            {
                rows.Add(new ToolUsers(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
            }

            return rows;
        }, cancellationToken);
    }

    /// <summary>
    /// The first documents of a period read by day are kept by DuckDB's top-N aggregate (a heap of <c>limit</c> per
    /// period, no sort of the period's documents; 8.7–9.7 ms against 19–31 ms for a ranking window, for a year by
    /// month with <c>limit=50</c> at 10M when every period was read so), which takes fewer than a million. Ordered by
    /// uses, then by the lower id (ids are at least 1, so negating one cannot overflow). Without a limit every document
    /// is kept: no ranking. The rolled-up periods come ranked (<see cref="MonthCounters"/>).
    /// </summary>
    private const int TopAtMost = 1_000_000;

    public Task<IReadOnlyList<DocumentPeriod>> ReadDocumentPeriodsAsync(long companyId, IReadOnlyList<DayRange> periods, int limit, CancellationToken cancellationToken)
    {
        var parts = PeriodParts.Of(periods);
        var limited = limit < TopAtMost;
        var daySums = $"SELECT period, document_id, sum(usage)::BIGINT AS usage FROM {parts.DayRows("daily_documents", "document_id, usage")} GROUP BY period, document_id";
        var dayRanked = limited
            ? $$"""
                SELECT period, top.document_id, top.usage, documents FROM (
                    SELECT period, count(*) AS documents,
                        unnest(arg_max({'document_id': document_id, 'usage': usage}, {'usage': usage, 'lower_id': -document_id}, {{Literal(limit)}})) AS top
                    FROM ({{daySums}}) GROUP BY period)
                """
            : $"SELECT period, document_id, usage, count(*) OVER (PARTITION BY period) AS documents FROM ({daySums})";
        return aggregator.ReadWithCountersCaughtUpAsync<IReadOnlyList<DocumentPeriod>>(companyId, parts.Counted, connection =>
        {
            using var command = Command(connection, $"""
                WITH whole(unit, start, period) AS (VALUES {parts.WholeValues}),
                ranked AS (
                    {(parts.HasDayPeriods ? dayRanked + " UNION ALL" : "")}
                    SELECT w.period, r.document_id, r.usage, r.documents
                    FROM rollup_documents r JOIN whole w ON r.unit = w.unit AND r.start = w.start
                    WHERE r.company_id = $1{(limited ? $" AND r.usage_rank <= {Literal(limit)}" : "")})
                SELECT r.period, r.document_id, r.usage, r.documents, n.filename, n.title
                FROM ranked r JOIN documents n ON n.company_id = $1 AND n.document_id = r.document_id
                ORDER BY r.period, r.usage DESC, r.document_id
                """, companyId);
            using var reader = command.ExecuteReader();
            var rows = new List<DocumentPeriod>();
            while (reader.Read())
            {
                rows.Add(new DocumentPeriod(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    new DocumentName(StoredText.Decode(reader.GetString(4))!, StoredText.Decode(NullableString(reader, 5)))));
            }

            return rows;
        }, cancellationToken);
    }
}
