using Tally.Events;
using Tally.Reports;
using Tally.Storage;

namespace Tally.Core.Tests;

/// <summary>
/// The users rule (spec/reports.md), as <see cref="Membership.Count"/> makes it from a <see cref="MemberHistory"/>: as
/// of the end of a day, the members are the users with an event on or before it, and the current ones those whose
/// latest such event (by timestamp, then id by code point) is not a member_left. Histories are made from events the
/// way an engine gathers them from its aggregates.
/// </summary>
public class MembershipTests
{
    private static readonly DateOnly AsOf = new(2025, 6, 10);

    // ---- Randomized: compared with the spec's definition over the events themselves ----

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(21)]
    [InlineData(2025)]
    public void Count_matches_the_definition_over_random_events(int seed)
    {
        var random = new Random(seed);
        for (var scenario = 0; scenario < 40; scenario++)
        {
            var events = RandomEvents(random);
            var asOf = new DateOnly(2025, 6, 1).AddDays(random.Next(0, 20));
            var expected = Reference(events, asOf);

            // The fewest facts an engine may give, and every fact at once, repeated and in another order.
            Membership.Count(HistoryOf(events, asOf, lastDaysOnly: true)).ShouldBe(expected, $"seed {seed}, scenario {scenario}, as of {asOf}");
            var everything = HistoryOf(events, asOf, lastDaysOnly: false);
            var shuffled = everything with
            {
                Latest = [.. everything.Latest.Concat(everything.Latest).OrderBy(_ => random.Next())],
                Days = [.. everything.Days.Concat(everything.Days).OrderBy(_ => random.Next())],
            };
            Membership.Count(shuffled).ShouldBe(expected, $"seed {seed}, scenario {scenario}, as of {asOf}, all facts");
        }
    }

    // ---- Hand-written cases with literal numbers ----

    [Fact]
    public void No_member_gives_zeros()
    {
        Membership.Count(new MemberHistory(AsOf, [], [])).ShouldBe(new MemberCounts(0, 0));
    }

    [Fact]
    public void A_member_who_left_is_historical_only_and_one_who_left_then_came_back_is_current()
    {
        var events = new[]
        {
            Joined(1, "2025-06-01T09:00:00Z"), Left(1, "2025-06-05T09:00:00Z"),
            Joined(2, "2025-06-01T09:00:00Z"), Left(2, "2025-06-03T09:00:00Z"), Active(2, "2025-06-08T09:00:00Z"),
            Joined(3, "2025-06-02T09:00:00Z"),
        };

        Count(events, AsOf).ShouldBe(new MemberCounts(3, 2));
    }

    [Fact]
    public void A_user_whose_only_event_is_a_leave_is_a_member_who_has_left()
    {
        Count([Left(1, "2025-06-04T10:00:00Z")], AsOf).ShouldBe(new MemberCounts(1, 0));
    }

    [Fact]
    public void Events_after_the_day_change_nothing()
    {
        var events = new[]
        {
            // Left after the day: still current then.
            Joined(1, "2025-06-01T09:00:00Z"), Left(1, "2025-06-11T00:00:00Z"),
            // Came back after the day: had left then.
            Joined(2, "2025-06-01T09:00:00Z"), Left(2, "2025-06-09T09:00:00Z"), Joined(2, "2025-06-12T09:00:00Z"),
            // First seen after the day: no member yet.
            Joined(3, "2025-06-11T09:00:00Z"),
            // Last event on the day itself, at its last microsecond: counts.
            Left(4, "2025-06-10T23:59:59.999999Z"),
        };

        Count(events, AsOf).ShouldBe(new MemberCounts(3, 1));
        Count(events, AsOf.AddDays(-1)).ShouldBe(new MemberCounts(2, 1));
        Count(events, AsOf.AddDays(2)).ShouldBe(new MemberCounts(4, 2));
    }

    [Fact]
    public void On_one_day_the_later_event_decides_by_timestamp_then_by_id_in_code_points()
    {
        var events = new[]
        {
            // The leave is later in time.
            Joined(1, "2025-06-04T10:00:00Z", "z"), Left(1, "2025-06-04T10:00:01Z", "a"),
            // Same instant: "b" comes after "a".
            Left(2, "2025-06-04T10:00:00Z", "a"), Joined(2, "2025-06-04T10:00:00Z", "b"),
            // Same instant: U+1F600 comes after U+FFFD in code points (not in UTF-16 units).
            Joined(3, "2025-06-04T10:00:00Z", "\U0001F600"), Left(3, "2025-06-04T10:00:00Z", "\uFFFD"),
        };

        Count(events, AsOf).ShouldBe(new MemberCounts(3, 2));
    }

    [Fact]
    public void Last_events_of_days_on_one_instant_are_ordered_by_id_in_code_points()
    {
        // U+1F600 comes after U+FFFD in code points, though not in UTF-16 units.
        var instant = Instant("2025-06-04T10:00:00Z");
        var history = new MemberHistory(AsOf,
            [new MemberLatest(1, AsOf.AddDays(3), IsMemberLeft: true), new MemberLatest(2, AsOf.AddDays(3), IsMemberLeft: false)],
            [
                new MemberDay(1, new DateOnly(2025, 6, 4), instant, "\U0001F600", IsMemberLeft: false),
                new MemberDay(1, new DateOnly(2025, 6, 4), instant, "\uFFFD", IsMemberLeft: true),
                new MemberDay(2, new DateOnly(2025, 6, 4), instant, "b", IsMemberLeft: true),
                new MemberDay(2, new DateOnly(2025, 6, 4), instant, "a", IsMemberLeft: false),
            ]);

        Membership.Count(history).ShouldBe(new MemberCounts(2, 1));
    }

    [Fact]
    public void Between_days_the_later_instant_decides_when_clocks_turned_back_past_midnight()
    {
        // 06-05's last event is an instant later than 06-06's (a day that began before the clocks went back).
        var history = new MemberHistory(AsOf,
            [new MemberLatest(1, new DateOnly(2025, 6, 20), IsMemberLeft: false)],
            [
                new MemberDay(1, new DateOnly(2025, 6, 5), Instant("2025-06-06T00:40:00Z"), "x", IsMemberLeft: true),
                new MemberDay(1, new DateOnly(2025, 6, 6), Instant("2025-06-06T00:20:00Z"), "y", IsMemberLeft: false),
            ]);

        Membership.Count(history).ShouldBe(new MemberCounts(1, 0));
    }

    [Fact]
    public void A_latest_event_on_or_before_the_day_decides_without_the_days()
    {
        var history = new MemberHistory(AsOf,
            [new MemberLatest(1, AsOf, IsMemberLeft: true), new MemberLatest(2, AsOf.AddDays(1), IsMemberLeft: true)],
            [new MemberDay(2, AsOf, Instant("2025-06-10T12:00:00Z"), "e", IsMemberLeft: false)]);

        Membership.Count(history).ShouldBe(new MemberCounts(2, 1));
    }

    // ---- Events, facts and the reference ----

    private sealed record Event(long UserId, DateOnly Day, DateTime At, string Id, bool IsMemberLeft);

    private static DateTime Instant(string text) =>
        DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);

    private static Event At(long user, string timestamp, string id, bool isMemberLeft)
    {
        var at = Instant(timestamp);
        return new Event(user, DateOnly.FromDateTime(at), at, id, isMemberLeft);
    }

    private static Event Joined(long user, string timestamp, string? id = null) => At(user, timestamp, id ?? $"j{user}{timestamp}", false);

    private static Event Active(long user, string timestamp) => At(user, timestamp, $"q{user}{timestamp}", false);

    private static Event Left(long user, string timestamp, string? id = null) => At(user, timestamp, id ?? $"l{user}{timestamp}", true);

    private static MemberCounts Count(IReadOnlyList<Event> events, DateOnly asOf) => Membership.Count(HistoryOf(events, asOf, lastDaysOnly: true));

    private static Event LatestOf(IEnumerable<Event> events) =>
        events.OrderBy(e => e.At).ThenBy(e => e.Id, CodePointComparer.Instance).Last();

    /// <summary>
    /// The facts as an engine's aggregates give them: each user's latest event, and each day's last event for the users
    /// whose latest is after the day (their last two days up to it, or all of them).
    /// </summary>
    private static MemberHistory HistoryOf(IReadOnlyList<Event> events, DateOnly asOf, bool lastDaysOnly)
    {
        var latest = new List<MemberLatest>();
        var days = new List<MemberDay>();
        foreach (var user in events.GroupBy(e => e.UserId))
        {
            var last = LatestOf(user);
            latest.Add(new MemberLatest(user.Key, last.Day, last.IsMemberLeft));
            if (last.Day <= asOf)
            {
                continue;
            }

            var userDays = user.Where(e => e.Day <= asOf).GroupBy(e => e.Day).OrderByDescending(day => day.Key).ToList();
            foreach (var day in lastDaysOnly ? userDays.Take(2) : userDays)
            {
                var end = LatestOf(day);
                days.Add(new MemberDay(user.Key, day.Key, end.At, end.Id, end.IsMemberLeft));
            }
        }

        return new MemberHistory(asOf, latest, days);
    }

    /// <summary>The spec's words, over the events.</summary>
    private static MemberCounts Reference(IReadOnlyList<Event> events, DateOnly asOf)
    {
        var members = events.Where(e => e.Day <= asOf).GroupBy(e => e.UserId).ToList();
        return new MemberCounts(members.Count, members.Count(user => !LatestOf(user).IsMemberLeft));
    }

    /// <summary>
    /// A few users with joins, leaves and other events over four weeks, several on one instant (ids order them, some
    /// above U+FFFF), all in the first hour of a day, and half of them counted on the day before, as around clocks
    /// turned back past midnight.
    /// </summary>
    private static List<Event> RandomEvents(Random random)
    {
        string[] idEndings = ["a", "b", "\uE000", "\U0001F600", "\uFFFD"];
        var start = new DateTime(2025, 5, 25, 0, 0, 0, DateTimeKind.Utc);
        var events = new List<Event>();
        for (var user = 1; user <= random.Next(1, 12); user++)
        {
            for (var i = random.Next(1, 10); i > 0; i--)
            {
                var at = start.AddDays(random.Next(0, 28)).AddMinutes(random.Next(0, 4) * 20);
                var day = DateOnly.FromDateTime(at);
                if (random.Next(2) == 0)
                {
                    day = day.AddDays(-1);
                }

                events.Add(new Event(user, day, at, $"e{random.Next(3)}{idEndings[random.Next(idEndings.Length)]}{events.Count}", random.Next(3) == 0));
            }
        }

        return events;
    }
}
