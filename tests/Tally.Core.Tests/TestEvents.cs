using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tally.Events;

namespace Tally.Core.Tests;

/// <summary>
/// Builds event JSON for the reader tests. Every builder returns a fresh, valid event of its type; tests then
/// change one field. The time the request is received is fixed, never today's.
/// </summary>
internal static class TestEvents
{
    public static readonly DateTime ReceivedAt = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    public const string Timestamp = "2025-06-01T10:00:00Z";

    public static readonly string[] AllTypes =
    [
        "member_joined", "member_left", "connection", "session_started", "user_query", "model_response", "tool_call", "feedback",
    ];

    public static readonly string[] SessionTypes = ["session_started", "user_query", "model_response", "tool_call"];

    // Non-ASCII text is written as UTF-8, not as \u escapes, so that lengths are tested on real bytes.
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Common(string type, string id = "event-1") => new()
    {
        ["id"] = id,
        ["type"] = type,
        ["timestamp"] = Timestamp,
        ["company_id"] = 42,
        ["user_id"] = 7,
    };

    public static JsonObject MemberJoined(string id = "event-1") => Common("member_joined", id);

    public static JsonObject MemberLeft(string id = "event-1") => Common("member_left", id);

    public static JsonObject Connection(string id = "event-1") => Common("connection", id);

    public static JsonObject SessionStarted(string id = "event-1") => Common("session_started", id).With("session_id", "session-1");

    public static JsonObject UserQuery(string id = "event-1") => Common("user_query", id).With("session_id", "session-1");

    public static JsonObject ModelResponse(string id = "event-1") => Common("model_response", id)
        .With("session_id", "session-1")
        .With("response_id", "response-1")
        .With("model", "model-a");

    public static JsonObject ToolCall(string id = "event-1") => Common("tool_call", id)
        .With("session_id", "session-1")
        .With("tool_name", "document_search");

    public static JsonObject Feedback(string id = "event-1") => Common("feedback", id)
        .With("response_id", "response-1")
        .With("kind", "like");

    /// <summary>A valid event of the named type, with only its required fields.</summary>
    public static JsonObject OfType(string type, string id = "event-1") => type switch
    {
        "member_joined" => MemberJoined(id),
        "member_left" => MemberLeft(id),
        "connection" => Connection(id),
        "session_started" => SessionStarted(id),
        "user_query" => UserQuery(id),
        "model_response" => ModelResponse(id),
        "tool_call" => ToolCall(id),
        "feedback" => Feedback(id),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an event type."),
    };

    public static JsonObject Document(long id, string filename, string? title = null) => new()
    {
        ["id"] = id,
        ["filename"] = filename,
        ["title"] = title,
    };

    public static JsonObject With(this JsonObject jsonEvent, string field, JsonNode? value)
    {
        jsonEvent[field] = value;
        return jsonEvent;
    }

    /// <summary>Sets a field to JSON text exactly as written (<c>1.0</c>, <c>1e3</c>, <c>"5"</c>), which a .NET value could not say.</summary>
    public static JsonObject WithRaw(this JsonObject jsonEvent, string field, string json) =>
        jsonEvent.With(field, JsonNode.Parse(json));

    public static JsonObject Without(this JsonObject jsonEvent, string field)
    {
        jsonEvent.Remove(field);
        return jsonEvent;
    }

    public static string ToJson(this JsonNode node) => node.ToJsonString(WriteOptions);

    public static string ArrayBody(params JsonObject[] events) => new JsonArray([.. events]).ToJson();

    public static string NdjsonBody(params JsonObject[] events) => string.Join("\n", events.Select(e => e.ToJson()));

    public static EventBatch Read(string body, EventBodyFormat format = EventBodyFormat.JsonArray) =>
        Read(Encoding.UTF8.GetBytes(body), format);

    public static EventBatch Read(byte[] body, EventBodyFormat format = EventBodyFormat.JsonArray) =>
        EventBodyReader.Read(body, format, ReceivedAt);

    public static EventBatch ReadArray(params JsonObject[] events) => Read(ArrayBody(events));

    public static EventBatch ReadNdjson(params JsonObject[] events) => Read(NdjsonBody(events), EventBodyFormat.Ndjson);

    /// <summary>Reads one event that must be valid, and returns it.</summary>
    public static PlatformEvent ReadValid(JsonObject jsonEvent)
    {
        var batch = ReadArray(jsonEvent);
        batch.Errors.ShouldBeEmpty();
        batch.IsValid.ShouldBeTrue();
        return batch.Events.ShouldHaveSingleItem();
    }

    /// <summary>Reads one event that must have exactly one problem, and returns that problem.</summary>
    public static EventError ReadSingleError(JsonObject jsonEvent)
    {
        var batch = ReadArray(jsonEvent);
        batch.IsValid.ShouldBeFalse();
        batch.Events.ShouldBeEmpty();
        batch.InvalidEventCount.ShouldBe(1);
        return batch.Errors.ShouldHaveSingleItem();
    }

    /// <summary>Reads a body that must be refused as a whole, and returns its one problem.</summary>
    public static EventError ReadBodyError(byte[] body, EventBodyFormat format = EventBodyFormat.JsonArray)
    {
        var batch = Read(body, format);
        batch.IsValid.ShouldBeFalse();
        batch.Events.ShouldBeEmpty();
        var error = batch.Errors.ShouldHaveSingleItem();
        error.Index.ShouldBeNull();
        error.Id.ShouldBeNull();
        error.Field.ShouldBeNull();
        return error;
    }

    public static EventError ReadBodyError(string body, EventBodyFormat format = EventBodyFormat.JsonArray) =>
        ReadBodyError(Encoding.UTF8.GetBytes(body), format);

    /// <summary>A string of <paramref name="count"/> code points, each the given text element.</summary>
    public static string Repeat(string codePoint, int count) => string.Concat(Enumerable.Repeat(codePoint, count));
}

/// <summary>Compares accepted events by their content: every public property, documents included.</summary>
internal static class Json
{
    public static string Of(PlatformEvent accepted) => JsonSerializer.Serialize(accepted);

    public static string Of(IEnumerable<PlatformEvent> accepted) => JsonSerializer.Serialize(accepted);
}
