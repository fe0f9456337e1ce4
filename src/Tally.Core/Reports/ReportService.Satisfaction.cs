using Tally.Access;
using Tally.Events;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// The satisfaction report (spec/analytics.md): the store's per-day rating rows by model, tool and document, summed
/// into the periods of the granularity (every number is additive over days), ordered, with their rates.
/// </summary>
public sealed partial class ReportService
{
    public async Task<SatisfactionReport> SatisfactionAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<SatisfactionPeriod>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var periods = Periods.Of(scope.Days, query.Granularity);
            var ratings = periods.Count == 0
                ? new RatingDays([], [], [], new Dictionary<long, DocumentName>())
                : await store.ReadRatingDaysAsync(scope.Company.Id, scope.Days, cancellationToken);
            var periodOf = PeriodIndexes(scope.Days, periods);
            int PeriodOf(DateOnly day) => periodOf[day.DayNumber - scope.Days.First.DayNumber];

            var models = Sum(periods.Count, ratings.Models, r => PeriodOf(r.Day), r => r.Model ?? "", r => (r.Likes, r.Dislikes));
            var tools = Sum(periods.Count, ratings.Tools, r => PeriodOf(r.Day), r => (r.ToolName, r.ToolType), r => (r.Likes, r.Dislikes));
            var documents = Sum(periods.Count, ratings.Documents, r => PeriodOf(r.Day), r => r.DocumentId, r => (r.Likes, r.Dislikes));

            reporting.Add(new(scope.Name, periods.Select((period, index) =>
            {
                // Every rating goes to exactly one model entry (null for answers not stored): the models add up to the totals.
                var likes = models[index].Values.Sum(n => n.Likes);
                var dislikes = models[index].Values.Sum(n => n.Dislikes);
                var (date, endDate) = Periods.Label(period, query.Granularity);
                return new SatisfactionPeriod(date, likes, dislikes, likes + dislikes == 0 ? null : Rate(likes, dislikes),
                    Rated(models[index])
                        // "" stands for the answers not stored, listed last.
                        .ThenBy(m => m.Key.Length == 0).ThenBy(m => m.Key, CodePointComparer.Instance)
                        .Select(m => new ModelSatisfaction(m.Key.Length == 0 ? null : m.Key, m.Value.Likes, m.Value.Dislikes, Rate(m.Value.Likes, m.Value.Dislikes)))
                        .ToList(),
                    Rated(tools[index])
                        .ThenBy(t => t.Key.ToolName, CodePointComparer.Instance).ThenBy(t => t.Key.ToolType, CodePointComparer.Instance)
                        .Select(t => new ToolSatisfaction(t.Key.ToolName, t.Key.ToolType, t.Value.Likes, t.Value.Dislikes, Rate(t.Value.Likes, t.Value.Dislikes)))
                        .ToList(),
                    Rated(documents[index])
                        .ThenBy(d => d.Key)
                        .Select(d =>
                        {
                            var name = ratings.DocumentNames[d.Key];
                            return new DocumentSatisfaction(d.Key, name.Filename, name.Title, d.Value.Likes, d.Value.Dislikes, Rate(d.Value.Likes, d.Value.Dislikes));
                        })
                        .ToList()) { EndDate = endDate };
            }).ToList()));
        }

        return new SatisfactionReport(Metrics.ForGranularity(Metrics.Satisfaction, query.Granularity), reporting, Now());
    }

    /// <summary>likes ÷ (likes + dislikes), exactly, rounded to 4 decimals half away from zero; whole numbers keep one decimal (1.0).</summary>
    public static decimal Rate(long likes, long dislikes)
    {
        var rate = Math.Round((decimal)likes / (likes + dislikes), 4, MidpointRounding.AwayFromZero);
        return rate.Scale == 0 ? rate + 0.0m : rate;
    }

    /// <summary>For each day of the range, the index of its period.</summary>
    private static int[] PeriodIndexes(DayRange days, IReadOnlyList<DayRange> periods)
    {
        var indexes = new int[days.Count];
        for (var p = 0; p < periods.Count; p++)
        {
            for (var day = periods[p].First.DayNumber; day <= periods[p].Last.DayNumber; day++)
            {
                indexes[day - days.First.DayNumber] = p;
            }
        }

        return indexes;
    }

    /// <summary>Each period's likes and dislikes per key, summed over its days.</summary>
    private static Dictionary<TKey, (long Likes, long Dislikes)>[] Sum<TRow, TKey>(
        int periods, IReadOnlyList<TRow> rows, Func<TRow, int> periodOf, Func<TRow, TKey> key, Func<TRow, (long Likes, long Dislikes)> numbers)
        where TKey : notnull
    {
        var sums = new Dictionary<TKey, (long Likes, long Dislikes)>[periods];
        for (var p = 0; p < periods; p++)
        {
            sums[p] = [];
        }

        foreach (var row in rows)
        {
            var period = sums[periodOf(row)];
            var (likes, dislikes) = numbers(row);
            var current = period.GetValueOrDefault(key(row));
            period[key(row)] = (current.Likes + likes, current.Dislikes + dislikes);
        }

        return sums;
    }

    /// <summary>The entries with a rating, by likes + dislikes descending (the caller orders ties by key).</summary>
    private static IOrderedEnumerable<KeyValuePair<TKey, (long Likes, long Dislikes)>> Rated<TKey>(Dictionary<TKey, (long Likes, long Dislikes)> sums)
        where TKey : notnull =>
        sums.Where(s => s.Value.Likes + s.Value.Dislikes != 0).OrderByDescending(s => s.Value.Likes + s.Value.Dislikes);
}
