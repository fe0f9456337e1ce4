using Tally.Client.Reports;

namespace Tally.Cli.Output;

/// <summary>A document's answers over a whole range, named as the latest day names it.</summary>
internal sealed record DocumentTotal(long? Id, string Name, long Uses);

/// <summary>Totals over a range that the charts and the HTML report both show.</summary>
internal static class RangeTotals
{
    /// <summary>Documents by answers that used them, most used first, then by id.</summary>
    public static IEnumerable<DocumentTotal> Documents(IEnumerable<DocumentsDay> days) =>
        days.SelectMany(day => day.Documents ?? [])
            .GroupBy(document => document.DocumentId)
            .Select(group => new DocumentTotal(
                group.Key,
                group.Last().DocumentTitle ?? group.Last().DocumentFilename ?? $"document {group.Key}",
                group.Sum(document => document.UsageCount ?? 0)))
            .OrderByDescending(document => document.Uses)
            .ThenBy(document => document.Id);
}
