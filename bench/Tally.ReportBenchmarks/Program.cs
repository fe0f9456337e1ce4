using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Tally.Benchmarking;
using Tally.Events;
using Tally.ReportBenchmarks;
using static Tally.ReportBenchmarks.Measure;

// Report latency at scale: N events loaded through the store's write path, the seven reports served by the real
// in-process server over loopback HTTP, against a plain GROUP BY over the raw events table, in one run.
// From the repository root:  dotnet run -c Release --project bench/Tally.ReportBenchmarks -- [SIZES] [options]

const double TargetMedianMs = 10;
const double TargetScaling = 2;
const double TargetSpeedUp = 50;
const long TargetRssBytes = 1L << 30;
const double TargetLoadRate = 100_000;

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

var reproduce = "(from the repository root) dotnet run -c Release --project bench/Tally.ReportBenchmarks --" + (args.Length == 0 ? "" : " " + string.Join(' ', args));
var company = Organisation.Companies[(int)options.CompanyId - 1];
var lastDay = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-3);
var firstDay = lastDay.AddDays(-364);
Console.WriteLine("Tally report benchmark");
Line($"  machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC");
if (options.DuckDbSettings.Count > 0)
{
    Line($"  DIAGNOSTIC: DuckDB settings changed during the load: {string.Join(", ", options.DuckDbSettings)}");
}

#if DEBUG
Console.WriteLine("  WARNING: this is a Debug build; figures are meaningless. Run with -c Release.");
#endif
Line($"  workload: {string.Join(", ", options.Sizes.Select(Size))} events over {firstDay:yyyy-MM-dd} .. {lastDay:yyyy-MM-dd} (365 days), {Organisation.Companies.Count} companies, ~{options.Users:N0} members, {options.LatePercent}% sent late, {(options.SequentialIds ? "sequential" : "UUID")} event ids; commits of {options.BatchSize:N0} events");
Line($"  reports: company {company.Id} ({company.Name}, {company.TimeZone}), start_date={firstDay:yyyy-MM-dd} end_date={lastDay:yyyy-MM-dd}; warm-up of {options.Warmup:N0} requests or {options.WarmupSeconds:N0} s, whichever comes first, then {options.Requests} timed requests, per report over one loopback connection");

if (options.ServeOnly is { } processFolder && options.ServerProcess)
{
    var (timings, serverRss, serverPeakRss) = await ServerProcessPhase.RunAsync(processFolder, company.Id, firstDay, lastDay, options, CancellationToken.None);
    Console.WriteLine("  served by `tally serve` in its own process; this process is the client");
    ReportLines(timings, "  ");
    Line($"  server's VmRSS after serving {Mib(serverRss)}; peak {Mib(serverPeakRss)}");
    Line($"Reproduce: {reproduce}");
    return 0;
}

if (options.ServeOnly is { } servedFolder)
{
    var served = await ServePhase.RunAsync(servedFolder, company.Id, firstDay, lastDay, options, CancellationToken.None);
    ReportLines(served.Reports, "  ");

    Line($"  VmRSS after serving {Mib(served.RssAfterServing)}; after a full GC {Mib(served.RssAfterFullGc)}");
    Line($"Reproduce: {reproduce}");
    return 0;
}

var root = Path.Combine(Path.GetTempPath(), "tally-report-bench-" + Guid.NewGuid().ToString("N"));
var results = new List<SizeResult>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (options.LoadCeiling)
{
    try
    {
        foreach (var size in options.Sizes)
        {
            foreach (var keyIndex in new[] { true, false })
            {
                var directory = Path.Combine(root, $"ceiling-{size}-{keyIndex}");
                var organisation = new Organisation(size, options.Users, options.LatePercent, options.Seed, firstDay, lastDay, options.SequentialIds);
                var ceiling = await LoadCeiling.RunAsync(directory, organisation, options.BatchSize, keyIndex, cancel.Token);
                Line($"  {Size(size),-5} {ceiling.Name,-36} {ceiling.EventsPerSecond,9:N0} events/s   {ceiling.Wall.TotalSeconds,6:N1} s   commit ms p50/p95/max {Median(ceiling.CommitMs):N0} / {Percentile(ceiling.CommitMs, 0.95):N0} / {ceiling.CommitMs.Max():N0}   cores busy {ceiling.CoresBusy:N2}   database {Mib(DirectorySize(directory))}");
                ScratchFolders.TryDelete(directory);
                CollectEverything();
            }
        }
    }
    finally
    {
        ScratchFolders.TryDelete(root);
    }

    Line($"Reproduce: {reproduce}");
    return 0;
}

