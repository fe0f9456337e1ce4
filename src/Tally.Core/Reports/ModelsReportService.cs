using Tally.Access;
using Tally.Events;
using Tally.Prices;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// Builds <c>/reporting/models/</c> (spec/analytics.md) from the per-day model aggregates: folds days into periods,
/// counts distinct users per period (from the store), reads percentiles from the merged latency histograms, prices
/// each day's tokens with the price in effect that day, and rounds each cost once.
/// </summary>
public sealed class ModelsReportService(ReportService reports, IModelReportStore store, IPriceStore prices)
{
    public async Task<ModelsReport> ModelsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var scopes = await reports.CompanyRangesAsync(caller, query, cancellationToken);
        var book = new PriceBook(await prices.ReadPricesAsync(cancellationToken));
        var reporting = new List<CompanyDays<ModelsPeriod>>();
        foreach (var (company, days) in scopes)
        {
            var periods = Periods.Of(days, query.Granularity);
            var usage = await store.ReadModelUsageAsync(company.Id, periods, cancellationToken);
            reporting.Add(new(new CompanyName(company.Name, company.Id, company.TimeZone), Fold(periods, query.Granularity, usage, book)));
        }

        return new ModelsReport(Metrics.ForGranularity(Metrics.Models, query.Granularity), book.Currency, reporting, reports.GeneratedAt());
    }

    private static List<ModelsPeriod> Fold(IReadOnlyList<DayRange> periods, Granularity granularity, ModelUsage usage, PriceBook book)
    {
        var periodOfDay = PeriodIndex(periods);
        var models = new Dictionary<(int Period, string Model), ModelPeriod>(usage.Days.Count);
        ModelPeriod Of(int period, string model)
        {
            if (!models.TryGetValue((period, model), out var numbers))
            {
                models[(period, model)] = numbers = new ModelPeriod();
            }

            return numbers;
        }

        foreach (var day in usage.Days)
        {
            var numbers = Of(periodOfDay(day.Day), day.Model);
            numbers.Responses += day.Responses;
            numbers.WithDocuments += day.ResponsesWithDocuments;
            numbers.InputTokens += day.InputTokens;
            numbers.OutputTokens += day.OutputTokens;
            numbers.WithUsage += day.ResponsesWithUsage;
            numbers.Cost.Add(book.Cost(day.Model, day.Day, day.InputTokens, day.OutputTokens));
        }

        foreach (var histogram in usage.Latencies)
        {
            Of(periodOfDay(histogram.Day), histogram.Model).Latencies.Add(histogram.Packed);
        }

        foreach (var users in usage.Users)
        {
            Of(users.Period, users.Model).Users = users.Users;
        }

        // One list per period, filled in one pass over the models (a year by day is 1,825 of them).
        var byPeriod = new List<(ModelNumbers Numbers, decimal? ExactCost)>[periods.Count];
        var scratch = new long[LatencyPacking.Codes];
        foreach (var ((period, model), numbers) in models)
        {
            (byPeriod[period] ??= []).Add(numbers.Numbers(model, scratch));
        }

        return periods.Select((period, index) =>
        {
            var items = byPeriod[index] ?? [];
            items.Sort((a, b) => a.Numbers.ResponsesCount != b.Numbers.ResponsesCount
                ? b.Numbers.ResponsesCount.CompareTo(a.Numbers.ResponsesCount)
                : CodePointComparer.Instance.Compare(a.Numbers.Model, b.Numbers.Model));
            var (cost, responses, input, output) = (new CostSum(), 0L, 0L, 0L);
            var numbers = new ModelNumbers[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                numbers[i] = items[i].Numbers;
                cost.Add(items[i].ExactCost);
                (responses, input, output) = (responses + numbers[i].ResponsesCount, input + numbers[i].InputTokens, output + numbers[i].OutputTokens);
            }

            var (date, endDate) = Periods.Label(period, granularity);
            return new ModelsPeriod(date, endDate, responses, input, output, PriceBook.Round(cost.Exact), numbers);
        }).ToList();
    }

    /// <summary>The index of the period holding a day of the range, in constant time.</summary>
    private static Func<DateOnly, int> PeriodIndex(IReadOnlyList<DayRange> periods)
    {
        if (periods.Count == 0)
        {
            return _ => 0;
        }

        var first = periods[0].First.DayNumber;
        var index = new int[periods[^1].Last.DayNumber - first + 1];
        for (var p = 0; p < periods.Count; p++)
        {
            index.AsSpan(periods[p].First.DayNumber - first, periods[p].Count).Fill(p);
        }

        return day => index[day.DayNumber - first];
    }

    /// <summary>
    /// The values at rank ⌈p × n / 100⌉ (1-based) of the n latencies sorted ascending, for p = 50 and 95, from the
    /// packed histograms of a period (a value may come in several, one per day); null when there are none.
    /// <paramref name="scratch"/> (<see cref="LatencyPacking.Codes"/> zeros) merges several and is left zeroed.
    /// </summary>
    private static (decimal? P50, decimal? P95) Percentiles(IReadOnlyList<byte[]> histograms, long[] scratch) =>
        histograms.Count == 1 ? PercentilesOf(histograms[0]) : PercentilesOf(histograms, scratch);

    /// <summary>A day's histogram, alone in its period: walked as it is packed, in latency order.</summary>
    private static (decimal? P50, decimal? P95) PercentilesOf(byte[] packed)
    {
        var n = 0L;
        var reader = new LatencyPacking.Reader(packed);
        while (reader.Next(out _, out var count))
        {
            n += count;
        }

        // Both ranks in one more walk (the 95th is at or after the 50th).
        var (rank50, rank95, seen, p50) = (Rank(50, n), Rank(95, n), 0L, (decimal?)null);
        reader = new LatencyPacking.Reader(packed);
        while (reader.Next(out var code, out var count))
        {
            seen += count;
            if (p50 is null && seen >= rank50)
            {
                p50 = LatencyPacking.Latency(code);
            }

            if (seen >= rank95)
            {
                return (p50, LatencyPacking.Latency(code));
            }
        }

        return (null, null); // n = 0
    }

    /// <summary>Several histograms: their counts added per code, which is latency order (see <see cref="LatencyPacking"/>).</summary>
    private static (decimal? P50, decimal? P95) PercentilesOf(IReadOnlyList<byte[]> histograms, long[] scratch)
    {
        var (n, highest) = (0L, -1);
        foreach (var histogram in histograms)
        {
            var reader = new LatencyPacking.Reader(histogram);
            while (reader.Next(out var code, out var count))
            {
                scratch[code] += count;
                n += count;
                highest = Math.Max(highest, code);
            }
        }

        var (rank50, rank95, seen) = (Rank(50, n), Rank(95, n), 0L);
        var (p50, p95) = ((decimal?)null, (decimal?)null);
        for (var code = 0; code <= highest; code++)
        {
            seen += scratch[code];
            scratch[code] = 0;
            if (p50 is null && seen >= rank50)
            {
                p50 = LatencyPacking.Latency(code);
            }

            if (p95 is null && seen >= rank95)
            {
                p95 = LatencyPacking.Latency(code);
            }
        }

        return (p50, p95);
    }

    private static long Rank(int percent, long n) => (percent * n + 99) / 100;

    /// <summary>One model's numbers over one period, as they are folded.</summary>
    private sealed class ModelPeriod
    {
        public long Responses;
        public long WithDocuments;
        public long InputTokens;
        public long OutputTokens;
        public long WithUsage;
        public long Users;
        public CostSum Cost;
        public readonly List<byte[]> Latencies = [];

        public (ModelNumbers Numbers, decimal? ExactCost) Numbers(string model, long[] scratch)
        {
            var (p50, p95) = Percentiles(Latencies, scratch);
            return (new ModelNumbers(model, Responses, WithDocuments, Users, InputTokens, OutputTokens, WithUsage, p50, p95,
                PriceBook.Round(Cost.Exact)), Cost.Exact);
        }
    }
}
