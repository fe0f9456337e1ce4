using Tally.Client.Reports;

namespace Tally.Cli.Output;

/// <summary>
/// The charts of cost and satisfaction, for one company: cost per period stacked by model (in the prices' currency),
/// and the worst-rated tools and documents of the range (<see cref="RatedItems"/> says which). A chart whose report
/// the server lacks, or that would be empty, is left out: no prices, no cost chart.
/// </summary>
internal static class AnalyticsCharts
{
    public static IEnumerable<Chart> For(UsageReports reports, long companyId, string per)
    {
        if (reports.Models is { Currency: { } currency } models && Charts.Days(models.Reporting, companyId) is { Count: > 0 } periods)
        {
            yield return CostByModel(periods, currency, per);
        }

        if (reports.Satisfaction is { } satisfaction && Charts.Days(satisfaction.Reporting, companyId) is { } rated)
        {
            if (RatedItems.WorstTools(rated) is { Count: > 0 } tools)
            {
                yield return WorstRated("satisfaction-by-tool", "Worst-rated tools", tools);
            }

            if (RatedItems.WorstDocuments(rated) is { Count: > 0 } documents)
            {
                yield return WorstRated("satisfaction-by-document", "Worst-rated documents", documents);
            }
        }
    }

    /// <summary>
    /// Each model's cost per period, stacked, biggest spender at the bottom. A model that answered without a price in
    /// effect has no cost: it is drawn at zero and its legend says "no price", rather than hidden.
    /// </summary>
    private static Chart CostByModel(IReadOnlyList<ModelsPeriod> periods, string currency, string per)
    {
        var dates = periods.Select(period => new Charts.Period(period.Date, period.EndDate)).ToList();
        var models = periods.SelectMany(period => period.Models ?? []).GroupBy(model => model.Model)
            .OrderByDescending(group => group.Sum(model => model.Cost ?? 0)).ThenBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => (Name: group.Key, Unpriced: group.Any(model => model.Cost is null && model.InputTokens + model.OutputTokens > 0)))
            .ToList();
        return Charts.Stacked("cost-by-model", $"Cost {per}, by model", $"cost ({currency})", dates,
            [.. models.Select(model => (model.Unpriced ? $"{model.Name} (no price)" : model.Name,
                (IReadOnlyList<double>)[.. periods.Select(period => (double)((period.Models ?? []).FirstOrDefault(usage => usage.Model == model.Name)?.Cost ?? 0))]))]);
    }

    private static Chart WorstRated(string name, string title, List<RatedItem> items) =>
        Charts.HorizontalBars(name, $"{title} (at least {RatedItems.MinimumRatings} ratings)", "satisfaction (%): likes ÷ (likes + dislikes)",
            // The worst at the top: the first bar is drawn at the bottom.
            [.. items.AsEnumerable().Reverse().Select(item => ($"{item.Name} ({item.Ratings} ratings)", (double)(100 * item.Rate)))], maximum: 100);
}
