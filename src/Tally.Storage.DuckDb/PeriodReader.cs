using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The distinct counts over periods of several days (weeks, months, a whole range): each joins a day-keyed set table
/// with the periods, given as a VALUES list (at most a few thousand rows, all dates written by Tally), and counts
/// once over each period.
/// </summary>
internal sealed class PeriodReader(Aggregator aggregator)
{
    public Task<IReadOnlyList<ModeDistincts>> ReadModeDistinctsAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync<IReadOnlyList<ModeDistincts>>(connection =>
        {
            var (first, last) = Span(periods);
            using var command = Command(connection, $"""
                WITH periods(period, first_day, last_day) AS (VALUES {Values(periods)}),
                models AS (
                    SELECT p.period,
                        count(DISTINCT m.model) FILTER (WHERE m.mode = 'chat') AS chat,
                        count(DISTINCT m.model) FILTER (WHERE m.mode = 'agent') AS agent
                    FROM daily_models m JOIN periods p ON m.day BETWEEN p.first_day AND p.last_day
                    WHERE m.company_id = $1 AND m.day BETWEEN $2 AND $3
                    GROUP BY p.period),
                sessions AS (
                    SELECT p.period,
                        count(DISTINCT s.session_id) FILTER (WHERE s.mode = 'chat') AS chat,
                        count(DISTINCT s.session_id) FILTER (WHERE s.mode = 'agent') AS agent
                    FROM daily_query_sessions s JOIN periods p ON s.day BETWEEN p.first_day AND p.last_day
                    WHERE s.company_id = $1 AND s.day BETWEEN $2 AND $3
                    GROUP BY p.period)
                SELECT period, coalesce(m.chat, 0), coalesce(m.agent, 0), coalesce(s.chat, 0), coalesce(s.agent, 0)
                FROM models m FULL JOIN sessions s USING (period)
                """, companyId, first, last);
            using var reader = command.ExecuteReader();
            var rows = new List<ModeDistincts>();
            while (reader.Read())
            {
                rows.Add(new ModeDistincts(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
            }

            return rows;
        }, cancellationToken);

    public Task<IReadOnlyList<ToolUsers>> ReadToolUsersAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync<IReadOnlyList<ToolUsers>>(connection =>
        {
            var (first, last) = Span(periods);
            using var command = Command(connection, $"""
                WITH periods(period, first_day, last_day) AS (VALUES {Values(periods)})
                SELECT p.period, u.tool_name, u.tool_type, count(DISTINCT u.user_id)
                FROM daily_tool_users u JOIN periods p ON u.day BETWEEN p.first_day AND p.last_day
                WHERE u.company_id = $1 AND u.day BETWEEN $2 AND $3
                GROUP BY p.period, u.tool_name, u.tool_type
                """, companyId, first, last);
            using var reader = command.ExecuteReader();
            var rows = new List<ToolUsers>();
            while (reader.Read())
            {
                rows.Add(new ToolUsers(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
            }

            return rows;
        }, cancellationToken);

    public Task<IReadOnlyList<DocumentPeriod>> ReadDocumentPeriodsAsync(long companyId, IReadOnlyList<DayRange> periods, int limit, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync<IReadOnlyList<DocumentPeriod>>(connection =>
        {
            var (first, last) = Span(periods);
            using var command = Command(connection, $"""
                WITH periods(period, first_day, last_day) AS (VALUES {Values(periods)}),
                sums AS (
                    SELECT p.period, d.document_id, sum(d.usage)::BIGINT AS usage
                    FROM daily_documents d JOIN periods p ON d.day BETWEEN p.first_day AND p.last_day
                    WHERE d.company_id = $1 AND d.day BETWEEN $2 AND $3
                    GROUP BY p.period, d.document_id),
                ranked AS (
                    SELECT period, document_id, usage, count(*) OVER (PARTITION BY period) AS documents
                    FROM sums
                    QUALIFY row_number() OVER (PARTITION BY period ORDER BY usage DESC, document_id) <= $4)
                SELECT r.period, r.document_id, r.usage, r.documents, n.filename, n.title
                FROM ranked r JOIN documents n ON n.company_id = $1 AND n.document_id = r.document_id
                ORDER BY r.period, r.usage DESC, r.document_id
                """, companyId, first, last, limit);
            using var reader = command.ExecuteReader();
            var rows = new List<DocumentPeriod>();
            while (reader.Read())
            {
                rows.Add(new DocumentPeriod(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    new DocumentName(StoredText.Decode(reader.GetString(4))!, StoredText.Decode(NullableString(reader, 5)))));
            }

            return rows;
        }, cancellationToken);

    private static (DateOnly First, DateOnly Last) Span(IReadOnlyList<DayRange> periods) => (periods[0].First, periods[^1].Last);

    private static string Values(IReadOnlyList<DayRange> periods) =>
        Rows(periods.Select((period, index) => $"{Literal(index)}, {Literal(period.First)}, {Literal(period.Last)}"));
}
