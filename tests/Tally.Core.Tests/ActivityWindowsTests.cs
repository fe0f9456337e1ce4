using Tally.Reports;
using Tally.Storage;

namespace Tally.Core.Tests;

/// <summary>
/// The user-activities rules (spec/reports.md): active, new, weekly (7 days ending on D) and monthly (30 days ending
/// on D) users, connections per day, and the per-user table, as <see cref="ActivityWindows.Build"/> makes them from
/// an <see cref="ActivityHistory"/>. A day gets a row only when one of its numbers is not zero; the report fills the
/// other days with zeros.
/// </summary>
public class ActivityWindowsTests
{
    private static readonly int MinDay = DateOnly.MinValue.DayNumber;
    private static readonly int MaxDay = DateOnly.MaxValue.DayNumber;

    // ---- Randomized: compared with a brute-force reference over sets of users per day ----

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(21)]
    [InlineData(34)]
    [InlineData(55)]
    [InlineData(89)]
    [InlineData(2025)]
    [InlineData(424242)]
    public void Build_matches_a_brute_force_reference_on_random_histories(int seed)
    {
        var random = new Random(seed);
        for (var scenario = 0; scenario < 25; scenario++)
        {
            var days = RandomRange(random, scenario);
            var users = RandomUsers(random, days);
            var connections = RandomConnections(random, days);
            var history = new ActivityHistory(users.Select(u => u.ToHistory(days)).ToList(), connections);

            var result = ActivityWindows.Build(days, history);

            var context = $"seed {seed}, scenario {scenario}, range {days.First:yyyy-MM-dd}..{days.Last:yyyy-MM-dd}, {users.Count} users";
            ShouldBeSameRows(result.Days, ReferenceDays(days, users, connections), context);
            ShouldBeSameTable(result.Users, ReferenceTable(days, users), context);
        }
    }

    [Fact]
    public void The_longest_range_from_the_first_day_and_up_to_the_last_day_matches_the_reference()
    {
        // 3,660 days (the longest range a request may ask for), at both ends of the calendar.
        var random = new Random(7);
        foreach (var days in new[]
        {
            new DayRange(DateOnly.MinValue, DateOnly.FromDayNumber(MinDay + 3659)),
            new DayRange(DateOnly.FromDayNumber(MaxDay - 3659), DateOnly.MaxValue),
            new DayRange(DateOnly.FromDayNumber(MinDay + 10), DateOnly.FromDayNumber(MinDay + 10 + 3659)),
        })
        {
            var users = RandomUsers(random, days, maxUsers: 20, maxDays: 300);
            var connections = RandomConnections(random, days);
            var result = ActivityWindows.Build(days, new ActivityHistory(users.Select(u => u.ToHistory(days)).ToList(), connections));

            var context = $"range {days.First:yyyy-MM-dd}..{days.Last:yyyy-MM-dd}";
            ShouldBeSameRows(result.Days, ReferenceDays(days, users, connections), context);
            ShouldBeSameTable(result.Users, ReferenceTable(days, users), context);
        }
    }

    // ---- Hand-written cases with literal numbers ----

    [Fact]
    public void A_user_active_on_one_day_counts_weekly_for_that_day_and_the_6_after_and_monthly_for_that_day_and_the_29_after()
    {
        var days = new DayRange(new DateOnly(2025, 1, 1), new DateOnly(2025, 3, 31));
        var ada = User(7, days, new DateOnly(2025, 1, 20), new DateOnly(2025, 1, 20));

        var result = ActivityWindows.Build(days, History(ada));

        // Rows for 01-20 .. 02-18 (30 days) only; the other days of the range are all zero.
        result.Days.Count.ShouldBe(30);
        result.Days[0].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 1, 20), 1, 1, 1, 1, 0));
        for (var i = 1; i < 7; i++)
        {
            result.Days[i].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 1, 20).AddDays(i), 0, 0, 1, 1, 0));
        }

        for (var i = 7; i < 30; i++)
        {
            result.Days[i].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 1, 20).AddDays(i), 0, 0, 0, 1, 0));
        }

        result.Days[6].Day.ShouldBe(new DateOnly(2025, 1, 26));
        result.Days[7].Day.ShouldBe(new DateOnly(2025, 1, 27));
        result.Days[29].Day.ShouldBe(new DateOnly(2025, 2, 18));
        result.Users.ShouldBe([new UserActivity(7, "user 7", 1, 0, 0, 0, 0, new DateOnly(2025, 1, 20), new DateOnly(2025, 1, 20), null)]);
    }

    [Fact]
    public void Two_users_on_the_same_day_count_once_each_and_a_user_active_twice_in_a_window_counts_once()
    {
        var days = new DayRange(new DateOnly(2025, 6, 1), new DateOnly(2025, 6, 30));
        var ada = User(1, days, new DateOnly(2025, 6, 10), new DateOnly(2025, 6, 10), new DateOnly(2025, 6, 12));
        var bob = User(2, days, new DateOnly(2025, 5, 1), new DateOnly(2025, 6, 10));

        var result = ActivityWindows.Build(days, History(ada, bob));
        var byDay = result.Days.ToDictionary(d => d.Day);

        byDay[new DateOnly(2025, 6, 10)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 10), 2, 1, 2, 2, 0));
        byDay[new DateOnly(2025, 6, 11)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 11), 0, 0, 2, 2, 0));
        byDay[new DateOnly(2025, 6, 12)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 12), 1, 0, 2, 2, 0));
        byDay[new DateOnly(2025, 6, 16)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 16), 0, 0, 2, 2, 0));
        // Bob's week ends on 06-16; Ada's second day keeps her in until 06-18.
        byDay[new DateOnly(2025, 6, 17)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 17), 0, 0, 1, 2, 0));
        byDay[new DateOnly(2025, 6, 18)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 18), 0, 0, 1, 2, 0));
        byDay[new DateOnly(2025, 6, 19)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 19), 0, 0, 0, 2, 0));
        byDay[new DateOnly(2025, 6, 30)].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 6, 30), 0, 0, 0, 2, 0));
        result.Days.Count.ShouldBe(21);
        result.Days[0].Day.ShouldBe(new DateOnly(2025, 6, 10));
        result.Days.Sum(d => d.Active).ShouldBe(3);
        result.Days.Sum(d => d.NewActive).ShouldBe(1);

        result.Users.OrderBy(u => u.UserId).ShouldBe(
        [
            new UserActivity(1, "user 1", 2, 0, 0, 0, 0, new DateOnly(2025, 6, 10), new DateOnly(2025, 6, 12), null),
            new UserActivity(2, "user 2", 1, 0, 0, 0, 0, new DateOnly(2025, 6, 10), new DateOnly(2025, 6, 10), null),
        ]);
    }

    [Fact]
    public void Active_days_before_the_range_count_in_its_first_windows_only_within_29_days()
    {
        var days = new DayRange(new DateOnly(2025, 3, 1), new DateOnly(2025, 4, 30));
        // 02-26 is 3 days before the range: weekly on 03-01..03-04, monthly on 03-01..03-27.
        var recent = User(1, days, new DateOnly(2024, 1, 1), new DateOnly(2025, 2, 26));
        // 01-30 is 30 days before 03-01: in no window of the range.
        var old = User(2, days, new DateOnly(2025, 1, 30), new DateOnly(2025, 1, 30));
        // 01-31 is 29 days before 03-01: monthly on 03-01 only.
        var edge = User(3, days, new DateOnly(2025, 1, 31), new DateOnly(2025, 1, 31));

        var result = ActivityWindows.Build(days, History(recent, old, edge));

        result.Days[0].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 3, 1), 0, 0, 1, 2, 0));
        result.Days[1].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 3, 2), 0, 0, 1, 1, 0));
        result.Days[3].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 3, 4), 0, 0, 1, 1, 0));
        result.Days[4].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 3, 5), 0, 0, 0, 1, 0));
        result.Days[^1].ShouldBe(new ActiveUsersDay(new DateOnly(2025, 3, 27), 0, 0, 0, 1, 0));
        result.Days.Count.ShouldBe(27);
        result.Users.ShouldBeEmpty();
    }

    [Fact]
    public void A_range_of_one_day_counts_the_windows_reaching_back_before_it()
    {
        var day = new DateOnly(2025, 3, 10);
        var days = new DayRange(day, day);
        var users = new[]
        {
            User(1, days, new DateOnly(2024, 12, 1), day),                 // active on the day, first active long before
            User(2, days, new DateOnly(2025, 3, 4), new DateOnly(2025, 3, 4)), // 6 days before: weekly and monthly
            User(3, days, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 3)), // 7 days before: monthly only
            User(4, days, new DateOnly(2025, 2, 9), new DateOnly(2025, 2, 9)), // 29 days before: monthly only
            User(5, days, new DateOnly(2025, 2, 8), new DateOnly(2025, 2, 8)), // 30 days before: nothing
            User(6, days, null),                                               // connections only
        };
        users[0].Count(2, 3, 1, 4);
        users[0].Connected(new DateTime(2025, 3, 10, 8, 1, 0, DateTimeKind.Utc));
        users[5].Count(1, 0, 0, 0);
        users[5].Connected(new DateTime(2025, 3, 10, 9, 0, 0, DateTimeKind.Utc));

        var result = ActivityWindows.Build(days, new ActivityHistory(users, new Dictionary<DateOnly, long> { [day] = 5 }));

        result.Days.ShouldBe([new ActiveUsersDay(day, 1, 0, 2, 4, 5)]);
        result.Users.ShouldBe([new UserActivity(1, "user 1", 1, 2, 3, 1, 4, day, day, new DateTime(2025, 3, 10, 8, 1, 0, DateTimeKind.Utc))]);
    }

    [Fact]
    public void A_user_whose_first_active_day_is_in_a_one_day_range_is_new_on_it()
    {
        var day = new DateOnly(2025, 3, 10);
        var days = new DayRange(day, day);

        var result = ActivityWindows.Build(days, History(User(1, days, day, day), User(2, days, day, day)));

        result.Days.ShouldBe([new ActiveUsersDay(day, 2, 2, 2, 2, 0)]);
        result.Users.Count.ShouldBe(2);
    }

    [Fact]
    public void One_day_ranges_on_the_first_and_the_last_day_of_the_calendar()
    {
        var first = new DayRange(DateOnly.MinValue, DateOnly.MinValue);
        ActivityWindows.Build(first, History(User(1, first, DateOnly.MinValue, DateOnly.MinValue)))
            .Days.ShouldBe([new ActiveUsersDay(DateOnly.MinValue, 1, 1, 1, 1, 0)]);

        var last = new DayRange(DateOnly.MaxValue, DateOnly.MaxValue);
        var before = DateOnly.MaxValue.AddDays(-6);
        var result = ActivityWindows.Build(last, new ActivityHistory(
            [User(1, last, DateOnly.MaxValue, DateOnly.MaxValue), User(2, last, before, before), User(3, last, before.AddDays(-1), before.AddDays(-1))],
            new Dictionary<DateOnly, long> { [DateOnly.MaxValue] = 3 }));
        result.Days.ShouldBe([new ActiveUsersDay(DateOnly.MaxValue, 1, 1, 2, 3, 3)]);
        result.Users.Select(u => u.UserId).ShouldBe([1L]);
    }

    [Fact]
    public void Days_with_nothing_have_no_row_and_days_with_only_connections_have_one()
    {
        var days = new DayRange(new DateOnly(2025, 1, 1), new DateOnly(2025, 1, 31));
        var idle = User(1, days, new DateOnly(2020, 5, 5)); // active long ago, not in the window span
        idle.Connected(new DateTime(2025, 1, 3, 0, 0, 0, DateTimeKind.Utc));

        var result = ActivityWindows.Build(days, new ActivityHistory(
            [idle], new Dictionary<DateOnly, long> { [new DateOnly(2025, 1, 3)] = 2, [new DateOnly(2025, 1, 31)] = 1 }));

        result.Days.ShouldBe(
        [
            new ActiveUsersDay(new DateOnly(2025, 1, 3), 0, 0, 0, 0, 2),
            new ActiveUsersDay(new DateOnly(2025, 1, 31), 0, 0, 0, 0, 1),
        ]);
        result.Users.ShouldBeEmpty();
        ActivityWindows.Build(days, new ActivityHistory([], new Dictionary<DateOnly, long>())).Days.ShouldBeEmpty();
    }

    // ---- Hand-written helpers ----

    private static UserHistory User(long id, DayRange days, DateOnly? firstEver, params DateOnly[] active)
    {
        var user = new UserHistory(id, days) { Name = $"user {id}", FirstActiveDay = firstEver };
        foreach (var day in active)
        {
            user.ActiveOn(day);
        }

        return user;
    }

    private static ActivityHistory History(params UserHistory[] users) => new(users, new Dictionary<DateOnly, long>());

    // ---- Random histories ----

    /// <summary>One user as generated: every active day (also outside the window span), first active day ever, counts, connections.</summary>
    private sealed record GeneratedUser(
        long Id, string? Name, DateOnly? FirstEver, HashSet<DateOnly> ActiveDays,
        List<(long Sessions, long Queries, long Feedbacks, long ToolCalls)> Counts, List<DateTime?> Connections)
    {
        public UserHistory ToHistory(DayRange days)
        {
            var history = new UserHistory(Id, days) { Name = Name, FirstActiveDay = FirstEver };
            // Only the window span is given, as an engine reads it; ActiveOn also ignores the days outside it.
            foreach (var day in ActiveDays)
            {
                history.ActiveOn(day);
            }

            foreach (var (sessions, queries, feedbacks, toolCalls) in Counts)
            {
                history.Count(sessions, queries, feedbacks, toolCalls);
            }

            foreach (var connected in Connections)
            {
                history.Connected(connected);
            }

            return history;
        }
    }

    private static DayRange RandomRange(Random random, int scenario)
    {
        int first, length;
        switch (scenario % 7)
        {
            case 0: // starts on 0001-01-01
                first = MinDay;
                length = random.Next(1, 120);
                break;
            case 1: // starts less than 30 days after 0001-01-01: the look-back is cut short
                first = MinDay + random.Next(1, 40);
                length = random.Next(1, 90);
                break;
            case 2: // ends on 9999-12-31
                length = random.Next(1, 120);
                first = MaxDay - length + 1;
                break;
            case 3: // one day, anywhere (sometimes an end of the calendar)
                length = 1;
                first = random.Next(4) switch { 0 => MinDay, 1 => MaxDay, _ => random.Next(MinDay, MaxDay + 1) };
                break;
            case 4: // a few hundred days
                length = random.Next(100, 800);
                first = random.Next(MinDay + 100, MaxDay - 1000);
                break;
            default:
                length = random.Next(1, 100);
                first = random.Next(MinDay + 100, MaxDay - 200);
                break;
        }

        return new DayRange(DateOnly.FromDayNumber(first), DateOnly.FromDayNumber(first + length - 1));
    }

    private static List<GeneratedUser> RandomUsers(Random random, DayRange days, int maxUsers = 12, int maxDays = 0)
    {
        var first = days.First.DayNumber;
        var last = days.Last.DayNumber;
        var rangeLength = last - first + 1;
        maxDays = maxDays > 0 ? maxDays : Math.Max(8, rangeLength / 4);
        var users = new List<GeneratedUser>();
        var ids = new HashSet<long>();
        var count = random.Next(0, maxUsers + 1);
        for (var i = 0; i < count; i++)
        {
            long id;
            do
            {
                id = random.Next(1, 1000);
            }
            while (!ids.Add(id));

            var active = new HashSet<DateOnly>();
            var profile = random.Next(6);
            var dayCount = profile == 0 ? 0 : random.Next(1, maxDays + 1);
            for (var d = 0; d < dayCount; d++)
            {
                var where = random.Next(100);
                var number = profile switch
                {
                    1 => first - random.Next(1, 30),                      // only in the 29-day look-back
                    2 => first - random.Next(30, 90),                     // only before the look-back
                    _ when where < 20 => first - random.Next(1, 30),      // look-back
                    _ when where < 30 => first - random.Next(30, 400),    // long before
                    _ when where < 40 => first + random.Next(Math.Min(rangeLength, 8)), // the range's first days
                    _ when where < 50 => last - random.Next(Math.Min(rangeLength, 8)),  // the range's last days
                    _ => first + random.Next(rangeLength),                 // the range
                };
                if (number >= MinDay && number <= last)
                {
                    active.Add(DateOnly.FromDayNumber(number));
                }
            }

            // The first active day ever: the first generated day, or a day before it (activity long ago).
            DateOnly? firstEver = null;
            if (active.Count > 0)
            {
                var earliest = active.Min().DayNumber;
                firstEver = DateOnly.FromDayNumber(random.Next(3) == 0 ? Math.Max(MinDay, earliest - random.Next(1, 500)) : earliest);
            }
            else if (random.Next(2) == 0 && first - 30 > MinDay)
            {
                firstEver = DateOnly.FromDayNumber(Math.Max(MinDay, first - random.Next(30, 1000)));
            }

            var counts = Enumerable.Range(0, random.Next(4))
                .Select(_ => ((long)random.Next(10), (long)random.Next(50), (long)random.Next(5), (long)random.Next(20)))
                .ToList();
            var connections = Enumerable.Range(0, random.Next(4))
                .Select(_ => random.Next(4) == 0
                    ? (DateTime?)null
                    : DateOnly.FromDayNumber(first + random.Next(rangeLength)).ToDateTime(new TimeOnly(random.Next(24), random.Next(60)), DateTimeKind.Utc))
                .ToList();
            users.Add(new GeneratedUser(id, random.Next(3) == 0 ? null : $"user {id}", firstEver, active, counts, connections));
        }

        return users;
    }

    private static Dictionary<DateOnly, long> RandomConnections(Random random, DayRange days)
    {
        var connections = new Dictionary<DateOnly, long>();
        var density = random.Next(2, 30);
        for (var number = days.First.DayNumber; number <= days.Last.DayNumber; number++)
        {
            if (random.Next(100) < density)
            {
                connections[DateOnly.FromDayNumber(number)] = random.Next(1, 50);
            }
        }

        return connections;
    }

    // ---- The reference: sets of users per day, windows by brute force over dates ----

    private static List<ActiveUsersDay> ReferenceDays(DayRange days, List<GeneratedUser> users, Dictionary<DateOnly, long> connections)
    {
        var usersOn = new Dictionary<DateOnly, HashSet<long>>();
        foreach (var user in users)
        {
            foreach (var activeDay in user.ActiveDays)
            {
                if (!usersOn.TryGetValue(activeDay, out var set))
                {
                    usersOn[activeDay] = set = [];
                }

                set.Add(user.Id);
            }
        }

        HashSet<long> UsersIn(DateOnly end, int windowDays)
        {
            var distinct = new HashSet<long>();
            for (var back = 0; back < windowDays; back++)
            {
                if (end.DayNumber - back < MinDay)
                {
                    break;
                }

                if (usersOn.TryGetValue(end.AddDays(-back), out var set))
                {
                    distinct.UnionWith(set);
                }
            }

            return distinct;
        }

        var rows = new List<ActiveUsersDay>();
        var day = days.First;
        while (true)
        {
            var active = usersOn.TryGetValue(day, out var today) ? today.Count : 0;
            var newActive = users.Count(u => u.FirstEver == day);
            var weekly = UsersIn(day, 7).Count;
            var monthly = UsersIn(day, 30).Count;
            var connected = connections.GetValueOrDefault(day);
            if (active != 0 || newActive != 0 || weekly != 0 || monthly != 0 || connected != 0)
            {
                rows.Add(new ActiveUsersDay(day, active, newActive, weekly, monthly, connected));
            }

            if (day == days.Last)
            {
                break;
            }

            day = day.AddDays(1);
        }

        return rows;
    }

    private static List<UserActivity> ReferenceTable(DayRange days, List<GeneratedUser> users)
    {
        var table = new List<UserActivity>();
        foreach (var user in users.OrderBy(u => u.Id))
        {
            var inRange = user.ActiveDays.Where(d => d >= days.First && d <= days.Last).ToList();
            if (inRange.Count == 0)
            {
                continue;
            }

            DateTime? lastConnection = null;
            foreach (var connected in user.Connections)
            {
                if (connected is { } c && (lastConnection is null || c > lastConnection))
                {
                    lastConnection = c;
                }
            }

            table.Add(new UserActivity(
                user.Id, user.Name, inRange.Count,
                user.Counts.Sum(c => c.Sessions), user.Counts.Sum(c => c.Queries), user.Counts.Sum(c => c.Feedbacks), user.Counts.Sum(c => c.ToolCalls),
                inRange.Min(), inRange.Max(), lastConnection));
        }

        return table;
    }

    private static void ShouldBeSameRows(IReadOnlyList<ActiveUsersDay> actual, List<ActiveUsersDay> expected, string context)
    {
        for (var i = 0; i < Math.Min(actual.Count, expected.Count); i++)
        {
            actual[i].ShouldBe(expected[i], $"{context}: row {i}");
        }

        actual.Count.ShouldBe(expected.Count, $"{context}: number of rows (last expected {(expected.Count > 0 ? expected[^1] : null)}, last actual {(actual.Count > 0 ? actual[^1] : null)})");
    }

    private static void ShouldBeSameTable(IReadOnlyList<UserActivity> actual, List<UserActivity> expected, string context)
    {
        var sorted = actual.OrderBy(u => u.UserId).ToList();
        sorted.Select(u => u.UserId).ShouldBe(expected.Select(u => u.UserId), $"{context}: users in the table");
        for (var i = 0; i < expected.Count; i++)
        {
            sorted[i].ShouldBe(expected[i], $"{context}: user {expected[i].UserId}");
        }
    }
}
