using static Tally.Benchmarking.OptionValues;

namespace Tally.Benchmarks;

internal sealed record Options(int Batches, int Warmup, int Clients, int BatchSize, int Chunk, bool ServerLogs, bool EnforceTargets, bool Help, bool RandomOrder = false, string? Store = null)
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Tally.Benchmarks -- [BATCHES] [options]

          BATCHES, --batches N   measured batches (default 1,000, i.e. 1,000,000 events)
          --warmup N             warm-up batches sent first, not timed, while the JIT settles (default 100)
          --clients N            concurrent HTTP clients, one request in flight each (default 4)
          --batch-size N         events per request, at most 10,000 (default 1,000)
          --chunk N              events per transaction in the ceiling (default 4,000)
          --server-logs          keep the server's Information-level logs (default: warnings only)
          --random-order         timestamps in random order over the year (worst case for the aggregates)
                                 instead of as a platform sends them (chronological, 2% late by up to 30 days)
          --store LOCATION       run on PostgreSQL instead of DuckDB: `postgres` starts a throwaway local PostgreSQL 15
                                 cluster (tuned for the benchmark, fsync and synchronous_commit on) and removes it
                                 afterwards; anything else is a connection string or postgres:// URL of a server whose
                                 role may CREATE DATABASE (a fresh database per phase, dropped after it). The ceiling
                                 is then binary COPY of the same events into a bare table (no index) in PostgreSQL.
          --enforce-targets      exit 3 when a target (HTTP >= 100,000 events/s on DuckDB, 50,000 on PostgreSQL; ratio >= 0.33) is missed
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options(Batches: 1_000, Warmup: 100, Clients: 4, BatchSize: 1_000, Chunk: 4_000, ServerLogs: false, EnforceTargets: false, Help: false);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            options = arg switch
            {
                "-h" or "--help" => options with { Help = true },
                "--server-logs" => options with { ServerLogs = true },
                "--enforce-targets" => options with { EnforceTargets = true },
                "--random-order" => options with { RandomOrder = true },
                "--batches" => options with { Batches = Positive<int>(arg, Value(args, ref i)) },
                "--warmup" => options with { Warmup = NonNegative<int>(arg, Value(args, ref i)) },
                "--clients" => options with { Clients = Positive<int>(arg, Value(args, ref i)) },
                "--batch-size" => options with { BatchSize = Positive<int>(arg, Value(args, ref i)) },
                "--chunk" => options with { Chunk = Positive<int>(arg, Value(args, ref i)) },
                "--store" => options with { Store = Value(args, ref i) },
                _ when !arg.StartsWith('-') => options with { Batches = Positive<int>("BATCHES", arg) },
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }

        if (options.BatchSize > 10_000)
        {
            throw new ArgumentException("--batch-size: the server takes at most 10,000 events per request.");
        }

        return options;
    }

}
