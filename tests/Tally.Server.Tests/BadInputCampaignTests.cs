using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tally.Access;

namespace Tally.Server.Tests;

/// <summary>
/// A seeded campaign of malformed requests over every endpoint (bodies, encodings, parameters, paths, headers), as a
/// careless or hostile client sends them: every answer is a 4xx with a JSON message, never a 5xx; the server stays
/// up; and what it stores (companies, keys, ingestion statistics, every report) is the same afterwards. Each
/// generated request is one that must be refused, so a 2xx is a failure too. Bounded in count and in time.
/// </summary>
public sealed class BadInputCampaignTests : IAsyncLifetime
{
    private const int Seed = 20_261_203;
    private const int Requests = 1_200;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);
    private static readonly DateTime Day = new(2026, 3, 2, 10, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Reports = ["chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "connections"];

    private TestServer _server = null!;
    private string _ingestKey = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        using var admin = _server.Client();
        (await admin.PutAsync("/api/v2/admin/companies/1", TestServer.Json("""{"name": "One", "timezone": "Europe/Paris"}"""))).EnsureSuccessStatusCode();
        (await admin.PostAsync("/api/v2/events", TestServer.Json(ValidEvents(new Random(1), 30)))).EnsureSuccessStatusCode();
        _ingestKey = await _server.CreateKeyAsync(Role.Ingest, 1);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_malformed_request_is_a_4xx_with_a_json_message_and_nothing_stored_changes()
    {
        var before = await SnapshotAsync();
        var random = new Random(Seed);
        var deadline = DateTime.UtcNow + Budget;
        using var http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var failures = new List<string>();
        var sent = 0;
        for (; sent < Requests && DateTime.UtcNow < deadline; sent++)
        {
            var (name, request) = Next(random);
            using (request)
            using (var response = await http.SendAsync(request))
            {
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                if (status is < 400 or > 499)
                {
                    failures.Add($"#{sent} {name}: {status} {Shorten(body)}");
                }
                else if (response.Content.Headers.ContentType?.MediaType != "application/json" || !IsJsonMessage(body))
                {
                    failures.Add($"#{sent} {name}: {status} without a JSON message: {Shorten(body)}");
                }
            }

            if (failures.Count >= 10)
            {
                break;
            }
        }

        failures.ShouldBeEmpty($"seed {Seed}, {sent} requests");
        sent.ShouldBeGreaterThan(200, "the campaign ran");
        using var health = await http.GetAsync("/health");
        health.IsSuccessStatusCode.ShouldBeTrue("the server is up");
        var after = await SnapshotAsync();
        foreach (var (read, json) in before)
        {
            after[read].ShouldBe(json, $"{read} changed");
        }
    }

    /// <summary>One request that must be refused, and what it is (to name it when it is not).</summary>
    private (string Name, HttpRequestMessage Request) Next(Random random)
    {
        var events = Encoding.UTF8.GetBytes(ValidEvents(random, random.Next(1, 20)));
        switch (random.Next(16))
        {
            case 0:
                return ("events: random bytes", Events(RandomBytes(random, random.Next(1, 400))));
            case 1:
                // Any prefix of a JSON array that stops before its closing bracket is not JSON.
                return ("events: cut short", Events(events[..random.Next(0, events.Length - 1)]));
            case 2:
                return ("events: a field made invalid", Events(Encoding.UTF8.GetBytes(WithInvalidField(random, Encoding.UTF8.GetString(events)))));
            case 3:
                var gzip = Gzip(events);
                return ("events: gzip cut short", Events(gzip[..random.Next(0, gzip.Length - 1)], encoding: "gzip"));
            case 4:
                var damaged = Gzip(events);
                damaged[^(1 + random.Next(8))] ^= (byte)(1 + random.Next(255)); // the CRC-32 or the size trailer
                return ("events: gzip trailer damaged", Events(damaged, encoding: "gzip"));
            case 5:
                return ("events: not gzip but said to be", Events(events, encoding: "gzip"));
            case 6:
                return ("events: an unknown encoding", Events(events, encoding: random.Next(2) == 0 ? "br" : "compress"));
            case 7:
                return ("events: another media type", Events(events, contentType: random.Next(2) == 0 ? "text/plain" : "application/xml"));
            case 8:
                var utf8 = Encoding.UTF8.GetString(events);
                var at = utf8.IndexOf("\"id\": \"", StringComparison.Ordinal) + 7;
                return ("events: invalid UTF-8 in a string", Events([.. Encoding.UTF8.GetBytes(utf8[..at]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(utf8[at..])]));
            case 9:
                var depth = random.Next(65, 5_000);
                return ("events: nested too deeply", Events(Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth))));
            case 10:
                return ("events: an ingest key sending another company's events", Events(Encoding.UTF8.GetBytes(ValidEvents(random, 3, company: 2)), key: _ingestKey));
            case 11:
                return ("admin: a company body that is not a valid company", Send(HttpMethod.Put, $"/api/v2/admin/companies/{random.Next(1, 50)}",
                    Encoding.UTF8.GetBytes(Pick(random, ["[]", "\"x\"", "{\"name\": ", "{\"name\": 5}", "{\"timezone\": \"Mars/Olympus\"}", "{\"name\": \"k\\ud800\"}"]))));
            case 12:
                return ("admin: a key body that is not a valid key", Send(HttpMethod.Post, "/api/v2/admin/api-keys",
                    Encoding.UTF8.GetBytes(Pick(random, ["{}", "{\"name\": \"k\"}", "{\"name\": \"k\", \"role\": \"root\"}", "{\"name\": \"k\", \"role\": \"ingest\", \"company_id\": -1}", "{\"name\": \"k\\udc00\", \"role\": \"ingest\"}", "{\"name\": [], \"role\": \"ingest\"}"]))));
            case 13:
                return ("admin: a key id that was never issued", Send(HttpMethod.Delete, Pick(random, ["/api/v2/admin/api-keys/999999", "/api/v2/admin/api-keys/-1", "/api/v2/admin/api-keys/x", "/api/v2/admin/api-keys/1e3"]), null));
            case 14:
                var report = Pick(random, Reports);
                return ("reports: a bad parameter", Send(HttpMethod.Get, $"/api/v2/reporting/{report}/?{BadQuery(random, report)}", null));
            default:
                return ("auth: a key that is not one", Send(HttpMethod.Get, $"/api/v2/reporting/{Pick(random, Reports)}/?start_date=2026-03-01", null,
                    key: Pick(random, ["", "tally_", "tally_" + new string('A', random.Next(1, 300)), "Bearer", "x y z"])));
        }
    }

    private static HttpRequestMessage Events(byte[] body, string? encoding = null, string contentType = "application/json", string key = TestServer.AdminKey)
    {
        var request = Send(HttpMethod.Post, "/api/v2/events", body, key, contentType);
        if (encoding is not null)
        {
            request.Content!.Headers.ContentEncoding.Add(encoding);
        }

        return request;
    }

    private static HttpRequestMessage Send(HttpMethod method, string path, byte[]? body, string? key = TestServer.AdminKey, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {key}");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return request;
    }

    private static string BadQuery(Random random, string report) => random.Next(report is "user-activities" or "connections" ? 8 : 7) switch
    {
        0 => "",
        1 => $"start_date={Pick(random, ["2026-02-30", "2026-13-01", "01/03/2026", "2026-3-1", "0000-00-00", "99999-01-01", "2026-03-01T00:00:00Z", "%00"])}",
        2 => "start_date=2026-03-02&end_date=2026-03-01",
        3 => $"start_date=2026-03-01&company_id={Pick(random, ["0", "-1", "x", "1.5", "99999999999999999999999", "1&company_id=1"])}",
        4 => "start_date=2026-03-01&start_date=2026-03-02",
        5 => $"start_date=2026-03-01&company_id=424242",
        6 => $"start_date=2026-03-01&format={Pick(random, ["xml", "CSV2", ""])}",
        _ => $"start_date=2026-03-01&user_id={Pick(random, ["-5", "abc", "1e9"])}", // the reports that take a user
    };

    private static string WithInvalidField(Random random, string events)
    {
        var array = JsonNode.Parse(events)!.AsArray();
        var target = array[random.Next(array.Count)]!.AsObject();
        switch (random.Next(6))
        {
            case 0:
                target["type"] = "no_such_type";
                break;
            case 1:
                target["timestamp"] = Pick(random, ["2026-13-45T00:00:00Z", "yesterday", "", "2026-03-02"]);
                break;
            case 2:
                target["company_id"] = Pick(random, new JsonNode?[] { 0, -3, "1", null, 1.5 });
                break;
            case 3:
                target["id"] = Pick(random, new JsonNode?[] { "", null, 7, new string('x', 10_000) });
                break;
            case 4:
                target.Remove("user_id");
                break;
            default:
                target["user_id"] = Pick(random, new JsonNode?[] { "seven", -1, 0, new JsonArray() });
                break;
        }

        return array.ToJsonString();
    }

    private static string ValidEvents(Random random, int count, long company = 1) => new JsonArray([.. Enumerable.Range(0, count).Select(_ => (JsonNode)new JsonObject
    {
        ["id"] = $"campaign-{random.NextInt64():x}",
        ["type"] = "connection",
        ["timestamp"] = Day.AddMinutes(random.Next(1_000)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["company_id"] = company,
        ["user_id"] = random.Next(1, 40),
    })]).ToJsonString(new JsonSerializerOptions { WriteIndented = false }).Replace("\"id\":\"", "\"id\": \"", StringComparison.Ordinal);

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return compressed.ToArray();
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        // A random body that happens to start a JSON array or object is still not a valid batch; keep it binary.
        bytes[0] = (byte)random.Next(0x80, 0x100);
        return bytes;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];

    private static bool IsJsonMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.EnumerateObject().Any();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    /// <summary>The statistics but the count of refused requests, which the campaign is meant to raise.</summary>
    private static string WithoutRejections(string stats)
    {
        var companies = JsonNode.Parse(stats)!.AsArray();
        foreach (var company in companies)
        {
            company!.AsObject().Remove("requests_rejected");
        }

        return companies.ToJsonString();
    }

    /// <summary>Everything the server stores, as it reads back: companies, keys (but their last use), ingestion statistics (but refusals) and every report.</summary>
    private async Task<Dictionary<string, string>> SnapshotAsync()
    {
        using var http = _server.Client();
        var keys = JsonNode.Parse(await http.GetStringAsync("/api/v2/admin/api-keys"))!.AsArray();
        foreach (var key in keys)
        {
            key!.AsObject().Remove("last_used_at");
        }

        var reads = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["companies"] = await http.GetStringAsync("/api/v2/admin/companies"),
            ["keys"] = keys.ToJsonString(),
            ["ingestion-stats"] = WithoutRejections(await http.GetStringAsync("/api/v2/admin/ingestion-stats")),
        };
        foreach (var report in Reports)
        {
            var json = JsonNode.Parse(await http.GetStringAsync($"/api/v2/reporting/{report}/?start_date=2026-02-20&end_date=2026-03-10"))!.AsObject();
            json.Remove("generated_at");
            reads[report] = json.ToJsonString();
        }

        return reads;
    }
}