BenchPostgres? postgres = null;
var storeName = "DuckDbStore";
try
{
    if (options.Store is { } location)
    {
        postgres = await BenchPostgres.StartAsync(location, cancel.Token);
        storeName = "PostgresStore";
        Line($"  store: {postgres.Description}");
    }

    foreach (var size in options.Sizes)
    {
        var directory = Path.Combine(root, "n" + size.ToString(CultureInfo.InvariantCulture));
        var database = postgres is null ? null : await postgres.CreateDatabaseAsync("n" + size.ToString(CultureInfo.InvariantCulture), cancel.Token);
        Console.WriteLine();
        Line($"  === {Size(size)} events ({(database is null ? directory : "database " + new Npgsql.NpgsqlConnectionStringBuilder(database).Database)}) ===");
        var organisation = new Organisation(size, options.Users, options.LatePercent, options.Seed, firstDay, lastDay, options.SequentialIds);

        Line($"  [1/3] load through {storeName}.AppendAsync ...");
        var load = await LoadPhase.RunAsync(directory, organisation, size, options.BatchSize, company.Id, options.DuckDbSettings, cancel.Token, postgres, database);
        Line($"        {load.Events:N0} events ({load.LateEvents:N0} late, {load.Members:N0} members) committed in {load.AppendWall.TotalSeconds:N1} s, aggregates caught up {load.CatchUp.TotalSeconds:N1} s later: {load.EventsPerSecond:N0} events/s with aggregates ({load.AppendOnlyEventsPerSecond:N0} commit-only); closing (checkpoint) {load.Dispose.TotalSeconds:N1} s; database {Mib(load.DatabaseBytes)}");
        Line($"        mix: {string.Join(", ", load.CountsByType.Select(p => $"{WireNames.Of(p.Key)} {100.0 * p.Value / load.Events:N1}%"))}");
        if (load.Statements is { } loadStatements)
        {
            Line($"        CPU during the load: this process (store client, generator) {load.CoresBusy:N2} cores, PostgreSQL {(load.DatabaseCores is { } dbCores ? dbCores.ToString("N2", CultureInfo.InvariantCulture) : "n/a")} cores");
            Console.WriteLine("        costliest statements of the load (pg_stat_statements, nested included, so totals overlap; % of the load's wall time):");
            foreach (var line in loadStatements)
            {
                Console.WriteLine("          " + line);
            }
        }

        organisation = null;
        CollectEverything();

        Console.WriteLine("  [2/3] serve the seven reports over HTTP (server in this process) ...");
        List<string>? readStatements = null;
        string? plansFile = null;
        Func<Func<Task>[], Task>? explain = null;
        if (database is not null)
        {
            await BenchPostgres.ResetStatementsAsync(database);
            explain = async reads =>
            {
                readStatements = await BenchPostgres.TopStatementsAsync(database, 25);
                if (!postgres!.Local)
                {
                    return;
                }

                var from = postgres.LogLength();
                await postgres.SetExplainAsync(on: true);
                try
                {
                    foreach (var read in reads)
                    {
                        await read();
                    }
                }
                finally
                {
                    await postgres.SetExplainAsync(on: false);
                }

                plansFile = Path.Combine(Path.GetTempPath(), $"tally-report-bench-plans-{Size(size)}-{DateTime.UtcNow:yyyyMMddHHmmss}.log");
                postgres.CopyPlans(from, plansFile);
            };
        }

        var serve = await ServePhase.RunAsync(directory, company.Id, firstDay, lastDay, options, cancel.Token, database, explain);
        Line($"        server start (open, migrate, key filter) {serve.Startup.TotalSeconds:N1} s; DuckDB memory after serving {Mib(serve.DuckDbMemory)}: {serve.DuckDbMemoryByTag}");
        Line($"        VmRSS / live managed heap: before the server {Mib(serve.RssBeforeServer)} / {Mib(serve.LiveHeapBeforeServer)}; server started, idle {Mib(serve.RssServerIdle)} / {Mib(serve.LiveHeapServerIdle)}; after serving {Mib(serve.RssAfterServing)} (as found) and {Mib(serve.RssAfterFullGc)} / {Mib(serve.LiveManagedHeap)} (after a full GC; by generation, client's last bodies included: {serve.HeapByGeneration})");
        ReportLines(serve.Reports, "        ");
        if (readStatements is not null)
        {
            Console.WriteLine("        costliest statements of the serve phase (pg_stat_statements: warm-up, timed requests and store reads):");
            foreach (var line in readStatements)
            {
                Console.WriteLine("          " + line);
            }

            if (plansFile is not null)
            {
                Line($"        EXPLAIN ANALYZE (auto_explain, BUFFERS) of every statement of one pass of the store reads: {plansFile}");
            }
        }

        Console.WriteLine(database is null ? "  [3/3] baseline: GROUP BY over the raw events table in DuckDB (server stopped) ..." : "  [3/3] baseline: GROUP BY over the raw events tables in PostgreSQL (server stopped) ...");
        CollectEverything();
        var baseline = database is null
            ? Baseline.Run(directory, company.Id, company.TimeZone, firstDay, lastDay, options)
            : PostgresBaseline.Run(database, company.Id, company.TimeZone, firstDay, lastDay, options);
        var checks = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var timing in baseline)
        {
            var tally = serve.Reports.Single(r => r.Report == timing.Report);
            var differences = Verification.Compare(timing.Report, tally.LastBody, timing.Rows);
            checks[$"{timing.Report} ({Variant(timing.Variant)})"] = differences;
            Line($"        {timing.Report,-16} {Variant(timing.Variant),-9} median {ServePhase.Format(timing.Median),8} ms   same numbers as Tally: {(differences.Count == 0 ? "yes" : $"NO, {differences.Count:N0} differences")}");
            foreach (var difference in differences.Take(5))
            {
                Console.WriteLine("            " + difference);
            }
        }

        // DuckDB internals (the DuckDB store's statements run alone) only on DuckDB; on PostgreSQL see the statement costs above.
        var (statements, tables) = database is null ? Diagnostics.Run(directory, company.Id, firstDay, lastDay, options.BaselineRuns) : ([], []);
        if (database is null)
        {
            Line($"        Tally's report SQL run alone (text of the DuckDB store's readers), median ms:");
            foreach (var s in statements)
            {
                Line($"          {s.Report,-30} {s.Statement,-46} {ServePhase.Format(s.MedianMs),8} ms  {s.Rows,9:N0} rows");
            }

            Line($"        aggregate rows (company {company.Id} / all): {string.Join(", ", tables.Select(t => $"{t.Table} {t.CompanyRows:N0}/{t.TotalRows:N0}"))}");
        }
        results.Add(new SizeResult(size, load, serve with { Reports = [.. serve.Reports.Select(r => r with { LastBody = [] })] }, [.. baseline.Select(b => b with { Rows = [] })], checks, statements));
        if (!options.KeepData)
        {
            ScratchFolders.TryDelete(directory);
        }

        if (database is not null && !(options.KeepData && !postgres!.Local))
        {
            await postgres!.DropDatabaseAsync(database);
        }

        CollectEverything();
    }
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

    if (!options.KeepData)
    {
        ScratchFolders.TryDelete(root);
    }
    else
    {
        Console.WriteLine($"  data kept in {root}");
    }
}

