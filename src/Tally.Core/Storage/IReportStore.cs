namespace Tally.Storage;

/// <summary>
/// The reads the reports are made of. Every method answers from per-day aggregates kept up to date by
/// <see cref="IEventStore.AppendAsync"/>, so its cost follows the days (and users, tools, documents) asked
/// for, not the number of events stored. Rows come only for days that have something; callers fill the rest.
/// Days are calendar days in the company's time zone; instants are UTC, to the microsecond (as events store them).
/// </summary>
public interface IReportStore
{
    Task<IReadOnlyList<DayTotals>> ReadDayTotalsAsync(long companyId, DayRange days, CancellationToken cancellationToken);

    Task<IReadOnlyList<ToolDay>> ReadToolDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken);

    /// <summary>Each document's uses per day, and the names of the documents (at least of those used in the range).</summary>
    Task<DocumentUsage> ReadDocumentUsageAsync(long companyId, DayRange days, CancellationToken cancellationToken);

    // Periods of several days (spec/analytics.md): sums over days are made by the caller from the per-day reads above,
    // but a distinct count over a period is not the sum of its days', so these reads take the periods (consecutive,
    // in order; each row names its period by index) and count over each at once.

    /// <summary>Per period with any: distinct models answering and distinct sessions with a query, per mode.</summary>
    Task<IReadOnlyList<ModeDistincts>> ReadModeDistinctsAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken);

    /// <summary>Per period and tool (name and type) called in it: the distinct users who called it.</summary>
    Task<IReadOnlyList<ToolUsers>> ReadToolUsersAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken);

    /// <summary>
    /// Per period: each document's uses summed over its days, by period, then uses descending, then document id; at
    /// most <paramref name="limit"/> documents per period, each row carrying how many documents the period had in all.
    /// </summary>
    Task<IReadOnlyList<DocumentPeriod>> ReadDocumentPeriodsAsync(long companyId, IReadOnlyList<DayRange> periods, int limit, CancellationToken cancellationToken);

    /// <summary>The current ratings per day by model, tool and document of the rated answer, and those documents' names.</summary>
    Task<RatingDays> ReadRatingDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken);

    /// <summary>
    /// The members' latest events, and the last events of their days up to <paramref name="asOf"/> for those whose latest
    /// falls later (see <see cref="MemberHistory"/>).
    /// </summary>
    Task<MemberHistory> ReadMemberHistoryAsync(long companyId, DateOnly asOf, CancellationToken cancellationToken);

    /// <summary>
    /// For one user or all: every user with an activity event from <see cref="UserHistory.OriginOf"/> the range to
    /// its end, with those active days, their counts over the range's days, their last connection up to its end,
    /// name and first active day ever; and the connections per day of the range. Others may be included: users
    /// without an active day in that span count for nothing.
    /// </summary>
    Task<ActivityHistory> ReadActivityHistoryAsync(long companyId, DayRange days, long? userId, CancellationToken cancellationToken);

    /// <summary>
    /// Connections in the range, newest first (by timestamp, then id, descending; ids compared by Unicode code point,
    /// the order of their UTF-8 bytes), strictly after a position.
    /// </summary>
    Task<IReadOnlyList<ConnectionRow>> ReadConnectionsAsync(long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit, CancellationToken cancellationToken);
}

/// <summary>One mode's numbers for a day (chat sessions or agent threads).</summary>
public sealed record ModeDay(long Sessions, long Queries, long QuerySessions, long Responses, long ResponsesWithDocuments, long Models, DateTime? LastResponseAt)
{
    public static readonly ModeDay Empty = new(0, 0, 0, 0, 0, 0, null);
}

public sealed record DayTotals(DateOnly Day, ModeDay Chat, ModeDay Agent, long Likes, long Dislikes, long Copies, long Flags, long ToolCalls, long Connections);

public sealed record ToolDay(DateOnly Day, string ToolName, string ToolType, long Usage, long Users, long Errors);

public sealed record DocumentUsage(IReadOnlyList<DocumentDay> Days, IReadOnlyDictionary<long, DocumentName> Names);

/// <summary>
/// A struct of numbers only: a year of a large company has hundreds of thousands of document-days, read and
/// sorted in one go, and a struct without references moves cheaply.
/// </summary>
public readonly record struct DocumentDay(DateOnly Day, long DocumentId, long Usage);

public sealed record DocumentName(string Filename, string? Title);

public sealed record ModeDistincts(int Period, long ChatModels, long AgentModels, long ChatQuerySessions, long AgentQuerySessions);

public sealed record ToolUsers(int Period, string ToolName, string ToolType, long Users);

public sealed record DocumentPeriod(int Period, long DocumentId, long Usage, long PeriodDocuments, DocumentName Name);

/// <summary>The numbers of the users report, made by <see cref="Reports.Membership"/>.</summary>
public sealed record MemberCounts(long TotalHistorical, long CurrentActive);

public sealed record ActiveUsersDay(DateOnly Day, long Active, long NewActive, long Weekly, long Monthly, long Connections);

public sealed record UserActivities(IReadOnlyList<ActiveUsersDay> Days, IReadOnlyList<UserActivity> Users);

public sealed record UserActivity(
    long UserId,
    string? UserName,
    long ActiveDays,
    long Sessions,
    long Queries,
    long Feedbacks,
    long ToolCalls,
    DateOnly FirstActivity,
    DateOnly LastActivity,
    DateTime? LastConnection);

public sealed record ConnectionRow(long UserId, string? UserName, DateTime Timestamp, string EventId, string? Ip, string? UserAgent, string? AuthMethod);

/// <summary>Where a page of connections ended: the last row's timestamp and id.</summary>
public sealed record ConnectionPosition(DateTime Timestamp, string EventId);

/// <summary>Calendar days from <see cref="First"/> to <see cref="Last"/>, both included, in a company's time zone.</summary>
public readonly record struct DayRange(DateOnly First, DateOnly Last)
{
    public int Count => Math.Max(0, Last.DayNumber - First.DayNumber + 1);

    /// <summary>
    /// The last day of <paramref name="day"/>'s calendar month, counted by day number: the month after December 9999
    /// does not exist, so "the next month's first day minus one" overflows there.
    /// </summary>
    public static DateOnly MonthEnd(DateOnly day) => DateOnly.FromDayNumber(day.DayNumber + DateTime.DaysInMonth(day.Year, day.Month) - day.Day);

    /// <summary>
    /// The days of the month starting on <paramref name="month"/> outside this range, as bits (bit d - 1 for day d; bits
    /// past the month's last day are set too: no day has them). Engines that keep per-month rollups of active days as
    /// such bits tell from it whether a month's totals are all inside the range.
    /// </summary>
    public uint DaysOutside(DateOnly month)
    {
        var before = First.DayNumber - month.DayNumber;
        var after = Last.DayNumber - month.DayNumber;
        var outside = before > 0 ? (1U << Math.Min(before, 31)) - 1 : 0;
        return after < 31 ? outside | ~((2U << after) - 1) : outside;
    }
}
