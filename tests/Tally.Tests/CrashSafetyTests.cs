using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// Durability, the hard way: the real <c>tally serve</c> takes batches from concurrent clients and is killed
/// with SIGKILL mid-stream. After a restart, every event whose request got a 200 must be there, and resending
/// every batch must store nothing twice. On every engine: the subclasses below choose it (on PostgreSQL the
/// database server keeps running; only tally is killed).
/// </summary>
public abstract class CrashSafetyTests(StoreKind engine) : IAsyncLifetime
{
    private const string AdminKey = "crash-test-admin-key-0123456789abcdef";
    private const int Clients = 4;
    private const int BatchesPerClient = 150;
    private const int EventsPerBatch = 250;

    private StoreEngine? _storage;

    public async Task InitializeAsync() => _storage = await StoreEngine.CreateAsync(engine, "crash");

    [Fact]
    public async Task Every_acknowledged_event_survives_a_kill_and_resending_stores_nothing_twice()
    {
        var batches = Enumerable.Range(0, Clients)
            .Select(client => Enumerable.Range(0, BatchesPerClient).Select(batch => BatchJson(client, batch)).ToList())
            .ToList();
        var acknowledged = new ConcurrentBag<(int Client, int Batch)>();

        await using (var server = await TallyProcess.ServeAsync(_storage!.CommandLineOptions, AdminKey))
        {
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                using var http = Client(server.Address);
                for (var batch = 0; batch < BatchesPerClient && !stop.IsCancellationRequested; batch++)
                {
                    try
                    {
                        using var response = await http.PostAsync("/api/v2/events", EventsHttp.Json(batches[client][batch]));
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.Add((client, batch));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // The server is gone.
                    }
                    catch (TaskCanceledException)
                    {
                        return;
                    }
                }
            })).ToList();

            // Kill once a good share of the batches has been acknowledged, while the rest are in flight.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < Clients * BatchesPerClient / 3 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        acknowledged.Count.ShouldBeGreaterThan(0);
        acknowledged.Count.ShouldBeLessThan(Clients * BatchesPerClient, "the kill should land mid-stream");

        await using var restarted = await TallyProcess.ServeAsync(_storage!.CommandLineOptions, AdminKey);
        using var http = Client(restarted.Address);
        var storedAfterCrash = await EventsHttp.StoredEventsAsync(http);
        storedAfterCrash.ShouldBeGreaterThanOrEqualTo(acknowledged.Count * EventsPerBatch);

        // Every acknowledged batch, sent again, is recognised event by event as already stored.
        foreach (var (client, batch) in acknowledged)
        {
            var result = await EventsHttp.PostAsync(http, batches[client][batch]);
            result.ShouldBe((0, EventsPerBatch), $"batch {batch} of client {client} was acknowledged before the kill");
        }

        // Resending everything stores each event exactly once.
        var accepted = 0;
        foreach (var batch in batches.SelectMany(b => b))
        {
            var (newlyAccepted, duplicates) = await EventsHttp.PostAsync(http, batch);
            (newlyAccepted + duplicates).ShouldBe(EventsPerBatch);
            accepted += newlyAccepted;
        }

        var total = Clients * BatchesPerClient * EventsPerBatch;
        (storedAfterCrash + accepted).ShouldBe(total);
        (await EventsHttp.StoredEventsAsync(http)).ShouldBe(total);
    }

    private static HttpClient Client(Uri address) => EventsHttp.Client(address, AdminKey);

    private static string BatchJson(int client, int batch)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < EventsPerBatch; i++)
        {
            var company = 1 + ((client + i) % 3);
            var timestamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds((batch * EventsPerBatch) + i)
                .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            json.Append(CultureInfo.InvariantCulture, $$"""
                {"id":"c{{client}}-b{{batch}}-e{{i}}","type":"user_query","timestamp":"{{timestamp}}","company_id":{{company}},"user_id":{{1 + (i % 50)}},"session_id":"s-{{client}}-{{batch}}"}
                """);
            json.Append(i < EventsPerBatch - 1 ? "," : "]");
        }

        return json.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }
    }
}

public sealed class DuckDbCrashSafetyTests() : CrashSafetyTests(StoreKind.DuckDb);

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresCrashSafetyTests() : CrashSafetyTests(StoreKind.PostgreSql);
