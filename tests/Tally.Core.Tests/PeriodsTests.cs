using System.Globalization;
using Tally.Reports;
using Tally.Storage;

namespace Tally.Core.Tests;

public sealed class PeriodsTests
{
    private static DateOnly D(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Show(IEnumerable<DayRange> periods) =>
        string.Join(" ", periods.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.First:yyyy-MM-dd}/{p.Last:yyyy-MM-dd}")));

    [Fact]
    public void Weeks_run_Monday_to_Sunday_and_are_clipped_to_the_range()
    {
        // 2025-12-31 is a Wednesday; 2026-01-04 a Sunday.
        Show(Periods.Of(new DayRange(D("2025-12-31"), D("2026-01-14")), Granularity.Week))
            .ShouldBe("2025-12-31/2026-01-04 2026-01-05/2026-01-11 2026-01-12/2026-01-14");
    }

    [Fact]
    public void Months_are_calendar_months_clipped_to_the_range()
    {
        Show(Periods.Of(new DayRange(D("2024-01-31"), D("2024-03-02")), Granularity.Month))
            .ShouldBe("2024-01-31/2024-01-31 2024-02-01/2024-02-29 2024-03-01/2024-03-02");
    }

    [Fact]
    public void Total_is_the_range_and_an_empty_range_has_no_period()
    {
        Show(Periods.Of(new DayRange(D("2025-03-01"), D("2025-06-30")), Granularity.Total)).ShouldBe("2025-03-01/2025-06-30");
        Periods.Of(new DayRange(D("2025-03-02"), D("2025-03-01")), Granularity.Month).ShouldBeEmpty();
    }

    [Fact]
    public void Periods_reach_the_last_representable_day()
    {
        Show(Periods.Of(new DayRange(D("9999-12-30"), DateOnly.MaxValue), Granularity.Week)).ShouldBe("9999-12-30/9999-12-31");
        Show(Periods.Of(new DayRange(D("9999-12-30"), DateOnly.MaxValue), Granularity.Month)).ShouldBe("9999-12-30/9999-12-31");
    }

    /// <summary>Against the definitions: consecutive, covering, each inside one ISO week or one month, and maximal.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Periods_tile_random_ranges_by_the_granularitys_definition(bool weeks)
    {
        var random = new Random(weeks ? 7 : 11);
        for (var trial = 0; trial < 300; trial++)
        {
            var first = DateOnly.FromDayNumber(738_000 + random.Next(5000));
            TilesByDefinition(new DayRange(first, first.AddDays(random.Next(400))), weeks);
        }
    }

    private static void TilesByDefinition(DayRange range, bool weeks)
    {
        var periods = Periods.Of(range, weeks ? Granularity.Week : Granularity.Month);

        object Key(DateOnly day) => weeks
            ? (ISOWeek.GetYear(day.ToDateTime(TimeOnly.MinValue)), ISOWeek.GetWeekOfYear(day.ToDateTime(TimeOnly.MinValue)))
            : (day.Year, day.Month);

        periods[0].First.ShouldBe(range.First);
        periods[^1].Last.ShouldBe(range.Last);
        for (var i = 0; i < periods.Count; i++)
        {
            Key(periods[i].First).ShouldBe(Key(periods[i].Last));
            if (i > 0)
            {
                periods[i].First.ShouldBe(periods[i - 1].Last.AddDays(1));
                Key(periods[i].First).ShouldNotBe(Key(periods[i - 1].Last));
            }
        }
    }
}
