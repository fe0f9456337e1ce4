using System.Globalization;

namespace Tally.Events;

/// <summary>
/// Applies the rules of spec/events.md to one raw event at a time, recording every problem in the batch
/// and adding the event only when it has none. Only the fields of the event's own type are read.
/// </summary>
internal sealed class EventValidator(EventBatch batch, DateTime receivedAtUtc)
{
    private const int MaxStringLength = 1024;
    private const int MaxIdLength = 128;
    private const int MaxDocuments = 100;

    // Field paths of the documents an answer may list, made once rather than for every document of every answer.
    private static readonly string[] DocumentPaths = Enumerable.Range(0, MaxDocuments).Select(i => string.Create(CultureInfo.InvariantCulture, $"documents[{i}]")).ToArray();
    private static readonly string[] DocumentIdPaths = DocumentPaths.Select(path => path + ".id").ToArray();
    private static readonly string[] DocumentFilenamePaths = DocumentPaths.Select(path => path + ".filename").ToArray();
    private static readonly string[] DocumentTitlePaths = DocumentPaths.Select(path => path + ".title").ToArray();

    private readonly DateTime _latestAllowed = receivedAtUtc + EventTimestamp.FutureTolerance;
    private int _index;
    private int? _line;
    private string? _id;
    private bool _invalid;

    public void Validate(RawEvent raw, int index, int? line)
    {
        _index = index;
        _line = line;
        _invalid = false;
        // Until the id is validated the event has no usable id: problems with the id itself name none.
        _id = null;
        var id = String(raw.Id, "id", required: true, MaxIdLength, identifier: true);
        _id = id;
        var type = EventTypeOf(raw.Type);
        var timestamp = Timestamp(raw.Timestamp);
        var companyId = Integer(raw.CompanyId, "company_id", required: true, 1, PlatformEvent.MaxIdentifier);
        var userId = Integer(raw.UserId, "user_id", required: true, 1, PlatformEvent.MaxIdentifier);
        if (companyId is { } named)
        {
            batch.NamedCompanies.Add(named);
        }
        if (type is not { } eventType)
        {
            Finish(null);
            return;
        }

        var isSessionEvent = eventType is EventType.SessionStarted or EventType.UserQuery or EventType.ModelResponse or EventType.ToolCall;
        var sessionId = isSessionEvent ? String(raw.SessionId, "session_id", required: true, identifier: true) : null;
        var mode = isSessionEvent ? Enum(raw.Mode, "mode", ChatMode.Chat) : ChatMode.Chat;
        var isResponse = eventType == EventType.ModelResponse;
        var isTool = eventType == EventType.ToolCall;
        var isFeedback = eventType == EventType.Feedback;
        var isMember = eventType == EventType.MemberJoined;
        var isConnection = eventType == EventType.Connection;

        var responseId = isResponse || isFeedback
            ? String(raw.ResponseId, "response_id", required: true, identifier: true)
            : isTool ? String(raw.ResponseId, "response_id", required: false, identifier: true) : null;

        var candidate = new PlatformEvent
        {
            Id = id ?? "",
            Type = eventType,
            Timestamp = timestamp ?? default,
            CompanyId = companyId ?? 0,
            UserId = userId ?? 0,
            Mode = mode,
            SessionId = sessionId,
            ResponseId = responseId,
            Model = isResponse ? String(raw.Model, "model", required: true, identifier: true) : null,
            Documents = isResponse ? Documents(raw.Documents) : [],
            LatencyMs = isResponse ? Integer(raw.LatencyMs, "latency_ms", required: false, 0, long.MaxValue) : null,
            InputTokens = isResponse ? Integer(raw.InputTokens, "input_tokens", required: false, 0, PlatformEvent.MaxTokens) : null,
            OutputTokens = isResponse ? Integer(raw.OutputTokens, "output_tokens", required: false, 0, PlatformEvent.MaxTokens) : null,
            ToolName = isTool ? String(raw.ToolName, "tool_name", required: true, identifier: true) : null,
            ToolType = isTool ? Enum(raw.ToolType, "tool_type", Tally.Events.ToolType.Native) : null,
            ToolStatus = isTool ? Enum(raw.Status, "status", Tally.Events.ToolStatus.Ok) : null,
            DurationMs = isTool ? Integer(raw.DurationMs, "duration_ms", required: false, 0, long.MaxValue) : null,
            FeedbackKind = isFeedback ? RequiredEnum<FeedbackKind>(raw.Kind, "kind") : null,
            UserName = isMember ? String(raw.UserName, "user_name", required: false) : null,
            Email = isMember ? String(raw.Email, "email", required: false) : null,
            Ip = isConnection ? String(raw.Ip, "ip", required: false) : null,
            UserAgent = isConnection ? String(raw.UserAgent, "user_agent", required: false) : null,
            AuthMethod = isConnection ? String(raw.AuthMethod, "auth_method", required: false) : null,
        };
        Finish(candidate);
    }

