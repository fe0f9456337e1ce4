namespace Tally.Storage;

/// <summary>
/// What an engine reads for the users report, as of the end of <see cref="AsOf"/>: each member's latest event ever
/// (<see cref="Latest"/>), and for the members whose latest event falls on a later day, the last event of their last
/// days up to <see cref="AsOf"/> (<see cref="Days"/>). Which members count then, and which have left, is decided from
/// these facts in <see cref="Reports.Membership"/>, not by the engine. A fact may be given more than once.
/// </summary>
/// <remarks>
/// An engine gives at least each such member's last two days up to <see cref="AsOf"/>: a day's last event is usually
/// earlier than the next day's, but not around a time-zone change that turns clocks back past midnight.
/// </remarks>
public sealed record MemberHistory(DateOnly AsOf, IReadOnlyCollection<MemberLatest> Latest, IReadOnlyCollection<MemberDay> Days);

/// <summary>A user's latest event ever stored (in the order of events.md): its day, and whether it is a <c>member_left</c>.</summary>
public readonly record struct MemberLatest(long UserId, DateOnly Day, bool IsMemberLeft);

/// <summary>
/// The last event of one of a user's days (in the order of events.md): its instant and id, which order it against
/// the last events of the user's other days, and whether it is a <c>member_left</c>.
/// </summary>
public readonly record struct MemberDay(long UserId, DateOnly Day, DateTime LastEventAt, string LastEventId, bool IsMemberLeft);
