using System.Globalization;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>The period a dated report's elements cover (spec/analytics.md): a day, an ISO week, a calendar month, or the whole range.</summary>
public enum Granularity
{
    Day,
    Week,
    Month,
    Total,
}

/// <summary>Cuts a range into the periods of a granularity.</summary>
public static class Periods
{
    /// <summary>
    /// The periods that meet <paramref name="range"/>, in order, each clipped to it: together they cover every day of
    /// the range once. Empty for an empty range.
    /// </summary>
    public static IReadOnlyList<DayRange> Of(DayRange range, Granularity granularity)
    {
        if (range.Count == 0)
        {
            return [];
        }

        if (granularity == Granularity.Total)
        {
            return [range];
        }

        var periods = new List<DayRange>(granularity == Granularity.Day ? range.Count : range.Count / 7 + 2);
        var first = range.First;
        while (true)
        {
            var end = EndOf(first, granularity);
            if (end >= range.Last)
            {
                periods.Add(new DayRange(first, range.Last));
                return periods;
            }

            periods.Add(new DayRange(first, end));
            first = end.AddDays(1);
        }
    }

    /// <summary>For each day of <paramref name="range"/> (by offset from its first), the index of its period among <paramref name="periods"/>.</summary>
    public static int[] IndexByDay(DayRange range, IReadOnlyList<DayRange> periods)
    {
        var index = new int[range.Count];
        for (var period = 0; period < periods.Count; period++)
        {
            index.AsSpan(periods[period].First.DayNumber - range.First.DayNumber, periods[period].Count).Fill(period);
        }

        return index;
    }

    /// <summary>
    /// How an element of <c>dates</c> names its period: <c>date</c>, and <c>end_date</c> for every granularity but day
    /// (null there, so that a day's element keeps Paradigm's keys).
    /// </summary>
    public static (string Date, string? EndDate) Label(DayRange period, Granularity granularity) =>
        (Text(period.First), granularity == Granularity.Day ? null : Text(period.Last));

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The last day of the period that holds <paramref name="day"/> (weeks run Monday to Sunday).</summary>
    private static DateOnly EndOf(DateOnly day, Granularity granularity)
    {
        // Counted by day number, so that periods ending past 9999-12-31 stop at the range's end instead of overflowing.
        var number = granularity switch
        {
            Granularity.Day => day.DayNumber,
            // DayNumber 0 (0001-01-01) is a Monday.
            Granularity.Week => day.DayNumber + 6 - day.DayNumber % 7,
            _ => DayRange.MonthEnd(day).DayNumber,
        };
        return DateOnly.FromDayNumber(Math.Min(number, DateOnly.MaxValue.DayNumber));
    }
}