    private void Finish(PlatformEvent? candidate)
    {
        if (_invalid || candidate is null)
        {
            batch.CountInvalidEvent();
        }
        else
        {
            batch.Events.Add(candidate);
        }
    }

    private void Error(string field, string message)
    {
        _invalid = true;
        batch.AddError(new EventError(_index, _line, _id, field, message));
    }

    private bool Present(in RawValue value, string field, bool required)
    {
        if (value.Repeated)
        {
            Error(field, "This field appears more than once in the event.");
            return false;
        }

        if (value.IsAbsent)
        {
            if (required)
            {
                Error(field, value.Kind == RawKind.Null ? "This field is required and may not be null." : "This field is required.");
            }

            return false;
        }

        return true;
    }

    private string? String(in RawValue value, string field, bool required, int maxLength = MaxStringLength, bool identifier = false)
    {
        if (!Present(value, field, required))
        {
            return null;
        }

        if (value.Kind == RawKind.InvalidText)
        {
            Error(field, "Must be valid Unicode text (invalid UTF-8 or a lone surrogate).");
            return null;
        }

        if (value.Kind != RawKind.String)
        {
            Error(field, $"Must be a string, not {Describe(value.Kind)}.");
            return null;
        }

        var text = value.Text!;
        if (required && text.Length == 0)
        {
            Error(field, "Must not be empty.");
            return null;
        }

        var length = CodePoints(text);
        if (length > maxLength)
        {
            Error(field, string.Create(CultureInfo.InvariantCulture, $"Must be at most {maxLength} characters (it has {length})."));
            return null;
        }

        if (identifier && text.AsSpan().ContainsAnyInRange('\u0000', '\u001F') | text.AsSpan().ContainsAnyInRange('\u007F', '\u009F'))
        {
            Error(field, "Must not contain control characters.");
            return null;
        }

        return text;
    }

    private long? Integer(in RawValue value, string field, bool required, long minimum, long maximum)
    {
        if (!Present(value, field, required))
        {
            return null;
        }

        switch (value.Kind)
        {
            case RawKind.Integer when value.Integer >= minimum && value.Integer <= maximum:
                return value.Integer;
            case RawKind.Integer or RawKind.IntegerOutOfRange:
                Error(field, maximum == long.MaxValue
                    ? string.Create(CultureInfo.InvariantCulture, $"Must be an integer at least {minimum}.")
                    : string.Create(CultureInfo.InvariantCulture, $"Must be an integer between {minimum} and {maximum}."));
                return null;
            case RawKind.NonInteger:
                Error(field, "Must be a JSON integer (no fraction, no exponent).");
                return null;
            default:
                Error(field, $"Must be a JSON integer, not {Describe(value.Kind)}.");
                return null;
        }
    }

    private TEnum Enum<TEnum>(in RawValue value, string field, TEnum defaultValue)
        where TEnum : struct, System.Enum =>
        Present(value, field, required: false) ? ParseEnum<TEnum>(value, field) ?? defaultValue : defaultValue;

