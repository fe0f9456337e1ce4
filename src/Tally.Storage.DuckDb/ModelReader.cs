using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>The reads of the models report and of the users' tokens, from the model aggregates, once they include every acknowledged commit.</summary>
internal sealed class ModelReader(Aggregator aggregator)
{
    public Task<ModelUsage> ReadModelUsageAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        if (periods.Count == 0)
        {
            return Task.FromResult(new ModelUsage([], [], []));
        }

        if (periods.All(period => period.Count == 1))
        {
            // A view by day: each day's users and latencies come from its digest (see ModelDigests).
            var (firstDay, lastDay) = (periods[0].First, periods[^1].Last);
            return aggregator.ReadBuildingStaleAsync(
                connection => ModelDigests.TryRead(connection, companyId, firstDay, lastDay),
                connection =>
                {
                    ModelDigests.Build(connection, companyId, firstDay, lastDay);
                    return ModelDigests.TryRead(connection, companyId, firstDay, lastDay)
                        ?? throw new InvalidOperationException("A digest built under the aggregation lock is not current.");
                },
                cancellationToken);
        }

        var parts = PeriodParts.Of(periods);
        return aggregator.ReadWithCountersCaughtUpAsync(companyId, parts.Counted, connection =>
        {
            var (first, last) = (periods[0].First, periods[^1].Last);

            // The models of the span numbered in code point order (the same numbers in both statements), so that the
            // many latency rows carry a number instead of a string each.
            const string ModelNumbers = """
                models AS (
                    SELECT model, (row_number() OVER (ORDER BY model) - 1)::INTEGER AS number
                    FROM (SELECT DISTINCT model FROM daily_model_usage WHERE company_id = $1 AND day BETWEEN $2 AND $3))
                """;
            var days = new List<ModelDay>();
            var names = new Dictionary<int, string>();
            using (var command = Command(connection, $"""
                WITH {ModelNumbers}
                SELECT u.day, u.model, m.number, u.responses, u.responses_with_documents, u.input_tokens, u.output_tokens, u.responses_with_usage
                FROM daily_model_usage u JOIN models m USING (model)
                WHERE u.company_id = $1 AND u.day BETWEEN $2 AND $3
                """, companyId, first, last))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var number = reader.GetInt32(2);
                    if (!names.TryGetValue(number, out var model))
                    {
                        names[number] = model = reader.GetString(1);
                    }

                    days.Add(new ModelDay(Day(reader, 0), model, reader.GetInt64(3), reader.GetInt64(4),
                        reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
                }
            }

            // A whole month's histograms come summed, dated by its first day (see MonthCounters): the period is the same.
            // Every model with a latency has a day row in the span (both come from its responses).
            // When no whole month is read from its counters, the periods' days are the whole span: read it without
            // a join to the periods (the rows carry their day).
            var latencies = new LatencyHistograms();
            var dayLatencies = parts.Counted.Count == 0
                ? "(SELECT day, model, latency_ms, responses FROM daily_model_latencies WHERE company_id = $1 AND day BETWEEN $2 AND $3)"
                : parts.DayRows("daily_model_latencies", "day, model, latency_ms, responses");
            using (var command = Command(connection, $"""
                WITH {ModelNumbers},
                whole(unit, start, period) AS (VALUES {parts.WholeValues})
                SELECT l.day, m.number, l.latency_ms, l.responses
                FROM {dayLatencies} l JOIN models m ON l.model = m.model
                UNION ALL
                SELECT r.start, m.number, r.latency_ms, r.responses
                FROM rollup_model_latencies r JOIN whole w ON r.unit = w.unit AND r.start = w.start JOIN models m ON r.model = m.model
                WHERE r.company_id = $1
                """, companyId, first, last))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    latencies.Add(Day(reader, 0), names[reader.GetInt32(1)], LatencyPacking.Code(reader.GetDouble(2)), reader.GetInt64(3));
                }
            }