// ---- The table ----
var first = results[0];
var last = results[^1];
var missed = 0;
string Mark(bool met)
{
    missed += met ? 0 : 1;
    return met ? "MET" : "MISSED";
}

Console.WriteLine();
Line($"RESULTS  (company {company.Id} {company.TimeZone}, 365 days; targets checked at {Size(last.Size)} unless stated; times are medians of {options.Requests} requests, p95 beside)");
Console.WriteLine();
Console.WriteLine($"Load through {storeName}.AppendAsync, aggregates maintained (first commit until the first report read has caught up)");
Console.WriteLine("  events        commit wall  catch-up  events/s (target >= 100,000)    commit-only/s  commit ms p50/p95/max   in stalls >0.5s  cores busy (machine, iowait)  generator busy  database");
foreach (var r in results)
{
    var l = r.Load;
    Line($"  {r.Size,-12:N0}  {l.AppendWall.TotalSeconds,9:N1} s {l.CatchUp.TotalSeconds,7:N1} s  {l.EventsPerSecond,10:N0}  {Mark(l.EventsPerSecond >= TargetLoadRate),-6}            {l.AppendOnlyEventsPerSecond,11:N0}  {Median(l.CommitMs),6:N0} / {Percentile(l.CommitMs, 0.95),5:N0} / {l.CommitMs.Max(),6:N0}  {l.StallShare,13:P0}  {l.CoresBusy,6:N2} ({l.MachineBusyCores:N2}, {l.IoWaitCores:N2})          {l.GeneratorBusy.TotalSeconds,8:N1} s  {Mib(l.DatabaseBytes)}");
}

