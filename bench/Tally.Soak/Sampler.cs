using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Tally.Testing;

namespace Tally.Soak;

/// <summary>One look at the server: its memory, what it holds and what it was told, at a moment of the run.</summary>
internal sealed record Sample(
    TimeSpan At,
    string Phase,
    long AcknowledgedEvents,
    long? StoredEvents,
    long? Rss,
    long? ManagedHeap,
    long? GcCommitted,
    double ServerCores,
    double? LoadAverage);

/// <summary>
/// Samples the server at a fixed interval, printing a line each time: VmRSS, the managed heap (runtime counters),
/// the events acknowledged so far and the events its ingestion stats say are stored, and the CPU it used since the
/// previous sample.
/// </summary>
internal sealed class Sampler(TallyProcess server, RuntimeCounters? counters, IngestionLoad ingestion, HttpClient admin, Recorder recorder)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Sample> _samples = [];
    private TimeSpan _lastCpu = server.CpuTime();
    private TimeSpan _lastAt = TimeSpan.Zero;

    public IReadOnlyList<Sample> Samples => _samples;

    public static string Header => "  time    phase    acknowledged       stored     VmRSS   managed heap  GC committed  server cores  load avg";

    public async Task<Sample> TakeAsync(string phase, CancellationToken cancellationToken)
    {
        var stored = await StoredEventsAsync(cancellationToken);
        var at = _clock.Elapsed;
        var cpu = server.CpuTime();
        var cores = at > _lastAt ? (cpu - _lastCpu).TotalSeconds / (at - _lastAt).TotalSeconds : 0;
        (_lastCpu, _lastAt) = (cpu, at);
        var sample = new Sample(at, phase, ingestion.AcknowledgedEvents, stored, server.Status("VmRSS"), counters?.ManagedHeapBytes, counters?.GcCommittedBytes, cores, LoadAverage());
        _samples.Add(sample);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {(int)at.TotalMinutes,3}:{at.Seconds:00}  {phase,-7} {sample.AcknowledgedEvents,13:N0} {Count(stored),12} {Mib(sample.Rss),9} {Mib(sample.ManagedHeap),14} {Mib(sample.GcCommitted),13} {cores,13:N2} {sample.LoadAverage,9:N1}"));
        return sample;
    }

    /// <summary>Samples every <paramref name="interval"/> until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(string phase, TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await TakeAsync(phase, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The phase is over.
        }
    }

    /// <summary>The sum of stored_events over the companies of GET /api/v2/admin/ingestion-stats/.</summary>
    private async Task<long?> StoredEventsAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await admin.GetAsync(new Uri("/api/v2/admin/ingestion-stats/", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        recorder.Latency("ingestion-stats", Stopwatch.GetElapsedTime(started));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            recorder.Error($"GET /api/v2/admin/ingestion-stats/: answered {(int)response.StatusCode} {body}");
            return null;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.EnumerateArray().Sum(company => company.GetProperty("stored_events").GetInt64());
    }

    /// <summary>The machine's one-minute load average (/proc/loadavg): how busy the shared machine was.</summary>
    private static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public static string Mib(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB" : "n/a";

    private static string Count(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";
}
