using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tally.Benchmarking;
using Tally.Soak;
using Tally.Testing;

// Soak: a real `tally serve` under mixed ingestion and reporting for a long run, telling data growth from a leak.
// From the repository root:  dotnet run -c Release --project bench/Tally.Soak -- [options]

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}

var reproduce = "(from the repository root) dotnet run -c Release --project bench/Tally.Soak --" + (args.Length == 0 ? "" : " " + string.Join(' ', args));
Console.WriteLine("Tally soak");
Line($"  machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; load average at start {File.ReadAllText("/proc/loadavg").Trim()}");
#if DEBUG
Console.WriteLine("  WARNING: this is a Debug build (and so is the server it runs); figures are meaningless. Run with -c Release.");
#endif
Line($"  load: {options.Duration.TotalMinutes:N1} min of {options.EventsPerSecond:N0} new events/s in batches of {options.BatchSize:N0} ({options.IngestClients} ingestion clients; every {options.DuplicateEvery}th request an earlier batch again, every {options.MalformedEvery}th malformed, every {options.GzipEvery}th new batch gzip), {options.Readers} report readers pausing {options.ReaderPause.TotalMilliseconds:N0} ms; then {options.Rest.TotalMinutes:N1} min of readers only; at most {options.MaxEvents:N0} events");

var root = Path.Combine(Path.GetTempPath(), "tally-soak-" + Guid.NewGuid().ToString("N"));
var adminKey = "tally-soak-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
BenchPostgres? postgres = null;
string? database = null;
TallyProcess? server = null;
RuntimeCounters? counters = null;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    cancel.Cancel();
});

HttpClient NewClient(string? key = null)
{
    var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = server!.Address,
        Timeout = TimeSpan.FromMinutes(2),
    };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? adminKey);
    return client;
}