Console.WriteLine();
Line($"Reports over loopback HTTP (JSON), ms: median (p95); store read = the same store calls in-process, no HTTP/JSON");
var header = string.Join("", results.Select(r => $"{Size(r.Size) + " median (p95)",-22}"));
Line($"  {"report",-16}  {header}{"store read",-12}{"response",-11}{"< 10 ms",-9}{(results.Count > 1 ? $"{Size(last.Size)}/{Size(first.Size)} (<= 2x)" : ""),-22}");
foreach (var name in ServePhase.Reports)
{
    var cells = string.Join("", results.Select(r =>
    {
        var t = r.Serve.Reports.Single(x => x.Report == name);
        return $"{$"{ServePhase.Format(t.Median)} ({ServePhase.Format(t.P95)})",-22}";
    }));
    var lt = last.Serve.Reports.Single(x => x.Report == name);
    var ft = first.Serve.Reports.Single(x => x.Report == name);
    var scaling = lt.Median / ft.Median;
    var scalingCell = results.Count > 1 ? $"{scaling,5:N2}x {Mark(scaling <= TargetScaling)}" : "";
    Line($"  {name,-16}  {cells}{ServePhase.Format(lt.StoreMedian) + " ms",-12}{lt.ResponseBytes / 1024.0,6:N0} KiB  {Mark(lt.Median < TargetMedianMs),-9}{scalingCell}");
}

Console.WriteLine();
Line($"Baseline: GROUP BY over raw events in {(postgres is null ? "DuckDB" : "PostgreSQL")} at request time (SQL only: no HTTP, no JSON), median ms; speed-up = faster baseline / Tally HTTP median");
Line($"  {"report",-16}  {"baseline computes",-46}{string.Join("", results.Select(r => $"{Size(r.Size) + " tz / day",-22}"))}{"speed-up at " + Size(last.Size) + " (>= 50x)",-28}same numbers");
foreach (var name in ServePhase.Reports)
{
    var cells = string.Join("", results.Select(r =>
    {
        var tz = r.Baseline.Single(b => b.Report == name && b.Variant == DayVariant.TimeZone).Median;
        var day = r.Baseline.Single(b => b.Report == name && b.Variant == DayVariant.StoredDay).Median;
        return $"{$"{ServePhase.Format(tz)} / {ServePhase.Format(day)}",-22}";
    }));
    var best = Math.Min(last.Baseline.Single(b => b.Report == name && b.Variant == DayVariant.TimeZone).Median, last.Baseline.Single(b => b.Report == name && b.Variant == DayVariant.StoredDay).Median);
    var speedUp = best / last.Serve.Reports.Single(x => x.Report == name).Median;
    var what = last.Baseline.First(b => b.Report == name).What;
    var same = results.All(r => r.Checks.Where(c => c.Key.StartsWith(name + " ", StringComparison.Ordinal)).All(c => c.Value.Count == 0)) ? "yes" : "NO (see above)";
    Line($"  {name,-16}  {what,-46}{cells}{$"{speedUp,7:N1}x {Mark(speedUp >= TargetSpeedUp)}",-28}{same}");
}

