using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tally.Benchmarks;

namespace Tally.Soak;

/// <summary>
/// The ingestion side of the soak: clients POSTing batches of new events at a steady rate, with, in a fixed rhythm,
/// an earlier batch sent again (every event must come back as a duplicate) and a malformed request (which must be
/// refused whole). Keeps what the server acknowledged, to compare with its stored counts at the end.
/// </summary>
internal sealed class IngestionLoad(Options options, Func<HttpClient> newClient, Recorder recorder)
{
    /// <summary>The company named by the refused "invalid event" requests, whose requests_rejected counts them.</summary>
    public const long RejectedCompany = 1005;

    private const int KeptBatches = 64;

    private static readonly (string Name, HttpStatusCode Status)[] MalformedKinds =
    [
        ("not JSON", HttpStatusCode.BadRequest),
        ("invalid event", HttpStatusCode.BadRequest),
        ("gzip cut short", HttpStatusCode.BadRequest),
        ("unsupported media type", HttpStatusCode.UnsupportedMediaType),
        ("unsupported encoding", HttpStatusCode.UnsupportedMediaType),
    ];

    private readonly string _runTag = Workload.NewRunTag();
    private readonly ConcurrentDictionary<(long Company, string Type), long> _acknowledged = new();
    private readonly ConcurrentDictionary<string, long> _refused = new(StringComparer.Ordinal);
    private readonly List<SentBatch> _recent = [];
    private readonly Lock _schedule = new();
    private readonly TaskCompletionSource _firstStored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _requests;
    private long _newBatches;
    private long _malformed;
    private long _acknowledgedEvents;
    private long _duplicatesAcknowledged;

    private sealed record SentBatch(byte[] Body, bool Gzip, int Events);

    /// <summary>New events the server acknowledged as stored.</summary>
    public long AcknowledgedEvents => Interlocked.Read(ref _acknowledgedEvents);

    /// <summary>Events the server answered as duplicates (all from batches sent again).</summary>
    public long DuplicatesAcknowledged => Interlocked.Read(ref _duplicatesAcknowledged);

    public IReadOnlyDictionary<(long Company, string Type), long> AcknowledgedByCompanyAndType => _acknowledged;

    /// <summary>Refused requests by kind of malformation (each with the status it had to get).</summary>
    public IReadOnlyDictionary<string, long> Refused => _refused;

    /// <summary>Completes when a first batch is stored: the companies exist, so reports can be read.</summary>
    public Task FirstStored => _firstStored.Task;

