using System.Numerics;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// The rules of the user-activities report (spec/reports.md), from the users' active days: active users per day,
/// new active users (first active day ever), weekly and monthly active users (distinct users active in the 7 and 30
/// days ending that day), and the per-user table of the users active in the range. Every engine supplies the same
/// <see cref="ActivityHistory"/>; the numbers are made here, once.
/// </summary>
public static class ActivityWindows
{
    public static UserActivities Build(DayRange days, ActivityHistory history)
    {
        // Counters per day in arrays indexed from the first day a window can reach back to: a range has at most a
        // few thousand days, and array slots are much cheaper than a dictionary per (user, day) pair.
        var origin = UserHistory.OriginOf(days).DayNumber;
        var length = days.Last.DayNumber - origin + 1;
        var active = new long[length];
        var newUsers = new long[length];
        var weekChange = new long[length];
        var monthChange = new long[length];
        var users = new List<UserActivity>();

        // Each active day d of a user covers the days [d, d+6] of the week window and [d, d+29] of the month window;
        // only the part not covered by the user's previous active day is added, so each user counts once per day.
        // The changes are summed per day here and accumulated below.
        void Change(long[] changes, int dayNumber, long change)
        {
            if (dayNumber <= days.Last.DayNumber)
            {
                changes[dayNumber - origin] += change;
            }
        }

        foreach (var user in history.Users)
        {
            var previous = int.MinValue;
            long activeDays = 0;
            int first = int.MaxValue, last = int.MinValue;
            for (var word = 0; word < user.ActiveDays.Length; word++)
            {
                for (var remaining = user.ActiveDays[word]; remaining != 0; remaining &= remaining - 1)
                {
                    var day = origin + (word * 64) + BitOperations.TrailingZeroCount(remaining);
                    Change(weekChange, previous == int.MinValue ? day : Math.Max(day, previous + 7), 1);
                    Change(weekChange, day + 7, -1);
                    Change(monthChange, previous == int.MinValue ? day : Math.Max(day, previous + 30), 1);
                    Change(monthChange, day + 30, -1);
                    previous = day;
                    if (day >= days.First.DayNumber)
                    {
                        active[day - origin]++;
                        activeDays++;
                        first = Math.Min(first, day);
                        last = Math.Max(last, day);
                    }
                }
            }

            if (user.FirstActiveDay is { } firstEver && firstEver >= days.First && firstEver <= days.Last)
            {
                newUsers[firstEver.DayNumber - origin]++;
            }

            // Users without an active day in the range have no row in the table, whatever their last connection.
            if (activeDays > 0)
            {
                users.Add(new UserActivity(user.UserId, user.Name, activeDays, user.Sessions, user.Queries, user.Feedbacks, user.ToolCalls,
                    DateOnly.FromDayNumber(first), DateOnly.FromDayNumber(last), user.LastConnection));
            }
        }

        var rows = new List<ActiveUsersDay>();
        long weekly = 0, monthly = 0;
        // Counted by day number, so that a range may start on 0001-01-01 or end on 9999-12-31.
        for (var number = origin; number <= days.Last.DayNumber; number++)
        {
            var slot = number - origin;
            weekly += weekChange[slot];
            monthly += monthChange[slot];
            var connections = number >= days.First.DayNumber ? history.ConnectionsByDay.GetValueOrDefault(DateOnly.FromDayNumber(number)) : 0;
            if (number >= days.First.DayNumber && (active[slot] | newUsers[slot] | connections | weekly | monthly) != 0)
            {
                rows.Add(new ActiveUsersDay(DateOnly.FromDayNumber(number), active[slot], newUsers[slot], weekly, monthly, connections));
            }
        }

        return new UserActivities(rows, users);
    }

    /// <summary>
    /// Per period of <paramref name="days"/>, the distinct users with an activity event on one of its days: a user counts
    /// once per period, however many of its days they were active (spec/analytics.md).
    /// </summary>
    public static long[] ActiveInPeriods(DayRange days, ActivityHistory history, IReadOnlyList<DayRange> periods)
    {
        var periodOfDay = Periods.IndexByDay(days, periods);
        var origin = UserHistory.OriginOf(days).DayNumber;
        var active = new long[periods.Count];
        foreach (var user in history.Users)
        {
            // Days come in ascending order, so a user's days of one period are consecutive here.
            var counted = -1;
            for (var word = 0; word < user.ActiveDays.Length; word++)
            {
                for (var remaining = user.ActiveDays[word]; remaining != 0; remaining &= remaining - 1)
                {
                    var day = origin + (word * 64) + BitOperations.TrailingZeroCount(remaining);
                    if (day >= days.First.DayNumber && periodOfDay[day - days.First.DayNumber] is var period && period != counted)
                    {
                        active[period]++;
                        counted = period;
                    }
                }
            }
        }

        return active;
    }
}
