using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tally.Testing;

namespace Tally.Server.Tests;

/// <summary>Ingestion over HTTP, on every engine: the subclasses at the end choose it.</summary>
public abstract class IngestionTests(StoreKind engine) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(engine: engine);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string body, string contentType = "application/json", string? key = TestServer.AdminKey)
    {
        using var client = _server.Client(key);
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await client.PostAsync("/api/v2/events", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : Events.Parse(text));
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(JsonArray events) => PostAsync(events.ToJsonString());

    private async Task<long> StoredEventsAsync(long company)
    {
        using var client = _server.Client();
        using var response = await client.GetAsync($"/api/v2/admin/ingestion-stats/?company_id={company}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0; // No event ever named the company.
        }

        return Events.Parse(await response.Content.ReadAsStringAsync())[0].GetProperty("stored_events").GetInt64();
    }

    [Fact]
    public async Task A_valid_batch_is_accepted_and_stored()
    {
        var (status, body) = await PostAsync(Events.Batch("a", 30));

        status.ShouldBe(HttpStatusCode.OK);
        body.GetProperty("accepted").GetInt32().ShouldBe(30);
        body.GetProperty("duplicates").GetInt32().ShouldBe(0);
        (await StoredEventsAsync(1)).ShouldBe(30);
    }

    [Fact]
    public async Task An_empty_array_is_accepted_with_zeros()
    {
        var (status, body) = await PostAsync("[]");

        status.ShouldBe(HttpStatusCode.OK);
        body.GetProperty("accepted").GetInt32().ShouldBe(0);
        body.GetProperty("duplicates").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task The_same_batch_sent_twice_is_all_duplicates_the_second_time()
    {
        var batch = Events.Batch("twice", 50);

        var first = await PostAsync(batch);
        var second = await PostAsync(batch);

        first.Body.GetProperty("accepted").GetInt32().ShouldBe(50);
        second.Status.ShouldBe(HttpStatusCode.OK);
        second.Body.GetProperty("accepted").GetInt32().ShouldBe(0);
        second.Body.GetProperty("duplicates").GetInt32().ShouldBe(50);
        (await StoredEventsAsync(1)).ShouldBe(50);
    }

    [Fact]
    public async Task A_repeated_id_within_a_request_counts_once_and_the_first_version_stands()
    {
        var first = Events.Query("same", minute: 1);
        var changed = Events.Connection("same", minute: 2);

        var (_, body) = await PostAsync(new JsonArray(first, changed, Events.Query("other")));

        body.GetProperty("accepted").GetInt32().ShouldBe(2);
        body.GetProperty("duplicates").GetInt32().ShouldBe(1);
        using var client = _server.Client();
        var stats = Events.Parse(await client.GetStringAsync("/api/v2/admin/ingestion-stats/?company_id=1"))[0];
        stats.GetProperty("stored_events_by_type").GetProperty("user_query").GetInt64().ShouldBe(2);
        stats.GetProperty("stored_events_by_type").GetProperty("connection").GetInt64().ShouldBe(0);
        stats.GetProperty("duplicates_received").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task The_same_id_in_two_companies_is_two_events()
    {
        var (_, body) = await PostAsync(new JsonArray(Events.Query("shared", company: 1), Events.Query("shared", company: 2)));

        body.GetProperty("accepted").GetInt32().ShouldBe(2);
        (await StoredEventsAsync(2)).ShouldBe(1);
    }

    [Fact]
    public async Task A_mixed_valid_and_invalid_batch_stores_nothing_and_lists_every_problem()
    {
        var batch = Events.Batch("mixed", 10);
        batch[3] = Events.Query("bad-1").Without("timestamp");
        batch[7] = Events.Query("bad-2").With("company_id", 0).With("session_id", "");

        var (status, body) = await PostAsync(batch);

        status.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("detail").GetString().ShouldBe("2 invalid events; nothing was stored");
        var errors = body.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("id").GetString(), e.GetProperty("field").GetString())).ToList();
        errors.ShouldBe([(3, "bad-1", "timestamp"), (7, "bad-2", "company_id"), (7, "bad-2", "session_id")], ignoreOrder: true);
        (await StoredEventsAsync(1)).ShouldBe(0);
    }

    public static TheoryData<string, JsonNode?, string> InvalidFields => new()
    {
        { "id", "", "id" },
        { "id", new string('x', 129), "id" },
        { "id", "a\u0001b", "id" },
        { "id", 12, "id" },
        { "type", "user_question", "type" },
        { "type", "USER_QUERY", "type" },
        { "timestamp", "2025-03-01T09:00:00", "timestamp" },
        { "timestamp", "2025-03-01 09:00:00Z", "timestamp" },
        { "timestamp", "1999-12-31T23:59:59Z", "timestamp" },
        { "timestamp", "2999-01-01T00:00:00Z", "timestamp" },
        { "timestamp", "2025-02-30T09:00:00Z", "timestamp" },
        { "company_id", "1", "company_id" },
        { "company_id", 1.5, "company_id" },
        { "company_id", 9007199254740993, "company_id" },
        { "user_id", 0, "user_id" },
        { "user_id", null, "user_id" },
        { "session_id", null, "session_id" },
        { "session_id", "tab\there", "session_id" },
        { "mode", "Agent", "mode" },
        { "mode", 1, "mode" },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task Each_rule_gives_a_400_naming_the_field(string field, JsonNode? value, string expectedField)
    {
        var (status, body) = await PostAsync(new JsonArray(Events.Query("q-1").With(field, value)));

        status.ShouldBe(HttpStatusCode.BadRequest);
        var error = body.GetProperty("errors")[0];
        error.GetProperty("field").GetString().ShouldBe(expectedField);
        error.GetProperty("index").GetInt32().ShouldBe(0);
        error.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("model_response", "model", null, "model")]
    [InlineData("model_response", "response_id", "", "response_id")]
    [InlineData("model_response", "documents", "doc.pdf", "documents")]
    [InlineData("model_response", "latency_ms", -1, "latency_ms")]
    [InlineData("tool_call", "tool_name", null, "tool_name")]
    [InlineData("tool_call", "tool_type", "plugin", "tool_type")]
    [InlineData("tool_call", "status", "failed", "status")]
    [InlineData("tool_call", "duration_ms", 1.5, "duration_ms")]
    [InlineData("feedback", "kind", "love", "kind")]
    [InlineData("feedback", "kind", null, "kind")]
    [InlineData("member_joined", "user_name", 42, "user_name")]
    [InlineData("connection", "ip", true, "ip")]
    public async Task Type_specific_rules_give_a_400_naming_the_field(string type, string field, object? value, string expectedField)
    {
        var e = new JsonObject
        {
            ["id"] = "t-1", ["type"] = type, ["timestamp"] = Events.Timestamp(0), ["company_id"] = 1, ["user_id"] = 2,
            ["session_id"] = "s", ["response_id"] = "r", ["model"] = "m", ["tool_name"] = "web_search", ["kind"] = "like",
        };
        e[field] = value is null ? null : JsonSerializer.SerializeToNode(value);

        var (status, body) = await PostAsync(new JsonArray(e));

        status.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("errors")[0].GetProperty("field").GetString().ShouldBe(expectedField);
    }

    [Fact]
    public async Task A_nested_document_error_names_its_path()
    {
        var response = Events.Response("r-1", documents: 3);
        response["documents"]![2]!["id"] = 0;

        var (status, body) = await PostAsync(new JsonArray(response));

        status.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("errors")[0].GetProperty("field").GetString().ShouldBe("documents[2].id");
    }

    [Fact]
    public async Task Ndjson_and_json_give_the_same_result()
    {
        var batch = Events.Batch("same-result", 40);

        var json = await PostAsync(batch);
        var ndjson = await PostAsync(Events.Ndjson(batch), "application/x-ndjson; charset=utf-8");
        var jsonl = await PostAsync(Events.Ndjson(Events.Batch("jsonl", 5)), "application/jsonl");

        json.Body.GetProperty("accepted").GetInt32().ShouldBe(40);
        ndjson.Status.ShouldBe(HttpStatusCode.OK);
        ndjson.Body.GetProperty("duplicates").GetInt32().ShouldBe(40);
        jsonl.Body.GetProperty("accepted").GetInt32().ShouldBe(5);
    }

    [Fact]
    public async Task Ndjson_errors_carry_the_line_number()
    {
        var lines = $"{Events.Query("n-0").ToJsonString()}\n\n{Events.Query("n-1").Without("user_id").ToJsonString()}\n[1]\n";

        var (status, body) = await PostAsync(lines, "application/x-ndjson");

        status.ShouldBe(HttpStatusCode.BadRequest);
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        errors[0].GetProperty("index").GetInt32().ShouldBe(1);
        errors[0].GetProperty("line").GetInt32().ShouldBe(3);
        errors[0].GetProperty("field").GetString().ShouldBe("user_id");
        errors[1].GetProperty("index").ValueKind.ShouldBe(JsonValueKind.Null);
        errors[1].GetProperty("line").GetInt32().ShouldBe(4);
    }

    [Fact]
    public async Task Gzip_bodies_and_a_byte_order_mark_are_accepted()
    {
        var json = "\uFEFF" + Events.Batch("gz", 20).ToJsonString();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(json));
        }

        using var client = _server.Client();
        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await client.PostAsync("/api/v2/events", content);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Events.Parse(await response.Content.ReadAsStringAsync()).GetProperty("accepted").GetInt32().ShouldBe(20);
    }

    [Fact]
    public async Task More_than_ten_thousand_events_is_413_and_stores_nothing()
    {
        var tooMany = Events.Batch("many", 10_001);
        var exactly = Events.Batch("max", 10_000);

        var rejected = await PostAsync(tooMany);
        var accepted = await PostAsync(exactly);

        rejected.Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        rejected.Body.GetProperty("detail").GetString()!.ShouldContain("10,000");
        accepted.Status.ShouldBe(HttpStatusCode.OK);
        accepted.Body.GetProperty("accepted").GetInt32().ShouldBe(10_000);
        (await StoredEventsAsync(1)).ShouldBe(10_000);
    }

    [Fact]
    public async Task A_body_over_sixteen_mebibytes_is_413_also_when_gzipped()
    {
        var padding = new string(' ', 16 * 1024 * 1024);
        var plain = await PostAsync("[" + padding + "]");

        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("[" + padding + "]"));
        }

        using var client = _server.Client();
        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var gzipped = await client.PostAsync("/api/v2/events", content);

        plain.Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        gzipped.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        compressed.Length.ShouldBeLessThan(1024 * 1024);
    }

    [Fact]
    public async Task Another_content_type_is_415()
    {
        var (status, body) = await PostAsync(Events.Batch("ct", 1).ToJsonString(), "text/plain");

        status.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        body.GetProperty("detail").GetString()!.ShouldContain("application/json");
    }

    public static TheoryData<string> BadBodies => new()
    {
        "",
        "[",
        "[{\"id\": \"x\", ",
        "{\"id\": \"x\"}",
        "\"events\"",
        "[1, 2, 3]",
        "[{\"id\": 1e999}]",
        "[" + new string('[', 500) + new string(']', 500) + "]",
        "[{\"id\": \"" + new string('x', 2_000_000) + "\"}]",
        "\u0000\u0001\u0002garbage\u00ff",
        "[{}] trailing",
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_get_a_clear_400_and_leave_the_server_up(string body)
    {
        var (status, response) = await PostAsync(body);

        status.ShouldBe(HttpStatusCode.BadRequest);
        response.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace();
        response.GetProperty("errors").GetArrayLength().ShouldBeGreaterThan(0);
        using var client = _server.Client(null);
        (await client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StoredEventsAsync(1)).ShouldBe(0);
    }

    [Fact]
    public async Task Binary_garbage_bytes_get_a_400()
    {
        using var client = _server.Client();
        using var content = new ByteArrayContent(Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 256)).ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");

        using var response = await client.PostAsync("/api/v2/events", content);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Events.Parse(await response.Content.ReadAsStringAsync()).GetProperty("errors")[0].GetProperty("index").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Concurrent_requests_with_the_same_events_never_both_accept_them()
    {
        var batch = Events.Batch("race", 200).ToJsonString();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(batch)));

        results.ShouldAllBe(r => r.Status == HttpStatusCode.OK);
        results.Sum(r => r.Body.GetProperty("accepted").GetInt32()).ShouldBe(200);
        results.Sum(r => r.Body.GetProperty("duplicates").GetInt32()).ShouldBe(7 * 200);
        (await StoredEventsAsync(1)).ShouldBe(200);
    }

    [Fact]
    public async Task Ingestion_stats_count_rejected_requests_and_the_last_accepted_request()
    {
        // Stored times are truncated to microseconds: so is the instant before the request.
        var now = DateTime.UtcNow;
        var beforeAccepted = now.AddTicks(-(now.Ticks % 10));
        var accepted = await PostAsync(Events.Batch("stats", 3));
        var afterAccepted = DateTime.UtcNow;
        var rejected = await PostAsync(new JsonArray(Events.Query("bad").With("user_id", -1)));

        using var client = _server.Client();
        var stats = Events.Parse(await client.GetStringAsync("/api/v2/admin/ingestion-stats?company_id=1"))[0];

        accepted.Status.ShouldBe(HttpStatusCode.OK);
        rejected.Status.ShouldBe(HttpStatusCode.BadRequest);
        stats.GetProperty("company_id").GetInt64().ShouldBe(1);
        stats.GetProperty("requests_rejected").GetInt64().ShouldBe(1);
        var lastAccepted = DateTime.Parse(stats.GetProperty("last_accepted_request_at").GetString()!, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        lastAccepted.ShouldBeInRange(beforeAccepted, afterAccepted, "the accepted request's commit, not the rejected one after it");
        stats.GetProperty("stored_events").GetInt64().ShouldBe(3);
        stats.GetProperty("stored_events_by_type").EnumerateObject().Count().ShouldBe(8);
    }
}

public sealed class DuckDbIngestionTests() : IngestionTests(StoreKind.DuckDb);

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresIngestionTests() : IngestionTests(StoreKind.PostgreSql);
