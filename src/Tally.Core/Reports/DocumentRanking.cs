using Tally.Storage;

namespace Tally.Reports;

/// <summary>The order of a day's documents in used-documents: uses descending, then document id (spec/reports.md).</summary>
internal static class DocumentRanking
{
    /// <summary>
    /// The document-days by day (day i of the range from <c>dayStarts[i]</c> to <c>dayStarts[i + 1]</c>), each day by
    /// usage descending, then document id. A year can hold hundreds of thousands: they are placed by day in one
    /// counting pass, then each day is sorted alone (fewer comparisons than one sort of them all).
    /// </summary>
    public static (DocumentDay[] Documents, int[] DayStarts) InDayOrder(IReadOnlyList<DocumentDay> rows, DayRange days)
    {
        var dayStarts = new int[days.Count + 1];
        for (var i = 0; i < rows.Count; i++)
        {
            dayStarts[rows[i].Day.DayNumber - days.First.DayNumber + 1]++;
        }

        for (var day = 1; day < dayStarts.Length; day++)
        {
            dayStarts[day] += dayStarts[day - 1];
        }

        var documents = new DocumentDay[rows.Count];
        var next = dayStarts[..^1];
        for (var i = 0; i < rows.Count; i++)
        {
            documents[next[rows[i].Day.DayNumber - days.First.DayNumber]++] = rows[i];
        }

        for (var day = 0; day < days.Count; day++)
        {
            documents.AsSpan(dayStarts[day], dayStarts[day + 1] - dayStarts[day]).Sort(new UsageOrder());
        }

        return (documents, dayStarts);
    }

    private readonly struct UsageOrder : IComparer<DocumentDay>
    {
        public int Compare(DocumentDay x, DocumentDay y) => x.Usage != y.Usage ? y.Usage.CompareTo(x.Usage) : x.DocumentId.CompareTo(y.DocumentId);
    }
}
