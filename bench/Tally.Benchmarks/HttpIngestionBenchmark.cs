using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tally.Access;
using Tally.Benchmarking;
using Tally.Server;
using Tally.Storage.DuckDb;
using Tally.Storage.Postgres;

namespace Tally.Benchmarks;

/// <summary>What one timed phase measured.</summary>
internal sealed record PhaseResult(long Events, TimeSpan Elapsed, TimeSpan CpuTime, int Gen0, int Gen1, int Gen2, long AllocatedBytes, MachineCpu? Machine)
{
    public double EventsPerSecond => Events / Elapsed.TotalSeconds;

    /// <summary>CPU time of the whole process over wall time, in cores (2.0 = both cores of a 2-core box busy).</summary>
    public double CoresBusy => CpuTime.TotalSeconds / Elapsed.TotalSeconds;

    /// <summary>Cores kept busy by other processes meanwhile (machine busy minus this process), when the OS tells.</summary>
    public double? OtherCoresBusy => Machine is { } machine ? Math.Max(0, machine.BusyCores - CoresBusy) : null;

    public static PhaseMeter Start() => new();
}

internal sealed class PhaseMeter
{
    private readonly Stopwatch _watch;
    private readonly TimeSpan _cpu;
    private readonly int _gen0 = GC.CollectionCount(0), _gen1 = GC.CollectionCount(1), _gen2 = GC.CollectionCount(2);
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: false);
    private readonly MachineCpu.Sample? _machine = MachineCpu.Read();

    public PhaseMeter()
    {
        using var process = Process.GetCurrentProcess();
        _cpu = process.TotalProcessorTime;
        _watch = Stopwatch.StartNew();
    }

    /// <summary>The time since the phase started.</summary>
    public TimeSpan Elapsed => _watch.Elapsed;

    public PhaseResult Stop(long events)
    {
        var elapsed = _watch.Elapsed;
        using var process = Process.GetCurrentProcess();
        return new PhaseResult(events, elapsed, process.TotalProcessorTime - _cpu,
            GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2,
            GC.GetTotalAllocatedBytes(precise: false) - _allocated, MachineCpu.Between(_machine, MachineCpu.Read()));
    }
}

/// <summary>The whole machine's CPU over a phase, from /proc/stat (Linux); null elsewhere.</summary>
internal sealed record MachineCpu(double BusyCores, double IoWaitCores)
{
    internal readonly record struct Sample(long Busy, long IoWait, long Total);

    public static Sample? Read()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal
            var idle = fields[3];
            var ioWait = fields[4];
            var total = fields.Sum();
            return new Sample(total - idle - ioWait, ioWait, total);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    public static MachineCpu? Between(Sample? start, Sample? end)
    {
        if (start is not { } a || end is not { } b || b.Total <= a.Total)
        {
            return null;
        }

        double total = b.Total - a.Total;
        return new MachineCpu(Environment.ProcessorCount * (b.Busy - a.Busy) / total, Environment.ProcessorCount * (b.IoWait - a.IoWait) / total);
    }
}

/// <summary>
/// What the HTTP phase measured (<see cref="Acknowledged"/>: when the last request was answered, before the reports
/// caught up); on PostgreSQL also the database server's CPU over the measured phase (cores) and its costliest
/// statements (pg_stat_statements, measured phase only).
/// </summary>
internal sealed record HttpResult(PhaseResult Phase, TimeSpan Acknowledged, double[] LatenciesMs, long StatsStoredEvents, double? DatabaseCoresBusy = null, IReadOnlyList<string>? Statements = null, long? DatabaseBytes = null);

