using Tally.Client.Reports;
using Tally.Client.Tables;

namespace Tally.Cli.Output;

/// <summary>A tool or document with its ratings over a whole range.</summary>
internal sealed record RatedItem(string Name, long Likes, long Dislikes)
{
    public long Ratings => Likes + Dislikes;

    public decimal Rate => MergedTable.Ratio(Likes, Ratings) ?? 0;
}

/// <summary>
/// The worst-rated tools and documents of a range, where an administrator looks for what to fix: the ratings of every
/// period added up (a rating counts in one period only, so the sum is exact), items with fewer than
/// <see cref="MinimumRatings"/> ratings left out (one dislike is not a verdict), then the lowest satisfaction first,
/// more ratings first among equals, then by name; at most <see cref="Shown"/>.
/// </summary>
internal static class RatedItems
{
    public const int MinimumRatings = 5;

    public const int Shown = 10;

    public static List<RatedItem> WorstTools(IEnumerable<SatisfactionPeriod> periods) => Worst(
        periods.SelectMany(period => period.ByTool ?? [])
            .GroupBy(tool => (tool.ToolName, tool.ToolType))
            .Select(group => new RatedItem(
                group.Key.ToolType is { } type ? $"{group.Key.ToolName} ({type})" : group.Key.ToolName,
                group.Sum(tool => tool.LikesCount ?? 0),
                group.Sum(tool => tool.DislikesCount ?? 0))));

    public static List<RatedItem> WorstDocuments(IEnumerable<SatisfactionPeriod> periods) => Worst(
        periods.SelectMany(period => period.ByDocument ?? [])
            .GroupBy(document => document.DocumentId)
            .Select(group => new RatedItem(
                group.Last().DocumentTitle ?? group.Last().DocumentFilename ?? $"document {group.Key}",
                group.Sum(document => document.LikesCount ?? 0),
                group.Sum(document => document.DislikesCount ?? 0))));

    private static List<RatedItem> Worst(IEnumerable<RatedItem> items) =>
        [.. items.Where(item => item.Ratings >= MinimumRatings)
            .OrderBy(item => item.Rate)
            .ThenByDescending(item => item.Ratings)
            .ThenBy(item => item.Name, StringComparer.Ordinal)
            .Take(Shown)];
}
