using System.Globalization;
using System.Text.Json;

namespace Tally.Events;

/// <summary>
/// A stored event written back in the wire format of docs/events.md, field names and values as a platform sends
/// them, so that an export can be sent again (it then counts as duplicates of itself) or into another Tally.
/// Absent fields are left out; the mode only beside a session, where it is read.
/// </summary>
public static class EventWireWriter
{
    public static void Write(Utf8JsonWriter json, PlatformEvent e)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(e);
        json.WriteStartObject();
        json.WriteString("id", e.Id);
        json.WriteString("type", WireNames.Of(e.Type));
        json.WriteString("timestamp", Timestamp(e.Timestamp));
        json.WriteNumber("company_id", e.CompanyId);
        json.WriteNumber("user_id", e.UserId);
        Text(json, "session_id", e.SessionId);
        if (e.SessionId is not null)
        {
            json.WriteString("mode", WireNames.Of(e.Mode));
        }

        Text(json, "response_id", e.ResponseId);
        Text(json, "model", e.Model);
        Number(json, "latency_ms", e.LatencyMs);
        Number(json, "input_tokens", e.InputTokens);
        Number(json, "output_tokens", e.OutputTokens);
        if (e.Documents.Count > 0)
        {
            json.WritePropertyName("documents");
            WriteDocuments(json, e.Documents);
        }

        Text(json, "tool_name", e.ToolName);
        Text(json, "tool_type", e.ToolType is { } toolType ? WireNames.Of(toolType) : null);
        Text(json, "status", e.ToolStatus is { } status ? WireNames.Of(status) : null);
        Number(json, "duration_ms", e.DurationMs);
        Text(json, "kind", e.FeedbackKind is { } kind ? WireNames.Of(kind) : null);
        Text(json, "user_name", e.UserName);
        Text(json, "email", e.Email);
        Text(json, "ip", e.Ip);
        Text(json, "user_agent", e.UserAgent);
        Text(json, "auth_method", e.AuthMethod);
        json.WriteEndObject();
    }

    /// <summary>The value of <c>documents</c>: an array of objects with <c>id</c>, <c>filename</c> and <c>title</c> when there is one.</summary>
    public static void WriteDocuments(Utf8JsonWriter json, IReadOnlyList<EventDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(documents);
        json.WriteStartArray();
        foreach (var document in documents)
        {
            json.WriteStartObject();
            json.WriteNumber("id", document.Id);
            json.WriteString("filename", document.Filename);
            Text(json, "title", document.Title);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>UTC with <c>Z</c>, the fraction only as long as it needs (microseconds at most, as stored).</summary>
    public static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    private static void Text(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }
}