try
{
    string[] storeArguments;
    if (options.Store is { } location)
    {
        postgres = await BenchPostgres.StartAsync(location, cancel.Token);
        database = await postgres.CreateDatabaseAsync("soak", cancel.Token);
        storeArguments = ["--store", database];
        Line($"  store: {postgres.Description}");
    }
    else
    {
        storeArguments = ["--data", root];
        Line($"  store: embedded (DuckDB) in {root}");
    }

    server = await BenchServer.StartAsync(storeArguments, adminKey, options.ServerLogs, cancel.Token);
    Line($"  server: tally serve, process {server.Id}, {server.Address}");
    counters = RuntimeCounters.TryStart(server.Id);
    var recorder = new Recorder();
    using var admin = NewClient();
    var ingestKey = await CreateIngestKeyAsync(admin, cancel.Token);
    var ingestion = new IngestionLoad(options, () => NewClient(ingestKey), recorder);
    var readers = new ReportReaders(options, () => NewClient(), recorder);
    var sampler = new Sampler(server, counters, ingestion, admin, recorder);

    // The runtime's counters arrive every few seconds: wait for a first report before the idle sample.
    await Task.Delay(TimeSpan.FromSeconds(2 * RuntimeCounters.IntervalSeconds), cancel.Token);
    Console.WriteLine();
    Console.WriteLine(Sampler.Header);
    var start = await sampler.TakeAsync("idle", cancel.Token);

    using var loadOver = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
    using var readersOver = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
    loadOver.CancelAfter(options.Duration);
    var ingesting = ingestion.RunAsync(ingestKey, loadOver.Token);
    var reading = Task.Run(async () =>
    {
        await Task.WhenAny(ingestion.FirstStored, Task.Delay(Timeout.Infinite, readersOver.Token));
        await readers.RunAsync(readersOver.Token);
    }, CancellationToken.None);
    var sampling = sampler.RunAsync("load", options.SampleEvery, loadOver.Token);
    await ingesting;
    await loadOver.CancelAsync();
    await sampling;
    var loadEnd = await sampler.TakeAsync("load end", cancel.Token);

    using (var restOver = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token))
    {
        restOver.CancelAfter(options.Rest);
        await sampler.RunAsync("rest", options.SampleEvery, restOver.Token);
    }

    await readersOver.CancelAsync();
    await reading;
    var restEnd = await sampler.TakeAsync("rest end", cancel.Token);
    var peakRss = server.Status("VmHWM");

    var problems = await Verification.CompareAsync(admin, ingestion, cancel.Token);
    counters?.Dispose();
    counters = null;
    var exitCode = await server.StopAsync(TallyProcess.StopSignal.Terminate);
    if (exitCode != 0)
    {
        problems.Add($"the server exited with {exitCode} when stopped (SIGTERM).{Environment.NewLine}{server.Describe()}");
    }

    var stored = database is null ? DirectorySize(root) : await BenchPostgres.DatabaseSizeAsync(database);

    // ---- Results ----
    var events = loadEnd.AcknowledgedEvents;
    var loadSamples = sampler.Samples.Where(s => s.Phase is "load" or "load end").ToList();
    var middle = loadSamples.MinBy(s => Math.Abs(s.AcknowledgedEvents - (events / 2.0))) ?? loadEnd;
    var lastThird = loadSamples.Where(s => s.At >= start.At + (2 * (loadEnd.At - start.At) / 3)).ToList();
    var loadSeconds = (loadEnd.At - start.At).TotalSeconds;

    Console.WriteLine();
    Line($"RESULTS  ({(database is null ? "embedded store" : "PostgreSQL")}, {loadSeconds / 60:N1} min of load + {(restEnd.At - loadEnd.At).TotalMinutes:N1} min of readers only)");
    Line($"  events ingested (acknowledged new)   {events,14:N0}   ({events / loadSeconds:N0} events/s); {ingestion.DuplicatesAcknowledged:N0} more answered as duplicates");
    Line($"  refused as they had to be            {ingestion.Refused.Values.Sum(),14:N0}   ({string.Join(", ", ingestion.Refused.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:N0}"))})");
    Line($"  errors (any other answer)            {recorder.ErrorCount,14:N0}");
    foreach (var error in recorder.FirstErrors)
    {
        Console.WriteLine("      " + error);
    }

    Line($"  stored counts = acknowledged         {(problems.Count == 0 ? "yes: per company and type, duplicates received, requests rejected" : $"NO, {problems.Count} problems")}");
    foreach (var problem in problems.Take(20))
    {
        Console.WriteLine("      " + problem);
    }

    Line($"  data on disk at the end              {Sampler.Mib(stored),14}   ({(double)stored / Math.Max(1, events):N0} bytes per event)");
    Console.WriteLine();
    Console.WriteLine("  memory                              VmRSS   managed heap");
    MemoryRow("server idle, before the load", start);
    MemoryRow($"half the events in ({middle.AcknowledgedEvents:N0})", middle);
    MemoryRow("end of the load", loadEnd);
    MemoryRow($"after {(restEnd.At - loadEnd.At).TotalMinutes:N1} min without ingestion", restEnd);
    Line($"    {"peak (VmHWM)",-34}{Sampler.Mib(peakRss),9}");
    Line($"  bytes of RSS per event ingested: whole load {PerEvent(start, loadEnd, s => s.Rss)}; first half {PerEvent(start, middle, s => s.Rss)}; second half {PerEvent(middle, loadEnd, s => s.Rss)}; last third {(lastThird.Count > 1 ? PerEvent(lastThird[0], lastThird[^1], s => s.Rss) : "n/a")}");
    Line($"  managed heap per event ingested:   whole load {PerEvent(start, loadEnd, s => s.ManagedHeap)}; first half {PerEvent(start, middle, s => s.ManagedHeap)}; second half {PerEvent(middle, loadEnd, s => s.ManagedHeap)}");
    Line($"  VmRSS over the last third of the load: min {Sampler.Mib(lastThird.Min(s => s.Rss))}, max {Sampler.Mib(lastThird.Max(s => s.Rss))}; server CPU over the load {loadSamples.Average(s => s.ServerCores):N2} cores; machine load average {sampler.Samples.Min(s => s.LoadAverage):N1} to {sampler.Samples.Max(s => s.LoadAverage):N1} (mean {sampler.Samples.Average(s => s.LoadAverage):N1}) on {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("  latency ms by request kind             count      p50      p95      p99      max");
    foreach (var (kind, count, p50, p95, p99, max) in recorder.Summary())
    {
        Line($"    {kind,-32} {count,9:N0} {p50,8:N1} {p95,8:N1} {p99,8:N1} {max,8:N1}");
    }

    Console.WriteLine();
    Line($"Reproduce: {reproduce}");
    return recorder.ErrorCount == 0 && problems.Count == 0 ? 0 : 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("SOAK STOPPED before its end (Ctrl+C or SIGTERM): no figures.");
    return 1;
}
catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or TimeoutException or JsonException or IOException)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"SOAK FAILED: {exception.GetType().Name}: {exception.Message}");
    if (server is not null)
    {
        Console.Error.WriteLine(server.Describe());
    }

    return 1;
}
finally
{
    counters?.Dispose();
    if (server is not null)
    {
        await server.DisposeAsync();
    }

    if (postgres is not null)
    {
        if (database is not null && !options.KeepData)
        {
            await postgres.DropDatabaseAsync(database);
        }

        await postgres.DisposeAsync();
    }

    if (options.KeepData)
    {
        Console.WriteLine($"  data kept in {(database is null ? root : "database " + new Npgsql.NpgsqlConnectionStringBuilder(database).Database)}");
    }
    else
    {
        ScratchFolders.TryDelete(root);
    }
}

static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));

static void MemoryRow(string name, Sample sample) =>
    Line($"    {name,-34}{Sampler.Mib(sample.Rss),9} {Sampler.Mib(sample.ManagedHeap),14}");

static string PerEvent(Sample from, Sample to, Func<Sample, long?> bytes)
{
    var events = to.AcknowledgedEvents - from.AcknowledgedEvents;
    return bytes(from) is { } a && bytes(to) is { } b && events > 0
        ? ((double)(b - a) / events).ToString("N0", CultureInfo.InvariantCulture) + " B"
        : "n/a";
}

static long DirectorySize(string directory) =>
    Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(file => file.Length) : 0;

static async Task<string> CreateIngestKeyAsync(HttpClient admin, CancellationToken cancellationToken)
{
    using var content = new StringContent("""{"name":"soak ingest","role":"ingest"}""", Encoding.UTF8, "application/json");
    using var response = await admin.PostAsync(new Uri("/api/v2/admin/api-keys", UriKind.Relative), content, cancellationToken);
    var body = await response.Content.ReadAsStringAsync(cancellationToken);
    if (response.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"Creating the ingest key answered {(int)response.StatusCode}: {body}");
    }

    using var document = JsonDocument.Parse(body);
    return document.RootElement.GetProperty("key").GetString() ?? throw new InvalidOperationException($"The created key has no secret: {body}");
}