/// <summary>
/// The real server in this process on a fresh store, and <c>clients</c> HTTP clients each POSTing one batch at a
/// time and waiting for its durable 200 before the next.
/// </summary>
internal static class HttpIngestionBenchmark
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task<HttpResult> RunAsync(Workload workload, int warmupBatches, int clients, bool serverLogs, BenchPostgres? postgres = null)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "tally-bench-http-" + Guid.NewGuid().ToString("N"));
        var database = postgres is null ? null : await postgres.CreateDatabaseAsync("http");
        var adminKey = ApiKeySecrets.NewSecret();
        var unlimited = new RateLimit(PermitsPerSecond: 1_000_000, Burst: 1_000_000);
        var options = new TallyServerOptions
        {
            OpenStore = database is null ? () => DuckDbStore.Open(dataDirectory) : () => PostgresStore.Open(database),
            Urls = "http://127.0.0.1:0",
            BootstrapAdminKey = adminKey,
            RateLimits = Enum.GetValues<Role>().ToDictionary(role => role, _ => unlimited),
        };

        // The server's own request logging (Information) would interleave with the table; it is kept quiet
        // unless asked for. Everything else is the server as `tally serve` builds it.
        string[] args = serverLogs ? [] : ["--Logging:LogLevel:Default=Warning"];
        var app = await TallyApplication.BuildAsync(options, args);
        try
        {
            await app.StartAsync();
            var baseAddress = new Uri(app.Urls.First());
            using var admin = NewClient(baseAddress, adminKey);

            // Ingest with an ingest-role key, as a platform would (the bootstrap key reads the stats).
            var ingestKey = await CreateIngestKeyAsync(admin);
            var http = Enumerable.Range(0, clients).Select(_ => NewClient(baseAddress, ingestKey)).ToArray();
            try
            {
                var warmup = Enumerable.Range(0, warmupBatches).ToArray();
                var measured = Enumerable.Range(warmupBatches, workload.Bodies.Count - warmupBatches).ToArray();
                await SendAllAsync(http, workload, warmup, new double[warmup.Length]);

                var latencies = new double[measured.Length];
                if (database is not null)
                {
                    await BenchPostgres.ResetStatementsAsync(database);
                }

                var databaseCpu = postgres?.ServerCpuSeconds();
                var meter = PhaseResult.Start();
                await SendAllAsync(http, workload, measured, latencies);
                var acknowledged = meter.Elapsed;
                var measuredEvents = measured.Sum(b => (long)workload.Batches[b].Length);

                // The clock stops when the reports reflect every event: the stats read waits for the aggregates.
                var stored = await VerifyStatsAsync(admin, workload);
                var phase = meter.Stop(measuredEvents);
                var databaseCores = postgres?.ServerCpuSeconds() - databaseCpu is { } seconds ? seconds / phase.Elapsed.TotalSeconds : (double?)null;
                if (database is null)
                {
                    return new HttpResult(phase, acknowledged, latencies, stored);
                }

                var statements = await BenchPostgres.TopStatementsAsync(database, 15, phase.Elapsed.TotalMilliseconds);
                return new HttpResult(phase, acknowledged, latencies, stored, databaseCores, statements, await BenchPostgres.DatabaseSizeAsync(database));
            }
            finally
            {
                foreach (var client in http)
                {
                    client.Dispose();
                }
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            ScratchFolders.TryDelete(dataDirectory);
            if (database is not null)
            {
                await postgres!.DropDatabaseAsync(database);
            }
        }
    }

    private static HttpClient NewClient(Uri baseAddress, string key)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<string> CreateIngestKeyAsync(HttpClient admin)
    {
        using var content = new StringContent("""{"name":"benchmark ingest","role":"ingest"}""", Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(new Uri("/api/v2/admin/api-keys", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new BenchmarkFailedException($"Creating the ingest key answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("key").GetString()
            ?? throw new BenchmarkFailedException($"The created key has no secret: {body}");
    }

    /// <summary>The clients share a queue of batch numbers; each sends one batch and waits for its 200 before taking the next.</summary>
    private static async Task SendAllAsync(HttpClient[] clients, Workload workload, int[] batchNumbers, double[] latenciesMs)
    {
        var next = -1;
        using var failed = new CancellationTokenSource();
        async Task ClientLoop(HttpClient client)
        {
            int slot;
            while ((slot = Interlocked.Increment(ref next)) < batchNumbers.Length && !failed.IsCancellationRequested)
            {
                var batch = batchNumbers[slot];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await SendBatchAsync(client, workload, batch, failed.Token);
                }
                catch
                {
                    await failed.CancelAsync();
                    throw;
                }

                latenciesMs[slot] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        var loops = clients.Select(client => Task.Run(() => ClientLoop(client))).ToArray();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (loops.Any(l => l.IsFaulted))
        {
            // Report the first real failure, not the cancellations it caused.
            throw loops.First(l => l.IsFaulted).Exception!.InnerException!;
        }
    }

    private static async Task SendBatchAsync(HttpClient client, Workload workload, int batch, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(workload.Bodies[batch]);
        content.Headers.ContentType = Json;
        using var response = await client.PostAsync(new Uri("/api/v2/events", UriKind.Relative), content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchmarkFailedException($"Batch {batch}: POST /api/v2/events answered {(int)response.StatusCode}: {Shorten(body)}");
        }

        using var document = JsonDocument.Parse(body);
        var accepted = document.RootElement.GetProperty("accepted").GetInt32();
        var duplicates = document.RootElement.GetProperty("duplicates").GetInt32();
        var sent = workload.Batches[batch].Length;
        if (accepted != sent || duplicates != 0)
        {
            throw new BenchmarkFailedException($"Batch {batch}: sent {sent} new events, the server answered accepted={accepted}, duplicates={duplicates}.");
        }
    }

    /// <summary>The server's own per-company, per-type counts must equal what was sent: every event stored once.</summary>
    private static async Task<long> VerifyStatsAsync(HttpClient admin, Workload workload)
    {
        using var response = await admin.GetAsync(new Uri("/api/v2/admin/ingestion-stats/", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchmarkFailedException($"GET /api/v2/admin/ingestion-stats/ answered {(int)response.StatusCode}: {Shorten(body)}");
        }

        var expected = workload.CountByCompanyAndType();
        var problems = new List<string>();
        long storedTotal = 0;
        using var document = JsonDocument.Parse(body);
        var seen = new HashSet<long>();
        foreach (var company in document.RootElement.EnumerateArray())
        {
            var id = company.GetProperty("company_id").GetInt64();
            seen.Add(id);
            var stored = company.GetProperty("stored_events").GetInt64();
            storedTotal += stored;
            var duplicates = company.GetProperty("duplicates_received").GetInt64();
            var rejected = company.GetProperty("requests_rejected").GetInt64();
            if (duplicates != 0 || rejected != 0)
            {
                problems.Add($"company {id}: duplicates_received={duplicates}, requests_rejected={rejected} (expected 0, 0)");
            }

            foreach (var byType in company.GetProperty("stored_events_by_type").EnumerateObject())
            {
                var want = expected.GetValueOrDefault((id, byType.Name));
                if (byType.Value.GetInt64() != want)
                {
                    problems.Add($"company {id}, {byType.Name}: stored {byType.Value.GetInt64()}, sent {want}");
                }
            }
        }

        foreach (var company in expected.Keys.Select(k => k.Company).Distinct().Where(c => !seen.Contains(c)))
        {
            problems.Add($"company {company}: missing from the stats");
        }

        if (storedTotal != workload.EventCount)
        {
            problems.Insert(0, string.Create(CultureInfo.InvariantCulture, $"stored_events total {storedTotal:N0}, events sent {workload.EventCount:N0}"));
        }

        if (problems.Count > 0)
        {
            throw new BenchmarkFailedException("Ingestion stats do not match what was sent:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems));
        }

        return storedTotal;
    }

    private static string Shorten(string text) => text.Length <= 500 ? text : text[..500] + "…";
}

/// <summary>The run is not valid: something was not stored as sent. The program exits non-zero.</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
