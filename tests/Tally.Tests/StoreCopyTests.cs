using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// <c>tally store copy</c>, as an operator runs it: the demo organisation on the embedded store, copied onto PostgreSQL
/// and from there into a new data folder, reads the same on every copy (every report of every company, the ingestion
/// statistics, the keys) and an existing key's secret keeps working. A store that already holds data is never a target.
/// </summary>
public sealed class StoreCopyTests
{
    private const string AdminKey = "copy-test-admin-key-0123456789abcdef";
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(10);

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    [Trait("Engine", "PostgreSQL")]
    public async Task The_demo_copied_onto_postgresql_and_back_into_a_folder_reads_the_same_and_keeps_its_keys()
    {
        await using var original = StoreEngine.DuckDb(Directory.CreateTempSubdirectory("tally-copy-from-").FullName);
        await using var database = await StoreEngine.PostgreSqlAsync("copy-to");
        // A folder that does not exist yet, as a copy may create it; removed at the end like the others.
        await using var back = StoreEngine.DuckDb(Path.Combine(Path.GetTempPath(), $"tally-copy-back-{Guid.NewGuid():N}"));

        string secret;
        Dictionary<string, string> expected;
        await using (var server = await TallyProcess.ServeAsync(original.CommandLineOptions, AdminKey, "--demo", "--seed", "3"))
        {
            secret = await CreateKeyAsync(server.Address);
            await IngestAsync(server.Address);
            expected = await ReadEverythingAsync(server.Address);
            await server.StopAsync();
        }

        JsonNode.Parse(expected["ingestion-stats"])!.AsArray().Sum(company => company!["duplicates_received"]!.GetValue<long>())
            .ShouldBeGreaterThan(0, "the counters the copy must carry are not all zero");

        var onto = await TallyProcess.RunAsync(["store", "copy", "--from", original.Location, "--to", database.Location], timeout: CopyTimeout);
        onto.ExitCode.ShouldBe(0, onto.StandardError);
        onto.StandardOutput.ShouldContain("Copied 3 companies");

        await using (var server = await TallyProcess.ServeOnStoreAsync(database.Location, AdminKey))
        {
            AssertSame(expected, await ReadEverythingAsync(server.Address));
            (await StatusWithKeyAsync(server.Address, secret)).ShouldBe(HttpStatusCode.OK, "the key created before the copy works on it");
            await server.StopAsync();
        }

        var intoFolder = await TallyProcess.RunAsync(["store", "copy", "--from", database.Location, "--to", back.Location], timeout: CopyTimeout);
        intoFolder.ExitCode.ShouldBe(0, intoFolder.StandardError);

        // Copies into stores that hold data are refused in one line, exit 1, before anything is written.
        var intoDatabaseAgain = await TallyProcess.RunAsync(["store", "copy", "--from", original.Location, "--to", database.Location], timeout: CopyTimeout);
        var intoFolderAgain = await TallyProcess.RunAsync(["store", "copy", "--from", original.Location, "--to", back.Location], timeout: CopyTimeout);
        foreach (var refused in new[] { intoDatabaseAgain, intoFolderAgain })
        {
            refused.ExitCode.ShouldBe(1, refused.StandardError);
            refused.StandardError.Trim().Split('\n').ShouldHaveSingleItem().ShouldContain("not empty");
        }

        await using (var server = await TallyProcess.ServeAsync(back.CommandLineOptions, AdminKey))
        {
            // The key was used on the PostgreSQL copy, so its last use moved; everything else is as it was.
            AssertSame(Without(expected), Without(await ReadEverythingAsync(server.Address)));
            (await StatusWithKeyAsync(server.Address, secret)).ShouldBe(HttpStatusCode.OK);
            (await StatusWithKeyAsync(server.Address, "tally_not-a-key")).ShouldBe(HttpStatusCode.Unauthorized, "keys are checked at all");
            await server.StopAsync();
        }
    }

    [Fact]
    public async Task A_source_folder_without_a_store_is_one_line_and_exit_2()
    {
        var empty = Directory.CreateTempSubdirectory("tally-copy-none-").FullName;
        var target = Directory.CreateTempSubdirectory("tally-copy-target-").FullName;
        try
        {
            var result = await TallyProcess.RunAsync(["store", "copy", "--from", empty, "--to", target]);

            result.ExitCode.ShouldBe(2, result.StandardError);
            result.StandardError.Trim().Split('\n').ShouldHaveSingleItem().ShouldContain("no Tally store");
            Directory.EnumerateFileSystemEntries(empty).ShouldBeEmpty();
            Directory.EnumerateFileSystemEntries(target).ShouldBeEmpty();
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
            Directory.Delete(target, recursive: true);
        }
    }

