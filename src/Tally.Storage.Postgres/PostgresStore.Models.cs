namespace Tally.Storage.Postgres;

/// <summary>The reads of the models report and of the users' tokens, from the model aggregates.</summary>
public sealed partial class PostgresStore
{
    public async Task<ModelUsage> ReadModelUsageAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        if (periods.Count == 0)
        {
            return new ModelUsage([], [], []);
        }

        var (first, last) = (periods[0].First, periods[^1].Last);
        await using var connection = await ConnectAsync(cancellationToken);
        var days = new List<ModelDay>();
        await using (var command = Command(connection, """
            SELECT day, model, responses, responses_with_documents, input_tokens, output_tokens, responses_with_usage
            FROM daily_model_usage WHERE company_id = $1 AND day BETWEEN $2 AND $3
            """, companyId, first, last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                days.Add(new ModelDay(Day(reader, 0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
            }
        }

        var latencies = new LatencyHistograms();
        await using (var command = Command(connection, """
            SELECT day, model, latency_ms, responses FROM daily_model_latencies WHERE company_id = $1 AND day BETWEEN $2 AND $3
            """, companyId, first, last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                latencies.Add(Day(reader, 0), reader.GetString(1), LatencyPacking.Code(reader.GetDecimal(2)), reader.GetInt64(3));
            }
        }

        // Distinct users per period: a range join of the day-model-user set with the periods.
        var users = new List<ModelPeriodUsers>();
        await using (var command = Command(connection, """
            SELECT p.period, u.model, count(DISTINCT u.user_id)
            FROM daily_model_users u
            JOIN unnest($4::date[], $5::date[]) WITH ORDINALITY p(first, last, period) ON u.day BETWEEN p.first AND p.last
            WHERE u.company_id = $1 AND u.day BETWEEN $2 AND $3
            GROUP BY p.period, u.model
            """, companyId, first, last, periods.Select(p => p.First).ToArray(), periods.Select(p => p.Last).ToArray()))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                users.Add(new ModelPeriodUsers((int)reader.GetInt64(0) - 1, reader.GetString(1), reader.GetInt64(2)));
            }
        }

        return new ModelUsage(days, latencies.ToList(), users);
    }

    public async Task<IReadOnlyList<UserModelTokens>> ReadUserModelTokensAsync(
        long companyId, DayRange days, IReadOnlyList<DateOnly> stretchStarts, long? userId, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        // The stretch of each day: the latest start on or before it (a handful of dates).
        await using var command = Command(connection, """
            SELECT user_id, coalesce((SELECT max(s) FROM unnest($5::date[]) AS s WHERE s <= day), $2) AS stretch, model,
                sum(input_tokens)::bigint, sum(output_tokens)::bigint
            FROM daily_model_users
            WHERE company_id = $1 AND day BETWEEN $2 AND $3 AND ($4::bigint IS NULL OR user_id = $4)
            GROUP BY user_id, stretch, model
            """, companyId, days.First, days.Last, userId, stretchStarts.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<UserModelTokens>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new UserModelTokens(reader.GetInt64(0), Day(reader, 1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return rows;
    }
}
