using Tally.Companies;

namespace Tally.Core.Tests;

/// <summary>A company's time zone is an IANA name spelled exactly as in the database, naming a place (spec/events.md, "Days and order").</summary>
public class TimeZoneNamesTests
{
    [Theory]
    [InlineData("Europe/Paris")]
    [InlineData("UTC")]
    [InlineData("Asia/Kolkata")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Lord_Howe")]
    public void An_iana_zone_name_is_accepted(string name)
    {
        TimeZoneNames.TryFind(name, out var zone).ShouldBeTrue();

        zone.Id.ShouldBe(name);
        TimeZoneNames.Find(name).Id.ShouldBe(name);
    }

    [Theory]
    [InlineData("europe/paris")]
    [InlineData("EUROPE/PARIS")]
    [InlineData("Eastern Standard Time")]
    [InlineData("Romance Standard Time")]
    [InlineData("EST")]
    [InlineData("CET")]
    [InlineData("MST")]
    [InlineData("EST5EDT")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("Not/AZone")]
    [InlineData("Europe/Paris ")]
    [InlineData("../../etc/passwd")]
    [InlineData("+02:00")]
    [InlineData("Europe")]
    [InlineData("America/Argentina")]
    [InlineData("Etc")]
    public void A_name_that_is_not_an_iana_place_is_refused(string name)
    {
        TimeZoneNames.TryFind(name, out _).ShouldBeFalse();

        Should.Throw<TimeZoneNotFoundException>(() => TimeZoneNames.Find(name));
    }

    [Fact]
    public void A_found_zone_follows_daylight_saving_time()
    {
        var paris = TimeZoneNames.Find("Europe/Paris");

        // 2025-03-01T23:30:00Z is already 2 March in Paris (spec/events.md example).
        TimeZoneInfo.ConvertTimeFromUtc(new DateTime(2025, 3, 1, 23, 30, 0, DateTimeKind.Utc), paris).Date
            .ShouldBe(new DateTime(2025, 3, 2));
        paris.GetUtcOffset(new DateTime(2025, 1, 15, 12, 0, 0, DateTimeKind.Utc)).ShouldBe(TimeSpan.FromHours(1), "winter");
        paris.GetUtcOffset(new DateTime(2025, 7, 1, 12, 0, 0, DateTimeKind.Utc)).ShouldBe(TimeSpan.FromHours(2), "summer");
        // The change itself: 2025-03-30 01:00 UTC is 02:00 winter time, which becomes 03:00 summer time.
        paris.GetUtcOffset(new DateTime(2025, 3, 30, 0, 59, 0, DateTimeKind.Utc)).ShouldBe(TimeSpan.FromHours(1));
        paris.GetUtcOffset(new DateTime(2025, 3, 30, 1, 0, 0, DateTimeKind.Utc)).ShouldBe(TimeSpan.FromHours(2));
    }
}