    private static Dictionary<string, string> Without(Dictionary<string, string> reads)
    {
        var copy = new Dictionary<string, string>(reads, StringComparer.Ordinal);
        copy["api-keys"] = WithoutLastUse(copy["api-keys"]);
        return copy;
    }

    /// <summary>A report without the instant it was made, the one field that differs between two reads of the same data.</summary>
    private static string WithoutGeneratedAt(string report)
    {
        var json = JsonNode.Parse(report)!.AsObject();
        json.Remove("generated_at");
        return json.ToJsonString();
    }

    private static string WithoutLastUse(string keys)
    {
        var list = JsonNode.Parse(keys)!.AsArray();
        foreach (var key in list)
        {
            key!.AsObject().Remove("last_used_at");
        }

        return list.ToJsonString();
    }

    private static void AssertSame(Dictionary<string, string> expected, Dictionary<string, string> actual)
    {
        actual.Keys.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal));
        foreach (var (read, json) in expected)
        {
            actual[read].ShouldBe(json, $"{read} differs on the copy");
        }
    }

    /// <summary>Every report of every company over the demo's days and beyond, connections paged to the end, the ingestion statistics and the keys.</summary>
    private static async Task<Dictionary<string, string>> ReadEverythingAsync(Uri server)
    {
        using var http = Client(server, AdminKey);
        var range = $"start_date={Today.AddDays(-100):yyyy-MM-dd}&end_date={Today.AddDays(1):yyyy-MM-dd}";
        var reads = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ingestion-stats"] = await http.GetStringAsync("/api/v2/admin/ingestion-stats/"),
            ["companies"] = await http.GetStringAsync("/api/v2/admin/companies"),
            ["api-keys"] = await http.GetStringAsync("/api/v2/admin/api-keys"),
        };
        foreach (var company in new[] { 1, 2, 3 })
        {
            foreach (var report in new[] { "chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "user-activities&table=users" })
            {
                var name = report.Split('&')[0];
                var extra = report.Contains('&', StringComparison.Ordinal) ? "&" + report.Split('&')[1] : "";
                reads[$"{report} {company}"] = WithoutGeneratedAt(await http.GetStringAsync($"/api/v2/reporting/{name}/?{range}&company_id={company}{extra}"));
            }

            var page = 0;
            string? cursor = null;
            do
            {
                var json = await http.GetStringAsync($"/api/v2/reporting/connections/?{range}&company_id={company}&limit=1000"
                    + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
                reads[$"connections {company} page {page++}"] = WithoutGeneratedAt(json);
                cursor = JsonNode.Parse(json)!["reporting"]!.AsArray().Single()!["next"]?.GetValue<string>();
            }
            while (cursor is not null);
        }

        return reads;
    }

    private static async Task<string> CreateKeyAsync(Uri server)
    {
        using var http = Client(server, AdminKey);
        using var response = await http.PostAsync("/api/v2/admin/api-keys",
            new StringContent("""{"name": "feeder of company 2", "role": "ingest", "company_id": 2}""", Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
    }

    /// <summary>One event sent twice and a request refused: the counters a copy must carry over.</summary>
    private static async Task IngestAsync(Uri server)
    {
        using var http = Client(server, AdminKey);
        var timestamp = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var body = $$"""[{"id": "copy-test-1", "type": "connection", "timestamp": "{{timestamp}}", "company_id": 2, "user_id": 7}]""";
        foreach (var _ in new[] { 1, 2 })
        {
            using var sent = await http.PostAsync("/api/v2/events", new StringContent(body, Encoding.UTF8, "application/json"));
            sent.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var refused = await http.PostAsync("/api/v2/events", new StringContent("""[{"id": "bad", "type": "connection", "company_id": 2}]""", Encoding.UTF8, "application/json"));
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static async Task<HttpStatusCode> StatusWithKeyAsync(Uri server, string secret)
    {
        using var http = Client(server, secret);
        using var response = await http.PostAsync("/api/v2/events", new StringContent("[]", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static HttpClient Client(Uri server, string key)
    {
        var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
