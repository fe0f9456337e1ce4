using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Tally.Access;
using Tally.Server;
using Tally.Storage;
using Tally.Storage.DuckDb;
using Tally.Storage.Postgres;
using static Tally.ReportBenchmarks.Measure;

namespace Tally.ReportBenchmarks;

/// <summary>A report's warm-up: how many requests, how long, and the median of the last <see cref="TailLength"/>.</summary>
internal sealed record Warmup(int Requests, TimeSpan Elapsed, double TailMedianMs)
{
    public const int TailLength = 50;
}

/// <summary>One report's timings: over HTTP (the whole request) and of the store reads it makes, called in-process.</summary>
internal sealed record ReportTiming(string Report, double[] HttpMs, double[] StoreMs, long ResponseBytes, byte[] LastBody, Warmup Warmup)
{
    public double Median => Measure.Median(HttpMs);

    public double P95 => Percentile(HttpMs, 0.95);

    public double StoreMedian => Measure.Median(StoreMs);
}

internal sealed record ServeResult(
    TimeSpan Startup,
    IReadOnlyList<ReportTiming> Reports,
    long? RssBeforeServer,
    long? RssAfterServing,
    long? PeakRss,
    long ManagedHeap,
    long ManagedCommitted,
    long? DuckDbMemory,
    string? DuckDbMemoryLimit,
    string DuckDbMemoryByTag,
    long? RssAfterFullGc,
    long LiveManagedHeap,
    long? DuckDbMemoryAfterGc,
    long LiveHeapBeforeServer,
    long? RssServerIdle,
    long LiveHeapServerIdle,
    string HeapByGeneration);

/// <summary>
/// The real server in this process on the loaded data folder, timed through loopback HTTP with one keep-alive
/// connection: a warm-up, then rounds in which each report is requested once (so noise spreads over all of them).
/// </summary>
internal static class ServePhase
{
    private static readonly string[] GenerationNames = ["gen0", "gen1", "gen2", "LOH", "POH"];