    private TEnum? RequiredEnum<TEnum>(in RawValue value, string field)
        where TEnum : struct, System.Enum =>
        Present(value, field, required: true) ? ParseEnum<TEnum>(value, field) : null;

    private TEnum? ParseEnum<TEnum>(in RawValue value, string field)
        where TEnum : struct, System.Enum
    {
        var allowed = WireNames.Allowed<TEnum>();
        if (value.Kind != RawKind.String)
        {
            Error(field, $"Must be one of {allowed}, not {Describe(value.Kind)}.");
            return null;
        }

        if (WireNames.TryParse<TEnum>(value.Text!, out var parsed))
        {
            return parsed;
        }

        Error(field, $"Must be one of {allowed} (got '{Shorten(value.Text!)}').");
        return null;
    }

    private EventType? EventTypeOf(in RawValue value)
    {
        if (!Present(value, "type", required: true))
        {
            return null;
        }

        if (value.Kind == RawKind.String && !WireNames.TryParse<EventType>(value.Text!, out _))
        {
            var known = string.Join(", ", WireNames.AllEventTypes.Select(WireNames.Of));
            Error("type", $"Unknown event type '{Shorten(value.Text!)}'; known types: {known}.");
            return null;
        }

        return ParseEnum<EventType>(value, "type");
    }

    private DateTime? Timestamp(in RawValue value)
    {
        var text = String(value, "timestamp", required: true, maxLength: 64);
        if (text is null)
        {
            return null;
        }

        var problem = EventTimestamp.TryParse(text, out var utc);
        if (problem is not null)
        {
            Error("timestamp", $"'{Shorten(text)}' {problem}.");
            return null;
        }

        if (utc < EventTimestamp.Earliest)
        {
            Error("timestamp", $"'{text}' is before 2000-01-01T00:00:00Z.");
            return null;
        }

        if (utc > _latestAllowed)
        {
            Error("timestamp", $"'{text}' is more than 24 hours after the time the request was received ({EventTimestamp.FormatSeconds(receivedAtUtc)}).");
            return null;
        }

        return utc;
    }

    private List<EventDocument> Documents(in RawValue value)
    {
        if (!Present(value, "documents", required: false))
        {
            return [];
        }

        if (value.Kind != RawKind.Array)
        {
            Error("documents", $"Must be an array of documents, not {Describe(value.Kind)}.");
            return [];
        }

        var raw = value.Documents!;
        if (raw.Count > MaxDocuments)
        {
            Error("documents", string.Create(CultureInfo.InvariantCulture, $"Must list at most {MaxDocuments} documents (it lists {raw.Count})."));
            return [];
        }

        var documents = new List<EventDocument>(raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            var path = DocumentPaths[i];
            var document = raw[i];
            if (document.Token != System.Text.Json.JsonTokenType.StartObject)
            {
                Error(path, $"Must be an object with id, filename and title, not {EventBodyReader.Describe(document.Token)}.");
                continue;
            }

            var id = Integer(document.Id, DocumentIdPaths[i], required: true, 1, long.MaxValue);
            var filename = String(document.Filename, DocumentFilenamePaths[i], required: true);
            var title = String(document.Title, DocumentTitlePaths[i], required: false);
            if (id is { } documentId && filename is not null)
            {
                documents.Add(new EventDocument(documentId, filename, title));
            }
        }

        return documents;
    }

    private static int CodePoints(string text)
    {
        var pairs = 0;
        foreach (var c in text)
        {
            if (char.IsHighSurrogate(c))
            {
                pairs++;
            }
        }

        return text.Length - pairs;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    private static string Describe(RawKind kind) => kind switch
    {
        RawKind.String => "a string",
        RawKind.Integer or RawKind.NonInteger or RawKind.IntegerOutOfRange => "a number",
        RawKind.Boolean => "a boolean",
        RawKind.Array => "an array",
        RawKind.Object => "an object",
        RawKind.Null => "null",
        _ => "invalid text",
    };
}