Console.WriteLine();
Line($"Memory of this process at {Size(last.Size)} events, after serving every report (the server runs in-process with the benchmark)");
var rss = last.Serve.RssAfterServing;
Line($"  VmRSS {Mib(rss)}   target < 1,024 MiB  {(rss is { } bytes ? Mark(bytes < TargetRssBytes) : "n/a")}");
Line($"  as found: managed heap {Mib(last.Serve.ManagedHeap)} incl. garbage (GC committed {Mib(last.Serve.ManagedCommitted)}); DuckDB's own accounting {Mib(last.Serve.DuckDbMemory)} (memory_limit {last.Serve.DuckDbMemoryLimit ?? "n/a"}): {last.Serve.DuckDbMemoryByTag}");
Line($"  after a full compacting GC: VmRSS {Mib(last.Serve.RssAfterFullGc)}, live managed heap {Mib(last.Serve.LiveManagedHeap)} (server and benchmark, the client's last response bodies excluded), DuckDB {Mib(last.Serve.DuckDbMemoryAfterGc)}");
Line($"  before the server started (benchmark only, after the load and a full GC): VmRSS {Mib(last.Serve.RssBeforeServer)}, live managed heap {Mib(last.Serve.LiveHeapBeforeServer)}; server started, before any request (after a full GC): VmRSS {Mib(last.Serve.RssServerIdle)}, live managed heap {Mib(last.Serve.LiveHeapServerIdle)}");
Line($"  managed heap after serving and a full GC, by generation (the client's last response bodies included): {last.Serve.HeapByGeneration}");
Line($"  peak of the whole run (VmHWM, includes the load) {Mib(last.Serve.PeakRss)}");
Console.WriteLine();
Line($"Where the store's time goes: each report SQL statement alone (the DuckDB store's readers' text), median ms per size");
foreach (var (statement, index) in last.Statements.Select((s, i) => (s, i)))
{
    Line($"  {statement.Report,-30} {statement.Statement,-46} {string.Join("  ", results.Select(r => $"{Size(r.Size)} {ServePhase.Format(r.Statements[index].MedianMs),7}"))}   ({statement.Rows:N0} rows at {Size(last.Size)})");
}

Console.WriteLine();
Line($"Server start on the loaded folder: {string.Join(", ", results.Select(r => $"{Size(r.Size)} {r.Serve.Startup.TotalSeconds:N1} s"))}");
Line($"Targets missed: {missed}");
Line($"Reproduce: {reproduce}");
Console.WriteLine("Caveat: the machine is shared; server, client, generator and DuckDB share its cores and disk, so figures vary between runs.");
return options.EnforceTargets && missed > 0 ? 3 : 0;

static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));

static void ReportLines(IReadOnlyList<ReportTiming> reports, string indent)
{
    foreach (var report in reports)
    {
        var storeRead = report.StoreMs.Length == 0 || ServePhase.PeriodReports.Contains(report.Report) ? "" : $"  store read {ServePhase.Format(report.StoreMedian),7} ms";
        var warmup = $"  (after {report.Warmup.Requests:N0} warm-up requests in {report.Warmup.Elapsed.TotalSeconds:N0} s, the last {Math.Min(Warmup.TailLength, report.Warmup.Requests)}: median {ServePhase.Format(report.Warmup.TailMedianMs)} ms)";
        Line($"{indent}{report.Report,-16} median {ServePhase.Format(report.Median),7} ms  p95 {ServePhase.Format(report.P95),7} ms{storeRead}  {report.ResponseBytes / 1024.0,8:N0} KiB{warmup}");
    }
}

static string Size(long size) => size switch
{
    >= 1_000_000 when size % 1_000_000 == 0 => $"{size / 1_000_000}M",
    >= 1_000 when size % 1_000 == 0 => $"{size / 1_000}k",
    _ => size.ToString("N0", CultureInfo.InvariantCulture),
};

static string Variant(DayVariant variant) => variant == DayVariant.TimeZone ? "timezone()" : "day col";

internal sealed record SizeResult(long Size, LoadResult Load, ServeResult Serve, List<BaselineTiming> Baseline, Dictionary<string, List<string>> Checks, List<StatementTiming> Statements);
