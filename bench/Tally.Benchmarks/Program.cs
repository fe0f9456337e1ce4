using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Tally.Benchmarking;
using Tally.Benchmarks;

// Ingestion throughput: HTTP through the real server versus a raw DuckDB Appender ceiling, in one run; with
// --store, on PostgreSQL versus a binary COPY ceiling.
// From the repository root:  dotnet run -c Release --project bench/Tally.Benchmarks -- [batches] [options]

// DuckDB's target; PostgreSQL's (a server round trip and a durable log flush per commit, every aggregate in the
// commit's transaction) is half of it.
const double DuckDbTargetEventsPerSecond = 100_000;
const double PostgresTargetEventsPerSecond = 50_000;
const double TargetRatio = 0.33;

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

var reproduce = "dotnet run -c Release --project bench/Tally.Benchmarks --" + (args.Length == 0 ? "" : " " + string.Join(' ', args));
Console.WriteLine("Tally ingestion benchmark");
Line($"  machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : " (concurrent)")}");
#if DEBUG
Console.WriteLine("  WARNING: this is a Debug build; figures are meaningless. Run with -c Release.");
#endif
Line($"  workload: {options.Warmup} warm-up + {options.Batches} measured batches of {options.BatchSize:N0} events, {options.Clients} clients, ceiling commits every {options.Chunk:N0} events");

var total = options.Warmup + options.Batches;
var generating = System.Diagnostics.Stopwatch.StartNew();
var workload = Workload.Generate(total, options.BatchSize, DateTime.UtcNow, chronological: !options.RandomOrder);
Line($"  generated and serialized {workload.EventCount:N0} events ({workload.BodyBytes / 1024.0 / 1024.0:N1} MiB of JSON, {workload.BodyBytes / (double)workload.EventCount:N0} B/event) in {generating.Elapsed.TotalSeconds:N1} s; run tag {workload.RunTag}");
GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();

BenchPostgres? postgres = null;
try
{
    if (options.Store is { } store)
    {
        postgres = await BenchPostgres.StartAsync(store);
        Line($"  store: {postgres.Description}");
    }
    else
    {
        Console.WriteLine("  store: DuckDB (embedded, a fresh file per phase)");
    }

    Console.WriteLine("  [1/2] HTTP ingestion through the in-process server ...");
    var http = await HttpIngestionBenchmark.RunAsync(workload, options.Warmup, options.Clients, options.ServerLogs, postgres);
    Line($"        {http.Phase.EventsPerSecond:N0} events/s; verified: every response accepted all its events, ingestion stats show {http.StatsStoredEvents:N0} stored, 0 duplicates");
    // The figure counts until the reports reflect every event; how long that took after the last acknowledgement
    // depends on where the last aggregation batch falls, which is most of the spread between runs.
    Line($"        last request acknowledged after {http.Acknowledged.TotalSeconds:N2} s, reports caught up {(http.Phase.Elapsed - http.Acknowledged).TotalSeconds:N2} s later ({http.Phase.Events / http.Acknowledged.TotalSeconds:N0} events/s acknowledged)");
    if (http.Statements is { } statements)
    {
        Line($"        PostgreSQL server CPU during the measured phase: {(http.DatabaseCoresBusy is { } cores ? cores.ToString("N2", CultureInfo.InvariantCulture) : "n/a")} cores; database {(http.DatabaseBytes ?? 0) / 1048576.0:N0} MiB");
        Console.WriteLine("        costliest statements of the measured phase (pg_stat_statements; nested statements included, so totals overlap):");
        foreach (var statement in statements)
        {
            Console.WriteLine("          " + statement);
        }
    }

    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();

    Console.WriteLine(postgres is null ? "  [2/2] Ceiling: DuckDB Appender straight into the events table ..." : "  [2/2] Ceiling: PostgreSQL binary COPY into a bare table with the events' columns ...");
    var ceiling = postgres is null
        ? await CeilingBenchmark.RunAsync(workload, options.Warmup, options.Chunk)
        : await PostgresCeilingBenchmark.RunAsync(workload, options.Warmup, options.Chunk, postgres);
    Line($"        {ceiling.EventsPerSecond:N0} events/s");

    var ratio = http.Phase.EventsPerSecond / ceiling.EventsPerSecond;
    var latencies = http.LatenciesMs.Order().ToArray();
    var targetRate = postgres is null ? DuckDbTargetEventsPerSecond : PostgresTargetEventsPerSecond;
    var httpMet = http.Phase.EventsPerSecond >= targetRate;
    var ratioMet = ratio >= TargetRatio;

    Console.WriteLine();
    Row("HTTP ingestion", $"{http.Phase.EventsPerSecond,12:N0} events/s   target >= {targetRate:N0}   {(httpMet ? "MET" : "MISSED")}");
    Row(postgres is null ? "ceiling (Appender)" : "ceiling (COPY)", $"{ceiling.EventsPerSecond,12:N0} events/s");
    Row("ratio HTTP/ceiling", $"{ratio,12:N3}              target >= {TargetRatio:N2}      {(ratioMet ? "MET" : "MISSED")}");
    Row("events (measured)", $"{http.Phase.Events,12:N0}   (+{workload.EventCount - http.Phase.Events:N0} warm-up)");
    Row("batches", $"{options.Batches,12:N0}   x {options.BatchSize:N0} events");
    Row("clients", $"{options.Clients,12}");
    Row("HTTP wall time", $"{http.Phase.Elapsed.TotalSeconds,12:N2} s   ceiling {ceiling.Elapsed.TotalSeconds:N2} s");
    Row("request latency ms", $"p50 {Percentile(latencies, 0.50):N1}   p95 {Percentile(latencies, 0.95):N1}   p99 {Percentile(latencies, 0.99):N1}   max {latencies[^1]:N1}");
    Row("CPU, HTTP phase", $"{http.Phase.CoresBusy,12:N2} cores busy in this process (of {Environment.ProcessorCount}; server and clients share them){(http.DatabaseCoresBusy is { } db ? $" + {db:N2} in PostgreSQL" : "")}   GC {http.Phase.Gen0}/{http.Phase.Gen1}/{http.Phase.Gen2} (gen0/1/2)   allocated {http.Phase.AllocatedBytes / (double)http.Phase.Events:N0} B/event");
    Row("CPU, ceiling", $"{ceiling.CoresBusy,12:N2} cores busy");
    Row("other processes", $"{Others(http.Phase),12} cores busy during HTTP, {Others(ceiling)} during ceiling (noise; 0 on a quiet machine{(postgres is null ? "" : "; PostgreSQL's own processes are counted here too")})");
    Row("reproduce", $"(from the repository root) {reproduce}");
    Console.WriteLine();
    Console.WriteLine("Caveat: server, clients and the database share this machine's cores and disk; on a small or noisy machine figures vary between runs.");

    return options.EnforceTargets && !(httpMet && ratioMet) ? 3 : 0;
}
catch (BenchmarkFailedException exception)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine("BENCHMARK FAILED: " + exception.Message);
    return 1;
}
finally
{
    if (postgres is not null)
    {
        await postgres.DisposeAsync();
    }
}

static void Row(string name, FormattableString value) => Console.WriteLine($"  {name,-20} {value.ToString(CultureInfo.InvariantCulture)}");

static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));

static string Others(PhaseResult phase) => phase.OtherCoresBusy is { } others ? others.ToString("N2", CultureInfo.InvariantCulture) : "n/a";

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
