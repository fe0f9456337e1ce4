using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The distinct counts over periods of several days (weeks, months, a whole range). A whole month reads
/// its rolled-up counters; the other periods join a day-keyed set table with the period of each of their days,
/// given as a VALUES list (at most 3,660 rows, all written by Tally), and count once over each period (see
/// <see cref="PeriodParts"/>). An equality join on the day is a hash join; a join on each period's first and last
/// day was a range join, about 30 times slower over a year of sessions.
/// </summary>
internal sealed class PeriodReader(Aggregator aggregator)
{
    public Task<IReadOnlyList<ModeDistincts>> ReadModeDistinctsAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        var parts = PeriodParts.Of(periods);
        return aggregator.ReadWithMonthsCaughtUpAsync<IReadOnlyList<ModeDistincts>>(companyId, parts.WholeMonths, connection =>
        {
            using var command = Command(connection, $"""
                WITH periods(day, period) AS (VALUES {parts.DayValues}),
                whole(unit, start, period) AS (VALUES {parts.WholeValues}),
                models AS (
                    SELECT p.period,
                        count(DISTINCT m.model) FILTER (WHERE m.mode = 'chat') AS chat,
                        count(DISTINCT m.model) FILTER (WHERE m.mode = 'agent') AS agent
                    FROM daily_models m JOIN periods p ON m.day = p.day
                    WHERE m.company_id = $1 AND m.day BETWEEN $2 AND $3
                    GROUP BY p.period),
                sessions AS (
                    SELECT p.period,
                        count(DISTINCT s.session_id) FILTER (WHERE s.mode = 'chat') AS chat,
                        count(DISTINCT s.session_id) FILTER (WHERE s.mode = 'agent') AS agent
                    FROM daily_query_sessions s JOIN periods p ON s.day = p.day
                    WHERE s.company_id = $1 AND s.day BETWEEN $2 AND $3
                    GROUP BY p.period)
                SELECT period, coalesce(m.chat, 0), coalesce(m.agent, 0), coalesce(s.chat, 0), coalesce(s.agent, 0)
                FROM models m FULL JOIN sessions s USING (period)
                UNION ALL
                SELECT w.period,
                    coalesce(sum(c.models) FILTER (WHERE c.mode = 'chat'), 0)::BIGINT, coalesce(sum(c.models) FILTER (WHERE c.mode = 'agent'), 0)::BIGINT,
                    coalesce(sum(c.sessions) FILTER (WHERE c.mode = 'chat'), 0)::BIGINT, coalesce(sum(c.sessions) FILTER (WHERE c.mode = 'agent'), 0)::BIGINT
                FROM rollup_mode_counts c JOIN whole w ON c.unit = w.unit AND c.start = w.start
                WHERE c.company_id = $1
                GROUP BY w.period
                """, companyId, parts.FirstDay, parts.LastDay);
            using var reader = command.ExecuteReader();
            var rows = new List<ModeDistincts>();
            while (reader.Read())
            {
                rows.Add(new ModeDistincts(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
            }

            return rows;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ToolUsers>> ReadToolUsersAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        var parts = PeriodParts.Of(periods);
        return aggregator.ReadWithMonthsCaughtUpAsync<IReadOnlyList<ToolUsers>>(companyId, parts.WholeMonths, connection =>
        {
            using var command = Command(connection, parts.DistinctCounts("daily_tool_users", ["tool_name", "tool_type"], "user_id", "rollup_tool_counts", "users"),
                companyId, parts.FirstDay, parts.LastDay);
            using var reader = command.ExecuteReader();
            var rows = new List<ToolUsers>();
            while (reader.Read())
            {
                rows.Add(new ToolUsers(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
            }

            return rows;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<DocumentPeriod>> ReadDocumentPeriodsAsync(long companyId, IReadOnlyList<DayRange> periods, int limit, CancellationToken cancellationToken)
    {
        var parts = PeriodParts.Of(periods);
        return aggregator.ReadWithMonthsCaughtUpAsync<IReadOnlyList<DocumentPeriod>>(companyId, parts.WholeMonths, connection =>
        {
            using var command = Command(connection, $"""
                WITH periods(day, period) AS (VALUES {parts.DayValues}),
                whole(unit, start, period) AS (VALUES {parts.WholeValues}),
                sums AS (
                    SELECT p.period, d.document_id, sum(d.usage)::BIGINT AS usage
                    FROM daily_documents d JOIN periods p ON d.day = p.day
                    WHERE d.company_id = $1 AND d.day BETWEEN $2 AND $3
                    GROUP BY p.period, d.document_id
                    UNION ALL
                    SELECT w.period, r.document_id, r.usage
                    FROM rollup_documents r JOIN whole w ON r.unit = w.unit AND r.start = w.start
                    WHERE r.company_id = $1),
                ranked AS (
                    SELECT period, document_id, usage, count(*) OVER (PARTITION BY period) AS documents
                    FROM sums
                    QUALIFY row_number() OVER (PARTITION BY period ORDER BY usage DESC, document_id) <= $4)
                SELECT r.period, r.document_id, r.usage, r.documents, n.filename, n.title
                FROM ranked r JOIN documents n ON n.company_id = $1 AND n.document_id = r.document_id
                ORDER BY r.period, r.usage DESC, r.document_id
                """, companyId, parts.FirstDay, parts.LastDay, limit);
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
