using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// <c>tally events export</c> on each engine: the demo's company 2 exported as NDJSON holds every stored event of it,
/// and sent into a new Tally (the company set up alike) gives the same reports, then only duplicates when sent again;
/// the Parquet export holds the same events in the same order; a range exports its days only.
/// </summary>
public abstract class EventsExportTests(StoreKind engine) : IAsyncLifetime
{
    private const string AdminKey = "export-test-admin-key-0123456789abcdef";
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly string Range = $"start_date={Today.AddDays(-100):yyyy-MM-dd}&end_date={Today.AddDays(1):yyyy-MM-dd}";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("tally-export-");
    private StoreEngine? _storage;

    public async Task InitializeAsync() => _storage = await StoreEngine.CreateAsync(engine, "export");

    [Fact]
    public async Task The_ndjson_export_sent_into_a_new_tally_gives_the_same_reports_and_parquet_holds_the_same_events()
    {
        Dictionary<string, string> expected;
        long stored;
        JsonNode company;
        await using (var server = await TallyProcess.ServeAsync(_storage!.CommandLineOptions, AdminKey, "--demo", "--seed", "5"))
        {
            using var http = EventsHttp.Client(server.Address, AdminKey);
            expected = await ReportsAsync(http);
            using var stats = JsonDocument.Parse(await http.GetStringAsync("/api/v2/admin/ingestion-stats/?company_id=2"));
            stored = stats.RootElement[0].GetProperty("stored_events").GetInt64();
            company = JsonNode.Parse(await http.GetStringAsync("/api/v2/admin/companies"))!.AsArray().Single(c => c!["id"]!.GetValue<long>() == 2)!;
            await server.StopAsync();
        }

        var ndjson = Path.Combine(_root.FullName, "company-2.ndjson");
        var exported = await ExportAsync("--company", "2", "-o", ndjson);
        exported.ShouldContain($"{stored:N0} events");
        var lines = await File.ReadAllLinesAsync(ndjson);
        lines.Length.ShouldBe((int)stored);

        var parquet = Path.Combine(_root.FullName, "company-2.bin");
        await ExportAsync("--company", "2", "--format", "parquet", "-o", parquet);
        var rows = await ExportedRows.FromParquetAsync(parquet);
        rows.Select(row => (row["id"], row["type"], row["timestamp"], row["company_id"], row["user_id"])).ShouldBe(lines.Select(line =>
        {
            var e = JsonNode.Parse(line)!;
            return (e["id"]!.GetValue<string>(), e["type"]!.GetValue<string>(), e["timestamp"]!.GetValue<string>()[..19] + "Z",
                e["company_id"]!.ToJsonString(), e["user_id"]!.ToJsonString());
        }));

        var week = Path.Combine(_root.FullName, "week.ndjson");
        await ExportAsync("--company", "2", "--from", $"{Today.AddDays(-10):yyyy-MM-dd}", "--to", $"{Today.AddDays(-4):yyyy-MM-dd}", "-o", week);
        var weekLines = await File.ReadAllLinesAsync(week);
        weekLines.Length.ShouldBeInRange(1, lines.Length - 1);

        var fresh = Path.Combine(_root.FullName, "fresh");
        await using (var server = await TallyProcess.ServeAsync(fresh, AdminKey))
        {
            using var http = EventsHttp.Client(server.Address, AdminKey);
            using var set = await http.PutAsync("/api/v2/admin/companies/2", EventsHttp.Json(
                $$"""{"name": {{company["name"]!.ToJsonString()}}, "timezone": {{company["timezone"]!.ToJsonString()}}}"""));
            set.StatusCode.ShouldBe(HttpStatusCode.Created);

            var (accepted, _) = await SendAsync(http, lines);
            accepted.ShouldBe(stored);
            var actual = await ReportsAsync(http);
            foreach (var (report, json) in expected)
            {
                actual[report].ShouldBe(json, $"{report} of the re-ingested export");
            }

            (await SendAsync(http, lines)).ShouldBe((0, stored), "the export sent again is only duplicates");
            await server.StopAsync();
        }
    }

    private async Task<string> ExportAsync(params string[] arguments)
    {
        var result = await TallyProcess.RunAsync(["events", "export", .. arguments, .. _storage!.CommandLineOptions], timeout: TimeSpan.FromMinutes(5));
        result.ExitCode.ShouldBe(0, result.StandardError);
        return result.StandardOutput;
    }

    /// <summary>Sends NDJSON lines, 5,000 a request, as a platform would.</summary>
    private static async Task<(long Accepted, long Duplicates)> SendAsync(HttpClient http, string[] lines)
    {
        long accepted = 0, duplicates = 0;
        foreach (var chunk in lines.Chunk(5_000))
        {
            using var response = await http.PostAsync("/api/v2/events", new StringContent(string.Join('\n', chunk), Encoding.UTF8, "application/x-ndjson"));
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            using var body = JsonDocument.Parse(text);
            accepted += body.RootElement.GetProperty("accepted").GetInt64();
            duplicates += body.RootElement.GetProperty("duplicates").GetInt64();
        }

        return (accepted, duplicates);
    }

    /// <summary>Every report of company 2 over the demo's days, without the instant each was made.</summary>
    private static async Task<Dictionary<string, string>> ReportsAsync(HttpClient http)
    {
        var reports = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var report in new[] { "chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "connections" })
        {
            var json = JsonNode.Parse(await http.GetStringAsync($"/api/v2/reporting/{report}/?{Range}&company_id=2&limit=1000"
                .Replace("&limit=1000", report == "connections" ? "&limit=1000" : "", StringComparison.Ordinal)))!.AsObject();
            json.Remove("generated_at");
            reports[report] = json.ToJsonString();
        }

        return reports;
    }

    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        _root.Delete(recursive: true);
    }
}

public sealed class DuckDbEventsExportTests() : EventsExportTests(StoreKind.DuckDb);

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresEventsExportTests() : EventsExportTests(StoreKind.PostgreSql);
