using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests;

/// <summary>Builds event JSON for tests; timestamps are fixed, never today's.</summary>
public static class Events
{
    public static readonly DateTime BaseTime = new(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    public static JsonObject Query(string id, long company = 1, long user = 7, int minute = 0, string session = "s-1") => new()
    {
        ["id"] = id,
        ["type"] = "user_query",
        ["timestamp"] = Timestamp(minute),
        ["company_id"] = company,
        ["user_id"] = user,
        ["session_id"] = session,
    };

    public static JsonObject Response(string id, long company = 1, long user = 7, int minute = 0, int documents = 1) => new()
    {
        ["id"] = id,
        ["type"] = "model_response",
        ["timestamp"] = Timestamp(minute),
        ["company_id"] = company,
        ["user_id"] = user,
        ["session_id"] = "s-1",
        ["response_id"] = "r-" + id,
        ["model"] = "model-a",
        ["documents"] = new JsonArray(Enumerable.Range(1, documents)
            .Select(d => (JsonNode)new JsonObject { ["id"] = d, ["filename"] = $"doc-{d}.pdf", ["title"] = null }).ToArray()),
    };

    public static JsonObject Connection(string id, long company = 1, long user = 7, int minute = 0) => new()
    {
        ["id"] = id,
        ["type"] = "connection",
        ["timestamp"] = Timestamp(minute),
        ["company_id"] = company,
        ["user_id"] = user,
    };

    /// <summary>A mixed, valid batch of <paramref name="count"/> events with ids prefix-0, prefix-1...</summary>
    public static JsonArray Batch(string prefix, int count, long company = 1) => new(Enumerable.Range(0, count).Select(i => (JsonNode)((i % 3) switch
    {
        0 => Query($"{prefix}-{i}", company, user: 1 + (i % 5), minute: i),
        1 => Response($"{prefix}-{i}", company, user: 1 + (i % 5), minute: i, documents: i % 4),
        _ => Connection($"{prefix}-{i}", company, user: 1 + (i % 5), minute: i),
    })).ToArray());

    public static string Ndjson(JsonArray events) =>
        string.Join("\n", events.Select(e => e!.ToJsonString()));

    public static string Timestamp(int minute) =>
        BaseTime.AddMinutes(minute).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject With(this JsonObject e, string field, JsonNode? value)
    {
        var copy = (JsonObject)e.DeepClone();
        copy[field] = value;
        return copy;
    }

    public static JsonObject Without(this JsonObject e, string field)
    {
        var copy = (JsonObject)e.DeepClone();
        copy.Remove(field);
        return copy;
    }

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
