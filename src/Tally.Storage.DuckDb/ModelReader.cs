using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>The reads of the models report and of the users' tokens, from the model aggregates, once they include every acknowledged commit.</summary>
internal sealed class ModelReader(Aggregator aggregator)
{
    /// <summary>
    /// The models report's numbers: each day's additive numbers and latency histogram from its digest (see
    /// <see cref="ModelDigests"/>), whatever the periods, which Core folds into them; the distinct users of each period
    /// from its digest when the period is a day, and otherwise counted over the period (<see cref="ReadPeriodUsers"/>),
    /// read beside the digests on a connection of its own.
    /// </summary>
    public async Task<ModelUsage> ReadModelUsageAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken)
    {
        if (periods.Count == 0)
        {
            return new ModelUsage([], [], []);
        }

        var byDay = ReadDaysAsync(companyId, periods[0].First, periods[^1].Last, cancellationToken);
        if (periods.All(period => period.Count == 1))
        {
            return await byDay;
        }

        var parts = PeriodParts.Of(periods);
        var users = aggregator.ReadWithCountersCaughtUpAsync(companyId, parts.Counted, connection => ReadPeriodUsers(connection, companyId, parts), cancellationToken);
        await Task.WhenAll(byDay, users);
        return byDay.Result with { Users = users.Result };
    }

    /// <summary>Every day from <paramref name="first"/> to <paramref name="last"/> with its digest, the stale ones built first.</summary>
    private Task<ModelUsage> ReadDaysAsync(long companyId, DateOnly first, DateOnly last, CancellationToken cancellationToken) =>
        aggregator.ReadBuildingStaleAsync(
            connection => ModelDigests.TryRead(connection, companyId, first, last),
            connection =>
            {
                ModelDigests.Build(connection, companyId, first, last);
                return ModelDigests.TryRead(connection, companyId, first, last)
                    ?? throw new InvalidOperationException("A digest built under the aggregation lock is not current.");
            },
            cancellationToken);

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
        if (days.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<UserModelTokens>>([]);
        }

        var months = WholeMonthsOfOneStretch(days, stretchStarts);
        return aggregator.ReadWithCountersCaughtUpAsync<IReadOnlyList<UserModelTokens>>(companyId, [.. months.Select(month => new DayRange(month, DayRange.MonthEnd(month)))], connection =>
        {
            // The stretch of each day: the latest start on or before it (a handful of dates, written by Tally).
            string Stretch(string column) => stretchStarts.Count == 0
                ? "$2"
                : $"CASE {string.Concat(stretchStarts.Reverse().Select(start => $"WHEN {column} >= {Literal(start)} THEN {Literal(start)} "))}ELSE $2 END";
            // One scan per stretch of days outside the whole months, and one per run of consecutive whole months:
            // DuckDB skips row groups by a BETWEEN's bounds, not by an OR of several (4.4 against 5.7 ms for a year
            // by month at 10M events), and an IN list of months is a hash join (about 7.6 against 3.6 ms to sum a
            // year's eleven whole months alone).
            var dayScans = DaysOutside(days, months).Select(span => $"""
                SELECT user_id, {Stretch("day")} AS stretch, model, input_tokens, output_tokens FROM daily_model_users
                WHERE company_id = $1 AND day BETWEEN {Literal(span.First)} AND {Literal(span.Last)} AND ($3::BIGINT IS NULL OR user_id = $3)
                """);
            var monthScans = ConsecutiveMonths(months).Select(run => $"""
                SELECT user_id, {Stretch("start")} AS stretch, model, input_tokens, output_tokens FROM rollup_user_tokens
                WHERE company_id = $1 AND unit = 'month' AND start BETWEEN {Literal(run.First)} AND {Literal(run.Last)} AND ($3::BIGINT IS NULL OR user_id = $3)
                """);
            using var command = Command(connection, $"""
                SELECT user_id, stretch, model, sum(input_tokens)::BIGINT, sum(output_tokens)::BIGINT FROM (
                    {string.Join(" UNION ALL ", dayScans.Concat(monthScans))}
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

    /// <summary>The runs of consecutive months of <paramref name="months"/> (ascending first days), each as its first and last month's first days.</summary>
    private static List<DayRange> ConsecutiveMonths(IReadOnlyList<DateOnly> months)
    {
        var runs = new List<DayRange>();
        foreach (var month in months)
        {
            if (runs.Count > 0 && DayRange.MonthEnd(runs[^1].Last).DayNumber + 1 == month.DayNumber)
            {
                runs[^1] = runs[^1] with { Last = month };
            }
            else
            {
                runs.Add(new DayRange(month, month));
            }
        }

        return runs;
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
