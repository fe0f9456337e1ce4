namespace Tally.Events;

/// <summary>The exact lower-case spellings the wire format uses for enumerated values.</summary>
public static class WireNames
{
    public static string Of(EventType type) => type switch
    {
        EventType.MemberJoined => "member_joined",
        EventType.MemberLeft => "member_left",
        EventType.Connection => "connection",
        EventType.SessionStarted => "session_started",
        EventType.UserQuery => "user_query",
        EventType.ModelResponse => "model_response",
        EventType.ToolCall => "tool_call",
        EventType.Feedback => "feedback",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static string Of(ChatMode mode) => mode == ChatMode.Agent ? "agent" : "chat";

    public static string Of(ToolType type) => type == ToolType.Mcp ? "mcp" : "native";

    public static string Of(ToolStatus status) => status == ToolStatus.Error ? "error" : "ok";

    public static string Of(FeedbackKind kind) => kind switch
    {
        FeedbackKind.Like => "like",
        FeedbackKind.Dislike => "dislike",
        FeedbackKind.None => "none",
        FeedbackKind.Copy => "copy",
        FeedbackKind.Flag => "flag",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static readonly IReadOnlyList<EventType> AllEventTypes = Enum.GetValues<EventType>();

    public static bool TryParse<TEnum>(string value, out TEnum parsed)
        where TEnum : struct, Enum => Names<TEnum>.ByName.TryGetValue(value, out parsed);

    /// <summary>Every wire name of an enumeration, quoted and separated by commas, for error messages.</summary>
    public static string Allowed<TEnum>()
        where TEnum : struct, Enum => Names<TEnum>.Allowed;

    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => value switch
        {
            EventType type => Of(type),
            ChatMode mode => Of(mode),
            ToolType tool => Of(tool),
            ToolStatus status => Of(status),
            FeedbackKind kind => Of(kind),
            _ => throw new ArgumentOutOfRangeException(nameof(value)),
        };

    /// <summary>Each enumeration's names, computed once: parsing them is on the hot path of ingestion.</summary>
    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly Dictionary<string, TEnum> ByName =
            Enum.GetValues<TEnum>().ToDictionary(value => Name(value), StringComparer.Ordinal);

        public static readonly string Allowed = string.Join(", ", Enum.GetValues<TEnum>().Select(value => $"'{Name(value)}'"));
    }
}
