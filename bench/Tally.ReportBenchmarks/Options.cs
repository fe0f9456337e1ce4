using System.Globalization;
using static Tally.Benchmarking.OptionValues;

namespace Tally.ReportBenchmarks;

internal sealed record Options(
    IReadOnlyList<long> Sizes,
    int BatchSize,
    int Users,
    double LatePercent,
    int Warmup,
    double WarmupSeconds,
    int Requests,
    int BaselineWarmup,
    int BaselineRuns,
    long CompanyId,
    int Seed,
    bool SequentialIds,
    bool LoadCeiling,
    IReadOnlyList<string> DuckDbSettings,
    bool ServerLogs,
    bool KeepData,
    bool EnforceTargets,
    string? ServeOnly,
    bool Help,
    string? Store = null,
    bool ServerProcess = false,
    IReadOnlyList<string>? Reports = null)
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Tally.ReportBenchmarks -- [SIZES] [options]

          SIZES, --sizes N[,N...]  event counts to load, each into its own fresh store (default 1000000,10000000;
                                   suffixes k and M are accepted: 1M,10M,100M). The last size is the one the
                                   per-size targets (latency, speed-up, memory) are checked at; the 2x scaling
                                   target compares the last size with the first.
          --batch-size N           events per store commit (default 5,000; 1 to 10,000)
          --users N                members over all companies (default 2,000, split over 5 companies)
          --late-percent P         share of events sent late, 1 hour to 30 days after they happened (default 3)
          --warmup N               untimed requests per report before timing, at most (default 1,000; at least one)
          --warmup-seconds S       ... or until S seconds of them have passed, whichever comes first (default 20): a
                                   report reaches its steady speed after hundreds of requests (JIT tiers, dynamic
                                   PGO, GC budgets; at 10M models by day took 9.4 ms after 300 calls of its code,
                                   5.6 after 900, no less after 3,000), a slow one in fewer; the median of the last
                                   50 warm-up requests is printed beside the timed ones
          --requests N             timed requests per report (default 30)
          --baseline-warmup N      untimed runs per baseline query (default 2)
          --baseline-runs N        timed runs per baseline query (default 10)
          --company ID             the company whose reports are timed, 1 to 5 (default 1, Europe/Paris, the biggest)
          --seed N                 generator seed (default 42); the same seed and day give the same events
          --ids uuid|sequential    event ids: random UUIDs, as many platforms send (default), or an increasing
                                   counter (friendlier to an index of the ids themselves)
          --load-ceiling           diagnostic instead of the benchmark: for each size, the same events appended with
                                   DuckDB's Appender straight into the events table (with and without its key
                                   index), no aggregation; compare with the store's load rate
          --duckdb-set NAME=VALUE  diagnostic: SET GLOBAL NAME = 'VALUE' on the store's DuckDB instance during the load
                                   (e.g. checkpoint_threshold=4GB), through a second connection to the same file
          --server-logs            keep the server's Information-level logs (default: warnings only)
          --keep-data              keep the data folders (default: deleted at the end)
          --enforce-targets        exit 3 when a target is missed
          --store LOCATION         run on PostgreSQL instead of DuckDB: `postgres` starts a throwaway local PostgreSQL 15
                                   cluster (tuned for the benchmark, fsync and synchronous_commit on; settings in
                                   bench/Shared/BenchPostgres.cs) and removes it afterwards; anything else is a
                                   connection string or postgres:// URL of a server whose role may CREATE DATABASE (a
                                   fresh database per size, dropped after it unless --keep-data). The baseline is then
                                   the same GROUP BYs in PostgreSQL SQL over the store's events/event_documents
                                   tables; DuckDB-internal timings are skipped; pg_stat_statements costs of the load
                                   and of the reads are printed, and on the throwaway cluster the reads' plans
                                   (auto_explain, EXPLAIN ANALYZE BUFFERS) are copied to a file. Not with
                                   --load-ceiling or --serve-only (DuckDB only).
          --serve-only DIR         diagnostic: no load and no baseline; serve and time the reports on a data folder
                                   kept by an earlier run (--keep-data prints where), to try a change of the read
                                   path without loading again
          --server-process         with --serve-only: the server is `tally serve` in a process of its own (the
                                   executable an operator runs), this one only the client; HTTP timings and the
                                   server's memory only (default: the server runs in this process)
          --reports NAME[,NAME...] with --serve-only: time over HTTP only these reports, in this order, named as
                                   printed (e.g. models?granularity=day,used-documents); default all. The
                                   in-process breakdowns still cover every report
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options(
            Sizes: [1_000_000, 10_000_000], BatchSize: 5_000, Users: 2_000, LatePercent: 3, Warmup: 1_000, WarmupSeconds: 20, Requests: 30,
            BaselineWarmup: 2, BaselineRuns: 10, CompanyId: 1, Seed: 42, SequentialIds: false, LoadCeiling: false, DuckDbSettings: [], ServerLogs: false, KeepData: false, EnforceTargets: false, ServeOnly: null, Help: false);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            options = arg switch
            {
                "-h" or "--help" or "help" => options with { Help = true },
                "--server-logs" => options with { ServerLogs = true },
                "--keep-data" => options with { KeepData = true },
                "--server-process" => options with { ServerProcess = true },
                "--load-ceiling" => options with { LoadCeiling = true },
                "--duckdb-set" => options with { DuckDbSettings = [.. options.DuckDbSettings, Setting(Value(args, ref i))] },
                "--enforce-targets" => options with { EnforceTargets = true },
                "--serve-only" => options with { ServeOnly = ExistingFolder(Value(args, ref i)) },
                "--store" => options with { Store = Value(args, ref i) },
                "--reports" => options with { Reports = ReportList(Value(args, ref i)) },
                "--sizes" => options with { Sizes = SizeList(Value(args, ref i)) },
                "--batch-size" => options with { BatchSize = Positive<int>(arg, Value(args, ref i)) },
                "--users" => options with { Users = Positive<int>(arg, Value(args, ref i)) },
                "--late-percent" => options with { LatePercent = Percent(arg, Value(args, ref i)) },
                "--warmup" => options with { Warmup = NonNegative<int>(arg, Value(args, ref i)) },
                "--warmup-seconds" => options with { WarmupSeconds = Seconds(arg, Value(args, ref i)) },
                "--requests" => options with { Requests = Positive<int>(arg, Value(args, ref i)) },
                "--baseline-warmup" => options with { BaselineWarmup = NonNegative<int>(arg, Value(args, ref i)) },
                "--baseline-runs" => options with { BaselineRuns = Positive<int>(arg, Value(args, ref i)) },
                "--company" => options with { CompanyId = Positive<long>(arg, Value(args, ref i)) },
                "--ids" => options with { SequentialIds = Value(args, ref i) switch
                {
                    "uuid" => false,
                    "sequential" => true,
                    var other => throw new ArgumentException($"--ids: '{other}' is neither uuid nor sequential."),
                } },
                "--seed" => options with { Seed = NonNegative<int>(arg, Value(args, ref i)) },
                _ when !arg.StartsWith('-') => options with { Sizes = SizeList(arg) },
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }

        if (options.Store is not null && (options.LoadCeiling || options.ServeOnly is not null))
        {
            throw new ArgumentException("--store: --load-ceiling and --serve-only run on DuckDB only.");
        }

        if (options.ServerProcess && options.ServeOnly is null)
        {
            throw new ArgumentException("--server-process: only with --serve-only DIR.");
        }

        if (options.Reports is not null && options.ServeOnly is null)
        {
            throw new ArgumentException("--reports: only with --serve-only DIR (a full run times every report).");
        }

        if (options.BatchSize > 10_000)
        {
            throw new ArgumentException("--batch-size: at most 10,000 events per commit (the server's request limit).");
        }

        if (options.CompanyId > Organisation.Companies.Count)
        {
            throw new ArgumentException($"--company: 1 to {Organisation.Companies.Count}.");
        }

        if (options.Users < 50)
        {
            throw new ArgumentException("--users: at least 50.");
        }

        return options;
    }

    private static List<string> ReportList(string text)
    {
        var reports = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var unknown = reports.Where(report => !ServePhase.AllReports.Contains(report)).ToList();
        return reports.Count == 0 ? throw new ArgumentException("--reports: give at least one report.")
            : unknown.Count > 0 ? throw new ArgumentException($"--reports: unknown {string.Join(", ", unknown)}; one of {string.Join(", ", ServePhase.AllReports)}.")
            : reports;
    }

    private static List<long> SizeList(string text)
    {
        var sizes = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Size).ToList();
        return sizes.Count > 0 ? sizes : throw new ArgumentException("SIZES: give at least one event count.");
    }

    private static long Size(string text)
    {
        var multiplier = 1L;
        if (text.EndsWith('k') || text.EndsWith('K'))
        {
            multiplier = 1_000;
            text = text[..^1];
        }
        else if (text.EndsWith('M') || text.EndsWith('m'))
        {
            multiplier = 1_000_000;
            text = text[..^1];
        }

        var value = Positive<long>("SIZES", text.Replace("_", "", StringComparison.Ordinal)) * multiplier;
        return value >= 10_000 ? value : throw new ArgumentException($"SIZES: '{text}' is too small (at least 10k events).");
    }

    private static string ExistingFolder(string path) =>
        File.Exists(Path.Combine(path, Tally.Storage.DuckDb.DuckDbStore.FileName))
            ? path
            : throw new ArgumentException($"--serve-only: '{path}' holds no {Tally.Storage.DuckDb.DuckDbStore.FileName}; give a folder kept by --keep-data.");

    private static string Setting(string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, "^[a-z_]+=[A-Za-z0-9_. ]+$")
            ? text
            : throw new ArgumentException($"--duckdb-set: '{text}' is not NAME=VALUE (letters, digits, '_', '.', ' ').");

    private static double Seconds(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 3600
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a number of seconds from 0 to 3,600.");

    private static double Percent(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 50
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a percentage from 0 to 50.");
}