    /// <summary>Runs the clients until <paramref name="stop"/> is cancelled or the event cap is reached.</summary>
    public async Task RunAsync(string ingestKey, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        var clients = Enumerable.Range(0, options.IngestClients).Select(_ => newClient()).ToArray();
        foreach (var client in clients)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ingestKey);
        }

        try
        {
            await Task.WhenAll(clients.Select(client => Task.Run(() => ClientLoopAsync(client, started, stop), CancellationToken.None)));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private async Task ClientLoopAsync(HttpClient client, long started, CancellationToken stop)
    {
        var secondsPerBatch = options.BatchSize / options.EventsPerSecond;
        while (!stop.IsCancellationRequested)
        {
            long request;
            RequestKind kind;
            long? newBatch = null;
            lock (_schedule)
            {
                request = _requests++;
                kind = Kind(request);
                if (kind == RequestKind.New)
                {
                    if (_newBatches * options.BatchSize >= options.MaxEvents)
                    {
                        return;
                    }

                    newBatch = _newBatches++;
                }
            }

            try
            {
                if (newBatch is { } batch)
                {
                    // New batches keep to the rate; the others go out between them.
                    var due = TimeSpan.FromSeconds(batch * secondsPerBatch) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, stop);
                    }

                    // A request sent is seen through, never cancelled: a batch the server commits after its client
                    // gave up would be stored without being acknowledged, and the final counts could not match.
                    await SendNewAsync(client, batch);
                }
                else if (kind == RequestKind.Duplicate)
                {
                    await SendAgainAsync(client, request);
                }
                else
                {
                    await SendMalformedAsync(client, Interlocked.Increment(ref _malformed) - 1);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                recorder.Error($"ingestion request {request}: {exception.GetType().Name}: {exception.Message}");
            }
        }
    }

    private enum RequestKind
    {
        New,
        Duplicate,
        Malformed,
    }

    private RequestKind Kind(long request)
    {
        if (options.MalformedEvery > 0 && request % options.MalformedEvery == options.MalformedEvery - 1)
        {
            return RequestKind.Malformed;
        }

        lock (_recent)
        {
            return options.DuplicateEvery > 0 && request % options.DuplicateEvery == options.DuplicateEvery - 1 && _recent.Count > 0
                ? RequestKind.Duplicate
                : RequestKind.New;
        }
    }

    private async Task SendNewAsync(HttpClient client, long batch)
    {
        var workload = Generate(batch, _runTag);
        var events = workload.Batches[0];
        var gzip = options.GzipEvery > 0 && batch % options.GzipEvery == options.GzipEvery - 1;
        var body = gzip ? Compress(workload.Bodies[0]) : workload.Bodies[0];
        var (status, text, elapsed) = await PostAsync(client, body, "application/json", gzip ? "gzip" : null);
        recorder.Latency(gzip ? "ingest new (gzip)" : "ingest new", elapsed);
        var (accepted, duplicates) = Counts(status, text);
        if (accepted != events.Length || duplicates != 0)
        {
            recorder.Error($"new batch {batch}: sent {events.Length} new events, answered {(int)status} {Shorten(text)}");
            return;
        }

        foreach (var e in events)
        {
            _acknowledged.AddOrUpdate((e.CompanyId, e.Type), 1, (_, count) => count + 1);
        }

        Interlocked.Add(ref _acknowledgedEvents, accepted);
        lock (_recent)
        {
            _recent.Add(new SentBatch(body, gzip, events.Length));
            if (_recent.Count > KeptBatches)
            {
                _recent.RemoveAt(0);
            }
        }

        _firstStored.TrySetResult();
    }

    private async Task SendAgainAsync(HttpClient client, long request)
    {
        SentBatch again;
        lock (_recent)
        {
            again = _recent[(int)(request / options.DuplicateEvery % _recent.Count)];
        }

        var (status, text, elapsed) = await PostAsync(client, again.Body, "application/json", again.Gzip ? "gzip" : null);
        recorder.Latency("ingest duplicate", elapsed);
        var (accepted, duplicates) = Counts(status, text);
        if (accepted != 0 || duplicates != again.Events)
        {
            recorder.Error($"batch sent again ({again.Events} events already stored): answered {(int)status} {Shorten(text)}");
            return;
        }

        Interlocked.Add(ref _duplicatesAcknowledged, duplicates);
    }

    private async Task SendMalformedAsync(HttpClient client, long number)
    {
        var (name, expected) = MalformedKinds[number % MalformedKinds.Length];
        // Events no other request sends: were any of them stored, the final counts would show it.
        var fresh = Generate(number, _runTag + "r").Bodies[0];
        var (body, type, encoding) = name switch
        {
            "not JSON" => (NotJson(number), "application/json", (string?)null),
            "invalid event" => (InvalidEvent(number), "application/json", null),
            "gzip cut short" => (Compress(fresh)[..(Compress(fresh).Length * 2 / 3)], "application/json", "gzip"),
            "unsupported media type" => (fresh, "text/plain", null),
            _ => (fresh, "application/json", "br"),
        };
        var (status, text, elapsed) = await PostAsync(client, body, type, encoding);
        recorder.Latency("ingest malformed", elapsed);
        if (status != expected || !IsJsonObject(text))
        {
            recorder.Error($"malformed request ({name}): expected {(int)expected} with a JSON body, answered {(int)status} {Shorten(text)}");
            return;
        }

        _refused.AddOrUpdate($"{name} ({(int)expected})", 1, (_, count) => count + 1);
    }

    /// <summary>An array cut short inside its first event, before any company is named (so none counts it as rejected).</summary>
    private byte[] NotJson(long number) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $$"""[{"id":"{{_runTag}}-cut-{{number}}","type":"connection","timestamp":"2026-01-05T10:00:00Z","""));

    /// <summary>A valid event and an invalid one (its timestamp is not a date) of <see cref="RejectedCompany"/>.</summary>
    private byte[] InvalidEvent(long number) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $$"""[{"id":"{{_runTag}}-bad-{{number}}-a","type":"connection","timestamp":"2026-01-05T10:00:00Z","company_id":{{RejectedCompany}},"user_id":7},{"id":"{{_runTag}}-bad-{{number}}-b","type":"connection","timestamp":"yesterday","company_id":{{RejectedCompany}},"user_id":7}]"""));

    private Workload Generate(long number, string runTag) =>
        Workload.Generate(1, options.BatchSize, DateTime.UtcNow, chronological: false, seed: (int)(number % int.MaxValue), runTag: runTag, firstSequence: number * options.BatchSize);

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Elapsed)> PostAsync(HttpClient client, byte[] body, string type, string? encoding)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(new Uri("/api/v2/events", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text, Stopwatch.GetElapsedTime(started));
    }

    private static (int Accepted, int Duplicates) Counts(HttpStatusCode status, string body)
    {
        if (status != HttpStatusCode.OK)
        {
            return (-1, -1);
        }

        using var document = JsonDocument.Parse(body);
        return (document.RootElement.GetProperty("accepted").GetInt32(), document.RootElement.GetProperty("duplicates").GetInt32());
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Compress(byte[] body)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return compressed.ToArray();
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
