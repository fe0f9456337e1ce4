using System.Globalization;
using Tally.Storage;

namespace Tally.Core.Tests;

public sealed class DayRangeTests
{
    [Theory]
    [InlineData("2025-03-01", "2025-03-31", "2025-03-01..2025-03-01", "")]
    [InlineData("2025-02-25", "2025-04-15", "2025-03-01..2025-03-01", "2025-02-25..2025-02-28 2025-04-01..2025-04-15")]
    [InlineData("2025-03-17", "2025-03-31", null, "2025-03-17..2025-03-31")]
    [InlineData("2025-03-17", "2025-03-30", null, "2025-03-17..2025-03-30")]
    [InlineData("2025-03-31", "2025-04-01", null, "2025-03-31..2025-04-01")]
    [InlineData("2024-02-01", "2024-02-29", "2024-02-01..2024-02-01", "")]
    [InlineData("2025-11-23", "2026-11-22", "2025-12-01..2026-10-01", "2025-11-23..2025-11-30 2026-11-01..2026-11-22")]
    [InlineData("0001-01-01", "0001-01-30", null, "0001-01-01..0001-01-30")]
    [InlineData("0001-01-02", "0001-02-28", "0001-02-01..0001-02-01", "0001-01-02..0001-01-31")]
    [InlineData("9999-11-15", "9999-12-31", "9999-12-01..9999-12-01", "9999-11-15..9999-11-30")]
    [InlineData("9999-12-02", "9999-12-31", null, "9999-12-02..9999-12-31")]
    public void A_range_is_cut_into_whole_months_and_edge_days(string first, string last, string? months, string edges)
    {
        var (wholeMonths, edgeDays) = new DayRange(DateOnly.Parse(first, CultureInfo.InvariantCulture), DateOnly.Parse(last, CultureInfo.InvariantCulture)).SplitAtMonths();

        (wholeMonths is { } m ? Text(m) : null).ShouldBe(months);
        string.Join(' ', edgeDays.Select(Text)).ShouldBe(edges);
    }

    [Fact]
    public void Whole_months_and_edges_cover_every_day_of_a_range_once()
    {
        var random = new Random(7);
        var starts = new[] { DateOnly.MinValue.DayNumber, new DateOnly(2024, 1, 1).DayNumber, DateOnly.MaxValue.DayNumber - 800 };
        for (var i = 0; i < 3_000; i++)
        {
            var first = DateOnly.FromDayNumber(starts[i % starts.Length] + random.Next(0, 400));
            var last = DateOnly.FromDayNumber(Math.Min(DateOnly.MaxValue.DayNumber, first.DayNumber + random.Next(-1, 400)));
            var range = new DayRange(first, last);
            var (wholeMonths, edgeDays) = range.SplitAtMonths();

            var covered = edgeDays.SelectMany(Days).ToList();
            if (wholeMonths is { } months)
            {
                months.First.Day.ShouldBe(1);
                months.Last.Day.ShouldBe(1);
                var monthDays = Days(new DayRange(months.First, months.Last.AddMonths(1).AddDays(-1))).ToList();
                covered.AddRange(monthDays);
                var lastMonthDay = monthDays[^1];
                edgeDays.SelectMany(Days).ShouldAllBe(day => day < months.First || day > lastMonthDay);
            }

            covered.Order().ShouldBe(Days(range), $"{first}..{last}");
            edgeDays.Count.ShouldBeLessThanOrEqualTo(2);
            // An edge never holds a whole month: that one would have been read from the rollup.
            edgeDays.SelectMany(Days).ShouldAllBe(day => day.Day != 1 || day.AddDays(DateTime.DaysInMonth(day.Year, day.Month) - 1) > range.Last);
        }
    }

    /// <summary>The days of a range, counted by day number (AddDays fails past 9999-12-31).</summary>
    private static IEnumerable<DateOnly> Days(DayRange range) =>
        Enumerable.Range(range.First.DayNumber, range.Count).Select(DateOnly.FromDayNumber);

    private static string Text(DayRange range) => string.Create(CultureInfo.InvariantCulture, $"{range.First:yyyy-MM-dd}..{range.Last:yyyy-MM-dd}");
}
