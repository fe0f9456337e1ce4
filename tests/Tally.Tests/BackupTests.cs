using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// <c>tally backup</c> and <c>tally restore</c>, as an operator runs them: the real server acknowledges events from
/// concurrent clients while a backup is taken through it; the backup, restored into an empty folder, holds every event
/// acknowledged before the backup began, every commit whole or not at all, and reports that a rebuild from its events
/// does not change. A store no server holds is backed up from its folder.
/// </summary>
public sealed partial class BackupTests : IDisposable
{
    private const string AdminKey = "backup-test-admin-key-0123456789abcdef";
    private const int Clients = 2;
    private const int MaxBatchesPerClient = 400;
    private const int EventsPerBatch = 100;
    private const string Range = "start_date=2024-12-31&end_date=2025-01-10";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("tally-backup-");

    [Fact]
    public async Task A_backup_taken_under_ingestion_restores_every_event_acknowledged_before_it_with_consistent_reports()
    {
        var original = Path.Combine(_root.FullName, "original");
        var backup = Path.Combine(_root.FullName, "mid-stream.duckdb");
        var acknowledged = new ConcurrentQueue<(int Client, int Batch)>();
        (int Client, int Batch)[] beforeBackup;
        long storedAtTheEnd;

        await using (var server = await TallyProcess.ServeAsync(original, AdminKey))
        {
            using (var http = Client(server.Address))
            {
                (await CreateKeyAsync(http)).ShouldBe(1);
            }

            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                using var http = Client(server.Address);
                for (var batch = 0; batch < MaxBatchesPerClient && !stop.IsCancellationRequested; batch++)
                {
                    using var response = await http.PostAsync("/api/v2/events", EventsHttp.Json(BatchJson(client, batch)));
                    response.StatusCode.ShouldBe(HttpStatusCode.OK);
                    acknowledged.Enqueue((client, batch));
                }
            })).ToList();

            await WaitUntilAsync(() => acknowledged.Count >= 40 || senders.Any(sender => sender.IsCompleted));
            beforeBackup = [.. acknowledged];
            var backedUp = await TallyProcess.RunAsync(["backup", "--url", server.Address.ToString(), "--key", AdminKey, "--to", backup]);
            backedUp.ExitCode.ShouldBe(0, backedUp.StandardError);
            backedUp.StandardOutput.ShouldContain("Backed up");

            // The folder of a served store is refused in one line: the server holds it.
            var refused = await TallyProcess.RunAsync(["backup", "--data", original, "--to", Path.Combine(_root.FullName, "refused.duckdb")]);
            refused.ExitCode.ShouldBe(1, refused.StandardOutput + refused.StandardError);
            refused.StandardError.Trim().Split('\n').ShouldHaveSingleItem().ShouldContain("served by another process");
            File.Exists(Path.Combine(_root.FullName, "refused.duckdb")).ShouldBeFalse();

            var acknowledgedAfterBackup = acknowledged.Count;
            await WaitUntilAsync(() => acknowledged.Count >= acknowledgedAfterBackup + 20 || senders.All(sender => sender.IsCompleted));
            await stop.CancelAsync();
            await Task.WhenAll(senders);
            using (var http = Client(server.Address))
            {
                storedAtTheEnd = await EventsHttp.StoredEventsAsync(http);
            }

            await server.StopAsync();
        }

        storedAtTheEnd.ShouldBe(acknowledged.Count * (long)EventsPerBatch);
        beforeBackup.Length.ShouldBeGreaterThan(0);

        // Restoring never goes into a folder that holds anything.
        var notEmpty = await TallyProcess.RunAsync(["restore", "--from", backup, "--data", original]);
        notEmpty.ExitCode.ShouldBe(1, notEmpty.StandardError);
        notEmpty.StandardError.Trim().Split('\n').ShouldHaveSingleItem().ShouldContain("is not empty");

        var restored = Path.Combine(_root.FullName, "restored");
        var restore = await TallyProcess.RunAsync(["restore", "--from", backup, "--data", restored]);
        restore.ExitCode.ShouldBe(0, restore.StandardError);
        var storedInBackup = RestoredEvents(restore.StandardOutput);
        storedInBackup.ShouldBeGreaterThanOrEqualTo(beforeBackup.Length * (long)EventsPerBatch, "every batch acknowledged before the backup began");
        storedInBackup.ShouldBeLessThan(storedAtTheEnd, "the backup was taken mid-stream");

        Dictionary<string, string> reports;
        await using (var server = await TallyProcess.ServeAsync(restored, AdminKey))
        {
            using var http = Client(server.Address);
            (await EventsHttp.StoredEventsAsync(http)).ShouldBe(storedInBackup);
            reports = await ReadReportsAsync(http);
            (await CreateKeyAsync(http)).ShouldBe(2, "the key ids go on after the restored ones");
            await server.StopAsync();
        }

        // The restored aggregates are those its events give.
        var rebuild = await TallyProcess.RunAsync(["rebuild", "--data", restored]);
        rebuild.ExitCode.ShouldBe(0, rebuild.StandardError);
        await using (var server = await TallyProcess.ServeAsync(restored, AdminKey))
        {
            using var http = Client(server.Address);
            var rebuilt = await ReadReportsAsync(http);
            foreach (var (report, json) in reports)
            {
                rebuilt[report].ShouldBe(json, $"{report} after a rebuild of the restored store");
            }

            // Each batch acknowledged before the backup is in it; every other batch is in it whole or not at all.
            var before = beforeBackup.ToHashSet();
            long found = 0;
            foreach (var (client, batch) in acknowledged)
            {
                var duplicates = (await EventsHttp.PostAsync(http, BatchJson(client, batch))).Duplicates;
                if (before.Contains((client, batch)))
                {
                    duplicates.ShouldBe(EventsPerBatch, $"batch {batch} of client {client} was acknowledged before the backup");
                }
                else
                {
                    duplicates.ShouldBeOneOf(0, EventsPerBatch);
                }

                found += duplicates;
            }

            found.ShouldBe(storedInBackup);
            await server.StopAsync();
        }

        // Once no server holds it, the original folder is backed up directly, with everything acknowledged.
        var offline = Path.Combine(_root.FullName, "offline.duckdb");
        var direct = await TallyProcess.RunAsync(["backup", "--data", original, "--to", offline]);
        direct.ExitCode.ShouldBe(0, direct.StandardError);
        var offlineRestore = await TallyProcess.RunAsync(["restore", "--from", offline, "--data", Path.Combine(_root.FullName, "offline")]);
        offlineRestore.ExitCode.ShouldBe(0, offlineRestore.StandardError);
        RestoredEvents(offlineRestore.StandardOutput).ShouldBe(storedAtTheEnd);
    }

    [Fact]
    public async Task A_file_that_is_not_a_backup_is_one_line_and_leaves_the_folder_empty()
    {
        var notABackup = Path.Combine(_root.FullName, "notes.txt");
        await File.WriteAllTextAsync(notABackup, "not a database");
        var folder = Path.Combine(_root.FullName, "target");

        var result = await TallyProcess.RunAsync(["restore", "--from", notABackup, "--data", folder]);

        result.ExitCode.ShouldBe(1, result.StandardError);
        result.StandardError.Trim().Split('\n').ShouldHaveSingleItem().ShouldContain("is not a Tally backup");
        Directory.EnumerateFileSystemEntries(folder).ShouldBeEmpty();
    }

    private static long RestoredEvents(string output) =>
        long.Parse(RestoredCount().Match(output).Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"and ([\d,]+) events")]
    private static partial Regex RestoredCount();

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }

    private static async Task<Dictionary<string, string>> ReadReportsAsync(HttpClient http)
    {
        var reports = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var company in new[] { 1, 2, 3 })
        {
            foreach (var report in new[] { "chat-sessions", "users", "user-activities" })
            {
                var json = JsonNode.Parse(await http.GetStringAsync($"/api/v2/reporting/{report}/?{Range}&company_id={company}"))!.AsObject();
                json.Remove("generated_at");
                reports[$"{report} {company}"] = json.ToJsonString();
            }
        }

        return reports;
    }

    private static async Task<long> CreateKeyAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/api/v2/admin/api-keys", EventsHttp.Json("""{"name": "platform", "role": "ingest"}"""));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!["id"]!.GetValue<long>();
    }

    /// <summary>A batch of questions and connections over three companies, on fixed days in January 2025.</summary>
    private static string BatchJson(int client, int batch)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < EventsPerBatch; i++)
        {
            var company = 1 + ((client + i) % 3);
            var timestamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds((((batch * EventsPerBatch) + i) * 7) + client)
                .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var type = i % 10 == 0 ? "connection" : "user_query";
            var session = type == "user_query" ? $",\"session_id\":\"s-{client}-{batch}\",\"mode\":\"chat\"" : "";
            json.Append(CultureInfo.InvariantCulture,
                $"{{\"id\":\"c{client}-b{batch}-e{i}\",\"type\":\"{type}\",\"timestamp\":\"{timestamp}\",\"company_id\":{company},\"user_id\":{1 + (i % 50)}{session}}}");
            json.Append(i < EventsPerBatch - 1 ? "," : "]");
        }

        return json.ToString();
    }

    private static HttpClient Client(Uri address) => EventsHttp.Client(address, AdminKey);

    public void Dispose() => _root.Delete(recursive: true);
}
