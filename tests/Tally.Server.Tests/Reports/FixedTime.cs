namespace Tally.Server.Tests.Reports;

/// <summary>A clock that says what the test tells it, so that "today" is known.</summary>
public sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
