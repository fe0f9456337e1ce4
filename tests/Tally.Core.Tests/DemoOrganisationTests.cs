using Tally.Demo;
using Tally.Events;

namespace Tally.Core.Tests;

public sealed class DemoOrganisationTests
{
    private static readonly DateTime Now = new(2025, 6, 18, 15, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void The_same_seed_and_clock_give_the_same_events()
    {
        var first = DemoOrganisation.Generate(3, Now);
        var second = DemoOrganisation.Generate(3, Now);
        var other = DemoOrganisation.Generate(4, Now);

        second.Select(e => (e.Id, e.Type, e.Timestamp, e.UserId)).ShouldBe(first.Select(e => (e.Id, e.Type, e.Timestamp, e.UserId)));
        other.Select(e => (e.Type, e.Timestamp)).ShouldNotBe(first.Select(e => (e.Type, e.Timestamp)));
    }

    [Fact]
    public void The_demo_has_three_companies_in_distinct_zones_one_at_plus_five_thirty()
    {
        DemoOrganisation.Companies.Select(c => c.Id).ShouldBe([1, 2, 3]);
        DemoOrganisation.Companies.Select(c => c.TimeZone).Distinct().Count().ShouldBe(3);
        DemoOrganisation.Companies.ShouldContain(c => TimeZoneInfo.FindSystemTimeZoneById(c.TimeZone).BaseUtcOffset == new TimeSpan(5, 30, 0));
        DemoOrganisation.Companies.Sum(c => c.Users).ShouldBeGreaterThanOrEqualTo(200);
    }

    [Fact]
    public void Events_cover_ninety_days_up_to_now_and_every_kind_of_activity()
    {
        var events = DemoOrganisation.Generate(42, Now);

        events.ShouldAllBe(e => e.Timestamp <= Now);
        events.Where(e => e.Type != EventType.MemberJoined).Min(e => e.Timestamp).ShouldBeLessThan(Now.AddDays(-88));
        events.Select(e => e.Type).Distinct().Count().ShouldBe(8);
        events.Select(e => e.Id).Distinct().Count().ShouldBe(events.Count);
        events.Where(e => e.Type == EventType.ModelResponse).Select(e => e.Model).Distinct().Count().ShouldBeGreaterThan(2);
        events.ShouldContain(e => e.Type == EventType.ToolCall && e.ToolType == ToolType.Mcp && e.ToolStatus == ToolStatus.Error);
        events.ShouldContain(e => e.Mode == ChatMode.Agent);
        events.ShouldContain(e => e.FeedbackKind == FeedbackKind.Dislike);
        events.ShouldContain(e => e.FeedbackKind == FeedbackKind.Like);
        events.ShouldContain(e => e.Documents.Count > 0);
    }

    [Fact]
    public void Weekdays_are_busier_than_weekends_and_usage_grows()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var queries = DemoOrganisation.Generate(42, Now).Where(e => e.CompanyId == 1 && e.Type == EventType.UserQuery)
            .Select(e => TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, zone)).ToList();

        var weekday = queries.Count(t => t.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) / 5.0;
        var weekend = queries.Count(t => t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) / 2.0;
        weekday.ShouldBeGreaterThan(weekend * 3);
        queries.Count(t => t > Now.AddDays(-30)).ShouldBeGreaterThan(queries.Count(t => t < Now.AddDays(-60)));
        queries.Count(t => t.Hour is >= 8 and < 20).ShouldBeGreaterThan(queries.Count * 9 / 10);
    }
}
