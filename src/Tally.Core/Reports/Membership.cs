using Tally.Events;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// The rule of the users report (spec/reports.md), as of the end of a day: the members are the users with an event
/// on or before it; the current ones, those whose latest event on or before it (by timestamp, then id by code point)
/// is not a <c>member_left</c>. Every engine supplies the same <see cref="MemberHistory"/>; the counts are made
/// here, once.
/// </summary>
public static class Membership
{
    public static MemberCounts Count(MemberHistory history)
    {
        var asOf = history.AsOf;

        // A latest event ever on or before the day is also the latest up to it: nothing else of that user can beat it.
        var settled = new Dictionary<long, bool>();
        foreach (var (userId, day, isMemberLeft) in history.Latest)
        {
            if (day <= asOf)
            {
                settled[userId] = isMemberLeft;
            }
        }

        // The others are decided by the latest of their days' last events up to the day.
        var latestDays = new Dictionary<long, MemberDay>();
        foreach (var day in history.Days)
        {
            if (day.Day <= asOf && !settled.ContainsKey(day.UserId)
                && (!latestDays.TryGetValue(day.UserId, out var known) || IsLater(day, known)))
            {
                latestDays[day.UserId] = day;
            }
        }

        var current = settled.Values.Count(isMemberLeft => !isMemberLeft) + latestDays.Values.Count(day => !day.IsMemberLeft);
        return new MemberCounts(settled.Count + latestDays.Count, current);
    }

    private static bool IsLater(MemberDay day, MemberDay than)
    {
        var byTime = day.LastEventAt.CompareTo(than.LastEventAt);
        return byTime != 0 ? byTime > 0 : CodePointComparer.Instance.Compare(day.LastEventId, than.LastEventId) > 0;
    }
}