    public static readonly string[] Reports = ["chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "connections", "satisfaction"];

    /// <summary>
    /// The dated reports by month (and used-documents cut to its top fifty) and the models report (by day and by month),
    /// timed over HTTP after the reports above; their numbers are checked by the reference tests, not against a
    /// baseline here. Named "report?parameters".
    /// </summary>
    public static readonly string[] PeriodReports =
    [
        "chat-sessions?granularity=month", "chats-feedback?granularity=month", "tools?granularity=month",
        "used-documents?granularity=month&limit=50", "user-activities?granularity=month", "used-documents?granularity=day&limit=50",
        "models?granularity=day", "models?granularity=month", "satisfaction?granularity=month",
    ];

    /// <summary>Every report timed, by name: <see cref="Reports"/>, then <see cref="PeriodReports"/>.</summary>
    public static readonly string[] AllReports = [.. Reports, .. PeriodReports];

    public static async Task<ServeResult> RunAsync(string dataDirectory, long companyId, DateOnly first, DateOnly last, Options options, CancellationToken cancellationToken,
        string? database = null, Func<Func<Task>[], Task>? explain = null)
    {
        CollectEverything();
        var rssBefore = ProcStatus("VmRSS");
        var liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        var adminKey = ApiKeySecrets.NewSecret();
        var unlimited = new RateLimit(PermitsPerSecond: 1_000_000, Burst: 1_000_000);
        var serverOptions = new TallyServerOptions
        {
            OpenStore = database is null ? () => DuckDbStore.Open(dataDirectory) : () => PostgresStore.Open(database),
            Urls = "http://127.0.0.1:0",
            BootstrapAdminKey = adminKey,
            RateLimits = Enum.GetValues<Role>().ToDictionary(role => role, _ => unlimited),
        };
        string[] args = options.ServerLogs ? [] : ["--Logging:LogLevel:Default=Warning"];

        var starting = Stopwatch.StartNew();
        var app = await TallyApplication.BuildAsync(serverOptions, args, cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            var startup = starting.Elapsed;

            // The server started, no request yet: what opening the store costs (after a full GC).
            CollectEverything();
            var rssIdle = ProcStatus("VmRSS");
            var liveIdle = GC.GetTotalMemory(forceFullCollection: true);
            var baseAddress = new Uri(app.Urls.First());
            using var http = Client(baseAddress, adminKey);
            var timed = options.Reports ?? AllReports;
            var (httpMs, bodies, warmups) = await TimeOverHttpAsync(http, timed, companyId, first, last, options, cancellationToken);

            // The same reads straight from the store (no HTTP, no JSON): how much of a request the SQL is.
            var store = app.Services.GetRequiredService<IReportStore>();
            var days = new DayRange(first, last);
            var reads = new Func<Task>[]
            {
                () => store.ReadDayTotalsAsync(companyId, days, cancellationToken),
                () => store.ReadDayTotalsAsync(companyId, days, cancellationToken),
                () => store.ReadToolDaysAsync(companyId, days, cancellationToken),
                () => store.ReadDocumentUsageAsync(companyId, days, cancellationToken),
                () => store.ReadMemberHistoryAsync(companyId, last, cancellationToken),
                () => store.ReadActivityHistoryAsync(companyId, days, null, cancellationToken),
                () => store.ReadConnectionsAsync(companyId, days, null, null, 101, cancellationToken),
                () => store.ReadRatingDaysAsync(companyId, days, cancellationToken),
            };
            var storeMs = Reports.Select(_ => new double[Math.Max(5, options.Requests / 3)]).ToArray();
            for (var r = 0; r < Reports.Length; r++)
            {
                await reads[r]();
            }

            for (var r = 0; r < Reports.Length; r++)
            {
                CollectGarbage();
                for (var round = 0; round < storeMs[0].Length; round++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await reads[r]();
                    storeMs[r][round] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            foreach (var profile in await AnswerProfile.RunAsync(app.Services, companyId, first, last, storeMs[0].Length, cancellationToken))
            {
                var storeRead = profile.StoreMs is { } ms ? F($"store read {Format(ms)} ms, ") : "";
                Console.WriteLine(F($"        {profile.Report} in-process: {storeRead}report built (store read + folding) {Format(profile.BuildMs)} ms, serialised {Format(profile.SerialiseMs)} ms, {profile.Bytes / 1024.0:N0} KiB"));
            }

            // On PostgreSQL: every read once more with auto_explain on, for the plans (after the timings).
            if (explain is not null)
            {
                await explain(reads);
            }

            // Memory with the server up and every report served: the process (server, store, this benchmark) and DuckDB's share.
            // As found (garbage included: the client's copies of the bodies too), then after a full compacting
            // collection (what is really live).
            var rssAfter = ProcStatus("VmRSS");
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            var gc = GC.GetGCMemoryInfo();
            var (duckDbMemory, memoryLimit, byTag) = database is null ? DuckDbMemory(dataDirectory) : (null, null, "n/a (PostgreSQL)");
            var timings = Timings(timed, httpMs, bodies, warmups, storeMs);
            var lastBodies = bodies.Sum(b => b.LongLength);
            CollectEverything();
            var rssAfterGc = ProcStatus("VmRSS");
            var live = GC.GetTotalMemory(forceFullCollection: true) - lastBodies;
            var generations = GC.GetGCMemoryInfo(GCKind.FullBlocking).GenerationInfo.ToArray();
            var byGeneration = string.Join(", ", GenerationNames.Select((name, i) =>
                $"{name} {Mib(i < generations.Length ? generations[i].SizeAfterBytes : null)}"));
            var (duckDbAfterGc, _, _) = database is null ? DuckDbMemory(dataDirectory) : (null, null, "");
            return new ServeResult(startup, timings, rssBefore, rssAfter, ProcStatus("VmHWM"), heap,
                gc.TotalCommittedBytes, duckDbMemory, memoryLimit, byTag, rssAfterGc, live, duckDbAfterGc, liveBefore, rssIdle, liveIdle, byGeneration);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// Times the <paramref name="reports"/> (names of <see cref="AllReports"/>), in that order, over <paramref name="http"/> (one keep-alive
    /// connection to a server on the loaded data), each in its own block: a warm-up (<see cref="WarmUpAsync"/>), a
    /// full collection of this process (<see cref="CollectGarbage"/>: a report would otherwise pay for the garbage of the one before it:
    /// used-documents' 47 MB answers at 10M made the next report's figure when the server runs in this process), then
    /// the timed requests. Each report's milliseconds, last body and warm-up.
    /// </summary>
    public static async Task<(double[][] HttpMs, byte[][] Bodies, Warmup[] Warmups)> TimeOverHttpAsync(HttpClient http, IReadOnlyList<string> reports,
        long companyId, DateOnly first, DateOnly last, Options options, CancellationToken cancellationToken)
    {
        var range = F($"company_id={companyId}&start_date={first:yyyy-MM-dd}&end_date={last:yyyy-MM-dd}");
        var uris = reports.Select(report => report.Split('?'))
            .Select(parts => new Uri($"/api/v2/reporting/{parts[0]}/?{range}{(parts.Length > 1 ? "&" + parts[1] : "")}", UriKind.Relative)).ToArray();
        var httpMs = uris.Select(_ => new double[options.Requests]).ToArray();
        var bodies = new byte[uris.Length][];
        var warmups = new Warmup[uris.Length];
        for (var r = 0; r < uris.Length; r++)
        {
            warmups[r] = await WarmUpAsync(http, uris[r], options, cancellationToken);
            CollectGarbage();
            for (var round = 0; round < options.Requests; round++)
            {
                (bodies[r], httpMs[r][round]) = await GetAsync(http, uris[r], cancellationToken);
            }
        }

        return (httpMs, bodies, warmups);
    }

    /// <summary>
    /// Requests a report until <c>--warmup</c> requests or <c>--warmup-seconds</c> have passed, whichever comes first
    /// (at least one request). A report's code reaches its steady speed only after hundreds of requests (the JIT's
    /// tiers, dynamic PGO, the GC's budgets): at 10M, models by day over HTTP took 9.4 ms after 300 calls of its code
    /// (requests and direct calls of the report service), 5.6 ms after 900, no less after 3,000; a slow report reaches it in fewer requests, each
    /// running its loops longer. The last warm-up requests' median shows whether the timed ones start steady.
    /// </summary>
    private static async Task<Warmup> WarmUpAsync(HttpClient http, Uri uri, Options options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var last = new Queue<double>();
        var count = 0;
        do
        {
            var (_, ms) = await GetAsync(http, uri, cancellationToken);
            last.Enqueue(ms);
            if (last.Count > Warmup.TailLength)
            {
                last.Dequeue();
            }

            count++;
        }
        while (count < options.Warmup && started.Elapsed.TotalSeconds < options.WarmupSeconds);

        return new Warmup(count, started.Elapsed, Median(last));
    }

    /// <summary>
    /// The timings of the <paramref name="reports"/> timed, in their order: those of <see cref="Reports"/> with their
    /// last body and their store reads (<paramref name="storeMs"/>, by index in <see cref="Reports"/>, when timed).
    /// </summary>
    public static List<ReportTiming> Timings(IReadOnlyList<string> reports, double[][] httpMs, byte[][] bodies, Warmup[] warmups, double[][]? storeMs) =>
        [.. reports.Select((report, r) => Array.IndexOf(Reports, report) is var daily and >= 0
            ? new ReportTiming(report, httpMs[r], storeMs?[daily] ?? [], bodies[r].LongLength, bodies[r], warmups[r])
            : new ReportTiming(report, httpMs[r], [], bodies[r].LongLength, [], warmups[r]))];

    /// <summary>A keep-alive client of one connection, authenticated with <paramref name="adminKey"/>.</summary>
    public static HttpClient Client(Uri baseAddress, string adminKey)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return http;
    }

    private static async Task<(byte[] Body, double Ms)> GetAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        // Read into a plain memory stream: HttpClient's own buffering (ReadAsByteArrayAsync) rents its arrays from
        // the shared pool, which keeps them (six of 16 MiB after used-documents at 10M), and this process's memory
        // is reported as the server's.
        using var buffer = new MemoryStream();
        await (await response.Content.ReadAsStreamAsync(cancellationToken)).CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchmarkFailedException($"GET {uri} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(500, body.Length)))}");
        }

        return (body, ms);
    }

    /// <summary>
    /// DuckDB's own accounting (duckdb_memory()), through a second connection to the file the server has open:
    /// DuckDB.NET shares one database instance per file within a process, so this sees the server's instance.
    /// </summary>
    private static (long? Bytes, string? Limit, string ByTag) DuckDbMemory(string dataDirectory)
    {
        try
        {
            using var connection = new DuckDBConnection($"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), DuckDbStore.FileName)}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT (SELECT sum(memory_usage_bytes) FROM duckdb_memory())::BIGINT, current_setting('memory_limit'),
                    (SELECT string_agg(tag || ' ' || (memory_usage_bytes // 1048576) || ' MiB', ', ' ORDER BY memory_usage_bytes DESC)
                     FROM duckdb_memory() WHERE memory_usage_bytes >= 1048576)
                """;
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2));
        }
#pragma warning disable CA1031 // Diagnostic only: the figure is shown as n/a when DuckDB cannot tell.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine("        (duckdb_memory() not available: " + exception.Message + ")");
            return (null, null, "");
        }
    }

    public static string Format(double ms) => ms.ToString(ms < 10 ? "N2" : "N1", CultureInfo.InvariantCulture);
}
