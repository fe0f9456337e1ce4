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
        var models = new Dictionary<(int Period, string Model), ModelPeriod>();
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
            Of(periodOfDay(histogram.Day), histogram.Model).Latencies.Add(histogram.Buckets);
        }

        foreach (var users in usage.Users)
        {
            Of(users.Period, users.Model).Users = users.Users;
        }

        var byPeriod = models.ToLookup(pair => pair.Key.Period);
        return periods.Select((period, index) =>
        {
            var items = byPeriod[index]
                .Select(pair => pair.Value.Numbers(pair.Key.Model))
                .OrderByDescending(m => m.Numbers.ResponsesCount).ThenBy(m => m.Numbers.Model, CodePointComparer.Instance)
                .ToList();
            var cost = new CostSum();
            foreach (var item in items)
            {
                cost.Add(item.ExactCost);
            }

            var (date, endDate) = Periods.Label(period, granularity);
            return new ModelsPeriod(date, endDate, items.Sum(m => m.Numbers.ResponsesCount), items.Sum(m => m.Numbers.InputTokens),
                items.Sum(m => m.Numbers.OutputTokens), PriceBook.Round(cost.Exact), items.Select(m => m.Numbers).ToList());
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
    /// histograms of a period (a value may come in several, one per day); null when there are none.
    /// </summary>
    public static (decimal? P50, decimal? P95) Percentiles(IReadOnlyList<LatencyBucket[]> histograms)
    {
        // A day's histogram usually comes in order and alone in its period: it is walked as it is.
        var merged = histograms.Count == 1 && IsAscending(histograms[0]) ? histograms[0] : Sorted(histograms);
        var n = 0L;
        foreach (var bucket in merged)
        {
            n += bucket.Responses;
        }

        if (n == 0)
        {
            return (null, null);
        }

        return (At((50 * n + 99) / 100), At((95 * n + 99) / 100));

        decimal At(long rank)
        {
            var seen = 0L;
            foreach (var bucket in merged)
            {
                seen += bucket.Responses;
                if (seen >= rank)
                {
                    return bucket.LatencyMs;
                }
            }

            throw new InvalidOperationException("A rank past the histogram.");
        }
    }

    private static LatencyBucket[] Sorted(IReadOnlyList<LatencyBucket[]> histograms)
    {
        LatencyBucket[] merged = [.. histograms.SelectMany(histogram => histogram)];
        Array.Sort(merged, (a, b) => a.LatencyMs.CompareTo(b.LatencyMs));
        return merged;
    }

    private static bool IsAscending(LatencyBucket[] histogram)
    {
        for (var i = 1; i < histogram.Length; i++)
        {
            if (histogram[i - 1].LatencyMs > histogram[i].LatencyMs)
            {
                return false;
            }
        }

        return true;
    }

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
        public readonly List<LatencyBucket[]> Latencies = [];

        public (ModelNumbers Numbers, decimal? ExactCost) Numbers(string model)
        {
            var (p50, p95) = Percentiles(Latencies);
            return (new ModelNumbers(model, Responses, WithDocuments, Users, InputTokens, OutputTokens, WithUsage, p50, p95,
                PriceBook.Round(Cost.Exact)), Cost.Exact);
        }
    }
}
