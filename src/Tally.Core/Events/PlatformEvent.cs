namespace Tally.Events;

/// <summary>
/// One validated event as the platform sent it. Type-specific fields are null
/// (or their default) on events of other types; see spec/events.md.
/// </summary>
public sealed record PlatformEvent
{
    /// <summary>Largest company or user id: 2^53, the largest integer every JSON reader holds exactly.</summary>
    public const long MaxIdentifier = 1L << 53;

    /// <summary>
    /// Most tokens one response may count, in or out: a billion, far above any model's window. Token sums are 64-bit
    /// everywhere (store aggregates, reports), so one absurd value must not overflow them: with this bound they hold
    /// nine billion responses of a company, a day and a model at the maximum.
    /// </summary>
    public const long MaxTokens = 1_000_000_000;

    public required string Id { get; init; }
    public required EventType Type { get; init; }

    /// <summary>The event's instant in UTC, truncated to microseconds.</summary>
    public required DateTime Timestamp { get; init; }

    public required long CompanyId { get; init; }
    public required long UserId { get; init; }

    public ChatMode Mode { get; init; }
    public string? SessionId { get; init; }
    public string? ResponseId { get; init; }
    public string? Model { get; init; }
    public IReadOnlyList<EventDocument> Documents { get; init; } = [];
    public long? LatencyMs { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }

    public string? ToolName { get; init; }
    public ToolType? ToolType { get; init; }
    public ToolStatus? ToolStatus { get; init; }
    public long? DurationMs { get; init; }

    public FeedbackKind? FeedbackKind { get; init; }

    public string? UserName { get; init; }
    public string? Email { get; init; }

    public string? Ip { get; init; }
    public string? UserAgent { get; init; }
    public string? AuthMethod { get; init; }
}

/// <summary>A document an answer used.</summary>
public sealed record EventDocument(long Id, string Filename, string? Title);

public enum EventType
{
    MemberJoined,
    MemberLeft,
    Connection,
    SessionStarted,
    UserQuery,
    ModelResponse,
    ToolCall,
    Feedback,
}

public enum ChatMode
{
    Chat,
    Agent,
}

public enum ToolType
{
    Native,
    Mcp,
}

public enum ToolStatus
{
    Ok,
    Error,
}

public enum FeedbackKind
{
    Like,
    Dislike,
    None,
    Copy,
    Flag,
}
