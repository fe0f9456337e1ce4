namespace Tally.Storage;

/// <summary>
/// What an engine reads for the user-activities report: each user active in the window span of a range (from
/// <see cref="UserHistory.OriginOf"/>, 29 days before its first day, to its last), and the connections per day of
/// the range. The report's rules (active, new, weekly and monthly users) are computed from it in
/// <see cref="Reports.ActivityWindows"/>, not by the engine.
/// </summary>
public sealed record ActivityHistory(IReadOnlyCollection<UserHistory> Users, IReadOnlyDictionary<DateOnly, long> ConnectionsByDay);

/// <summary>
/// One user's history as an engine gathers it: active days as bits from the origin, counts of the range's days,
/// last connection up to the range's end, name, and first active day ever.
/// </summary>
public sealed class UserHistory
{
    private readonly int _origin;
    private readonly int _last;

    /// <summary>A user's history over the window span of <paramref name="days"/>.</summary>
    public UserHistory(long userId, DayRange days)
    {
        UserId = userId;
        _origin = OriginOf(days).DayNumber;
        _last = days.Last.DayNumber;
        ActiveDays = new ulong[(_last - _origin + 64) / 64];
    }

    public long UserId { get; }

    /// <summary>The name from the user's latest member_joined that has one.</summary>
    public string? Name { get; set; }

    /// <summary>The user's first day with an activity event, ever (not only in the range).</summary>
    public DateOnly? FirstActiveDay { get; set; }

    /// <summary>Bit <c>i</c> (word <c>i / 64</c>, bit <c>i % 64</c>) is set when the origin's day plus <c>i</c> is an active day.</summary>
    public ulong[] ActiveDays { get; }

    public long Sessions { get; private set; }
    public long Queries { get; private set; }
    public long Feedbacks { get; private set; }
    public long ToolCalls { get; private set; }

    /// <summary>The user's last connection up to the end of the range.</summary>
    public DateTime? LastConnection { get; private set; }

    /// <summary>The first day a window of the range reaches back to: 29 days before its first day.</summary>
    public static DateOnly OriginOf(DayRange days) => DateOnly.FromDayNumber(Math.Max(DateOnly.MinValue.DayNumber, days.First.DayNumber - 29));

    /// <summary>Marks an active day; days outside the window span are ignored.</summary>
    public void ActiveOn(DateOnly day)
    {
        var offset = day.DayNumber - _origin;
        if (offset >= 0 && day.DayNumber <= _last)
        {
            ActiveDays[offset >> 6] |= 1UL << (offset & 63);
        }
    }

    /// <summary>Adds counts of days in the range.</summary>
    public void Count(long sessions, long queries, long feedbacks, long toolCalls)
    {
        Sessions += sessions;
        Queries += queries;
        Feedbacks += feedbacks;
        ToolCalls += toolCalls;
    }

    /// <summary>Keeps the latest of the connections seen.</summary>
    public void Connected(DateTime? connected) => LastConnection = LastConnection > connected ? LastConnection : connected ?? LastConnection;
}
