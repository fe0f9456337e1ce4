namespace Tally.Storage.Postgres;

/// <summary>
/// The distinct counts over periods of several days (weeks, months, a whole range): each joins a day-keyed set table
/// with the periods, passed as two arrays of first and last days, and counts once over each period.
/// </summary>
public sealed partial class PostgresStore
{
    // $2 and $3 are the periods' first and last days; a period's index is its position in them, from 0; $4 and $5
    // bound the days scanned, so that the day index serves the join.
    private const string PeriodsTable = """
        periods AS (
            SELECT (position - 1)::integer AS period, first_day, last_day
            FROM unnest($2::date[], $3::date[]) WITH ORDINALITY AS p(first_day, last_day, position))
        """;

    public async Task<IReadOnlyList<ModeDistincts>> ReadModeDistinctsAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, $"""
            WITH {PeriodsTable},
            models AS (
                SELECT p.period,
                    count(DISTINCT m.model) FILTER (WHERE m.mode = 'chat') AS chat,
                    count(DISTINCT m.model) FILTER (WHERE m.mode = 'agent') AS agent
                FROM daily_models m JOIN periods p ON m.day BETWEEN p.first_day AND p.last_day
                WHERE m.company_id = $1 AND m.day BETWEEN $4 AND $5
                GROUP BY p.period),
            sessions AS (
                SELECT p.period,
                    count(DISTINCT s.session_id) FILTER (WHERE s.mode = 'chat') AS chat,
                    count(DISTINCT s.session_id) FILTER (WHERE s.mode = 'agent') AS agent
                FROM daily_query_sessions s JOIN periods p ON s.day BETWEEN p.first_day AND p.last_day
                WHERE s.company_id = $1 AND s.day BETWEEN $4 AND $5
                GROUP BY p.period)
            SELECT period, coalesce(m.chat, 0), coalesce(m.agent, 0), coalesce(s.chat, 0), coalesce(s.agent, 0)
            FROM models m FULL JOIN sessions s USING (period)
            """, PeriodParameters(companyId, periods));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ModeDistincts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ModeDistincts(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<ToolUsers>> ReadToolUsersAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, $"""
            WITH {PeriodsTable}
            SELECT p.period, u.tool_name, u.tool_type, count(DISTINCT u.user_id)
            FROM daily_tool_users u JOIN periods p ON u.day BETWEEN p.first_day AND p.last_day
            WHERE u.company_id = $1 AND u.day BETWEEN $4 AND $5
            GROUP BY p.period, u.tool_name, u.tool_type
            """, PeriodParameters(companyId, periods));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ToolUsers>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ToolUsers(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<DocumentPeriod>> ReadDocumentPeriodsAsync(long companyId, IReadOnlyList<DayRange> periods, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, $"""
            WITH {PeriodsTable},
            sums AS (
                SELECT p.period, d.document_id, sum(d.usage)::bigint AS usage
                FROM daily_documents d JOIN periods p ON d.day BETWEEN p.first_day AND p.last_day
                WHERE d.company_id = $1 AND d.day BETWEEN $4 AND $5
                GROUP BY p.period, d.document_id),
            ranked AS (
                SELECT period, document_id, usage, count(*) OVER (PARTITION BY period) AS documents,
                    row_number() OVER (PARTITION BY period ORDER BY usage DESC, document_id) AS position
                FROM sums)
            SELECT r.period, r.document_id, r.usage, r.documents, n.filename, n.title
            FROM ranked r JOIN documents n ON n.company_id = $1 AND n.document_id = r.document_id
            WHERE r.position <= $6
            ORDER BY r.period, r.usage DESC, r.document_id
            """, [.. PeriodParameters(companyId, periods), limit]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<DocumentPeriod>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new DocumentPeriod(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                new DocumentName(StoredText.Decode(reader.GetString(4))!, StoredText.Decode(NullableString(reader, 5)))));
        }

        return rows;
    }

    private static object?[] PeriodParameters(long companyId, IReadOnlyList<DayRange> periods) =>
        [companyId, periods.Select(p => p.First).ToArray(), periods.Select(p => p.Last).ToArray(), periods[0].First, periods[^1].Last];
}