            return new ModelUsage(days, latencies.ToList(), ReadPeriodUsers(connection, companyId, parts));
        }, cancellationToken);
    }

    /// <summary>
    /// Distinct users per period and model: the rolled-up counters of whole months, the day-model-user set joined with
    /// the day's period for the others (see PeriodParts).
    /// </summary>
    private static List<ModelPeriodUsers> ReadPeriodUsers(DuckDBConnection connection, long companyId, PeriodParts parts)
    {
        var users = new List<ModelPeriodUsers>();
        using (var command = Command(connection, parts.DistinctCounts("daily_model_users", ["model"], "user_id", "rollup_model_counts", "users"),
            companyId))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                users.Add(new ModelPeriodUsers(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        return users;
    }

    /// <summary>
    /// Each user's token sums per model and price stretch. A whole calendar month of the range in which no stretch
    /// starts after its first day is read from its rolled-up sums (<see cref="MonthCounters"/>), one row per user and
    /// model instead of one per day; the other days from <c>daily_model_users</c>.
    /// </summary>
    public Task<IReadOnlyList<UserModelTokens>> ReadUserModelTokensAsync(
        long companyId, DayRange days, IReadOnlyList<DateOnly> stretchStarts, long? userId, CancellationToken cancellationToken)
    {
        var months = WholeMonthsOfOneStretch(days, stretchStarts);
        return aggregator.ReadWithCountersCaughtUpAsync<IReadOnlyList<UserModelTokens>>(companyId, [.. months.Select(month => new DayRange(month, DayRange.MonthEnd(month)))], connection =>
        {
            // The stretch of each day: the latest start on or before it (a handful of dates, written by Tally).
            string Stretch(string column) => stretchStarts.Count == 0
                ? "$2"
                : $"CASE {string.Concat(stretchStarts.Reverse().Select(start => $"WHEN {column} >= {Literal(start)} THEN {Literal(start)} "))}ELSE $2 END";
            var wholeMonths = months.Count == 0 ? "FALSE" : $"start IN ({string.Join(", ", months.Select(Literal))})";
            // One scan per stretch of days outside the whole months: DuckDB skips row groups by a BETWEEN's bounds,
            // not by an OR of several (4.4 against 5.7 ms for a year by month at 10M events).
            var dayScans = string.Join(" UNION ALL ", DaysOutside(days, months).Select(span => $"""
                SELECT user_id, {Stretch("day")} AS stretch, model, input_tokens, output_tokens FROM daily_model_users
                WHERE company_id = $1 AND day BETWEEN {Literal(span.First)} AND {Literal(span.Last)} AND ($3::BIGINT IS NULL OR user_id = $3)
                """).DefaultIfEmpty("SELECT NULL::BIGINT AS user_id, NULL::DATE AS stretch, NULL::VARCHAR AS model, NULL::BIGINT AS input_tokens, NULL::BIGINT AS output_tokens WHERE FALSE"));
            using var command = Command(connection, $"""
                SELECT user_id, stretch, model, sum(input_tokens)::BIGINT, sum(output_tokens)::BIGINT FROM (
                    {dayScans}
                    UNION ALL
                    SELECT user_id, {Stretch("start")}, model, input_tokens, output_tokens
                    FROM rollup_user_tokens
                    WHERE company_id = $1 AND unit = 'month' AND {wholeMonths} AND ($3::BIGINT IS NULL OR user_id = $3)
                )
                GROUP BY user_id, stretch, model
                """, companyId, days.First, userId);
            using var reader = command.ExecuteReader();
            var rows = new List<UserModelTokens>();
            while (reader.Read())
            {
                rows.Add(new UserModelTokens(reader.GetInt64(0), Day(reader, 1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
            }

            return rows;
        }, cancellationToken);
    }

    /// <summary>The first days of the calendar months inside <paramref name="days"/> that one price stretch covers whole.</summary>
    private static List<DateOnly> WholeMonthsOfOneStretch(DayRange days, IReadOnlyList<DateOnly> stretchStarts)
    {
        var months = new List<DateOnly>();
        for (var day = days.First; day <= days.Last; day = DayRange.MonthEnd(day).AddDays(1))
        {
            var end = DayRange.MonthEnd(day);
            if (day.Day == 1 && end <= days.Last && !stretchStarts.Any(start => start > day && start <= end))
            {
                months.Add(day);
            }

            if (end >= days.Last)
            {
                break; // before the step past the range, which past 9999-12-31 would overflow
            }
        }

        return months;
    }

    /// <summary>The stretches of <paramref name="days"/> outside <paramref name="months"/> (ascending).</summary>
    private static List<DayRange> DaysOutside(DayRange days, IReadOnlyList<DateOnly> months)
    {
        // Day numbers, because the day after the last month may be past 9999-12-31.
        var spans = new List<DayRange>();
        var from = days.First.DayNumber;
        foreach (var month in months)
        {
            if (from < month.DayNumber)
            {
                spans.Add(new DayRange(DateOnly.FromDayNumber(from), month.AddDays(-1)));
            }

            from = DayRange.MonthEnd(month).DayNumber + 1;
        }

        if (from <= days.Last.DayNumber)
        {
            spans.Add(new DayRange(DateOnly.FromDayNumber(from), days.Last));
        }

        return spans;
    }
}
