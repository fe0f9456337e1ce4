using System.Globalization;

namespace Tally.Storage.Tests;

public sealed class DaysOutsideTests
{
    [Theory]
    [InlineData("2025-03-01", "2025-03-01", "2025-03-31", 1U << 31)]
    [InlineData("2025-03-01", "2025-02-10", "2025-04-10", 0U)]
    [InlineData("2025-03-01", "2025-03-03", "2025-04-10", 0b11U)]
    [InlineData("2025-03-01", "2025-02-10", "2025-03-29", 0b111U << 29)]
    [InlineData("2025-03-01", "2025-03-02", "2025-03-30", 1U | (0b11U << 30))]
    [InlineData("2025-02-01", "2025-02-01", "2025-02-28", 0b1111U << 28)]
    [InlineData("9999-12-01", "9999-12-31", "9999-12-31", ((1U << 30) - 1) | (1U << 31))]
    [InlineData("0001-01-01", "0001-01-01", "0001-01-01", ~1U)]
    public void Days_of_a_month_outside_a_range_are_its_bits(string month, string first, string last, uint expected)
    {
        // Bits past the month's last day (up to bit 31) are set too: no day has them, so they never meet an active day.
        var range = new DayRange(DateOnly.Parse(first, CultureInfo.InvariantCulture), DateOnly.Parse(last, CultureInfo.InvariantCulture));

        range.DaysOutside(DateOnly.Parse(month, CultureInfo.InvariantCulture)).ShouldBe(expected);
    }
}
