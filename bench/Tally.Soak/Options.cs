using System.Globalization;
using static Tally.Benchmarking.OptionValues;

namespace Tally.Soak;

internal sealed record Options(
    TimeSpan Duration,
    TimeSpan Rest,
    double EventsPerSecond,
    int BatchSize,
    int IngestClients,
    int Readers,
    TimeSpan ReaderPause,
    int DuplicateEvery,
    int MalformedEvery,
    int GzipEvery,
    TimeSpan SampleEvery,
    long MaxEvents,
    bool ServerLogs,
    bool KeepData,
    bool Help,
    string? Store = null)
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Tally.Soak -- [options]

        Starts `tally serve` (this build's tally.dll, as its own process) on a fresh embedded store in a scratch folder,
        on a free loopback port, and loads it for DURATION: ingestion clients send batches at a steady rate (some sent
        again whole, which must come back as duplicates, some malformed, which must be refused with 400 or 415), and
        report readers request the seven reports in turn for the five companies. Then ingestion stops and the readers
        go on for REST, to see whether memory levels off. The server's VmRSS (/proc/PID/status) and managed heap
        (its runtime's counters, read through the diagnostics port) are sampled throughout. At the end the server's
        ingestion stats must equal what it acknowledged, and every request must have had the answer it should.

          --duration D           mixed load time (default 30m; 90s, 10m, 1h ...)
          --rest D               readers only, no ingestion, after the load (default 3m; 0 for none)
          --rate N               events per second sent, all ingestion clients together (default 1,000)
          --batch-size N         events per ingestion request (default 500; at most 10,000)
          --ingest-clients N     concurrent ingestion clients (default 2)
          --readers N            concurrent report readers (default 2)
          --reader-pause MS      pause of each reader between two reports (default 200)
          --duplicate-every N    every Nth ingestion request sends an earlier batch again (default 20; 0 for never)
          --malformed-every N    every Nth ingestion request is malformed, in turn each kind (default 25; 0 for never)
          --gzip-every N         every Nth new batch is sent gzip-compressed (default 4; 0 for never)
          --sample-every D       memory and stored events sampled this often (default 30s)
          --max-events N         stop ingesting after this many new events, whatever the time (default 5,000,000)
          --store LOCATION       run on PostgreSQL instead of the embedded store: `postgres` starts a throwaway local
                                 PostgreSQL 15 cluster (bench/Shared/BenchPostgres.cs); anything else is a connection
                                 string or postgres:// URL of a server whose role may CREATE DATABASE (a fresh database,
                                 dropped at the end unless --keep-data)
          --server-logs          keep the server's Information-level logs in its output (default: warnings only)
          --keep-data            keep the data folder (or database) at the end
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options(
            Duration: TimeSpan.FromMinutes(30), Rest: TimeSpan.FromMinutes(3), EventsPerSecond: 1_000, BatchSize: 500, IngestClients: 2,
            Readers: 2, ReaderPause: TimeSpan.FromMilliseconds(200), DuplicateEvery: 20, MalformedEvery: 25, GzipEvery: 4,
            SampleEvery: TimeSpan.FromSeconds(30), MaxEvents: 5_000_000, ServerLogs: false, KeepData: false, Help: false);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            options = arg switch
            {
                "-h" or "--help" or "help" => options with { Help = true },
                "--server-logs" => options with { ServerLogs = true },
                "--keep-data" => options with { KeepData = true },
                "--duration" => options with { Duration = TimeLength(arg, Value(args, ref i), allowZero: false) },
                "--rest" => options with { Rest = TimeLength(arg, Value(args, ref i), allowZero: true) },
                "--rate" => options with { EventsPerSecond = Positive<long>(arg, Value(args, ref i)) },
                "--batch-size" => options with { BatchSize = Positive<int>(arg, Value(args, ref i)) },
                "--ingest-clients" => options with { IngestClients = Positive<int>(arg, Value(args, ref i)) },
                "--readers" => options with { Readers = NonNegative<int>(arg, Value(args, ref i)) },
                "--reader-pause" => options with { ReaderPause = TimeSpan.FromMilliseconds(NonNegative<long>(arg, Value(args, ref i))) },
                "--duplicate-every" => options with { DuplicateEvery = NonNegative<int>(arg, Value(args, ref i)) },
                "--malformed-every" => options with { MalformedEvery = NonNegative<int>(arg, Value(args, ref i)) },
                "--gzip-every" => options with { GzipEvery = NonNegative<int>(arg, Value(args, ref i)) },
                "--sample-every" => options with { SampleEvery = TimeLength(arg, Value(args, ref i), allowZero: false) },
                "--max-events" => options with { MaxEvents = Positive<long>(arg, Value(args, ref i)) },
                "--store" => options with { Store = Value(args, ref i) },
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }

        if (options.BatchSize > 10_000)
        {
            throw new ArgumentException("--batch-size: the server takes at most 10,000 events per request.");
        }

        if (options.DuplicateEvery == 1 || options.MalformedEvery == 1)
        {
            throw new ArgumentException("--duplicate-every and --malformed-every: 0 (never) or at least 2, so that new batches are sent too.");
        }

        return options;
    }

    /// <summary>A whole number of seconds (s), minutes (m) or hours (h): 90s, 30m, 1h.</summary>
    private static TimeSpan TimeLength(string name, string text, bool allowZero)
    {
        var unit = text.Length > 0 ? text[^1] : ' ';
        var number = text.Length > 1 ? text[..^1] : "";
        if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && (value > 0 || allowZero) && value <= 100_000)
        {
            switch (unit)
            {
                case 's':
                    return TimeSpan.FromSeconds(value);
                case 'm':
                    return TimeSpan.FromMinutes(value);
                case 'h':
                    return TimeSpan.FromHours(value);
            }
        }

        if (allowZero && text == "0")
        {
            return TimeSpan.Zero;
        }

        throw new ArgumentException($"{name}: '{text}' is not a duration such as 90s, 30m or 1h.");
    }
}
