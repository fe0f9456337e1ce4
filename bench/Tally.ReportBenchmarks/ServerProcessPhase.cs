using Tally.Access;
using Tally.Benchmarking;
using Tally.Testing;

namespace Tally.ReportBenchmarks;

/// <summary>
/// The reports timed as an administrator's script meets them: <c>tally serve</c> on the data folder in a process of
/// its own (the executable an operator runs, with its own runtime settings), this process only the client. In
/// <see cref="ServePhase"/> the client shares the server's process, its cores' time and its garbage collector: at
/// 10M, 2–3 ms of a 455 KiB answer. HTTP timings and the server's memory only; the in-process breakdowns (store
/// reads, serialisation, DuckDB's accounting) need the server in this process.
/// </summary>
internal static class ServerProcessPhase
{
    public static async Task<(IReadOnlyList<ReportTiming> Reports, long? Rss, long? PeakRss)> RunAsync(string dataDirectory, long companyId,
        DateOnly first, DateOnly last, Options options, CancellationToken cancellationToken)
    {
        var adminKey = ApiKeySecrets.NewSecret();
        await using var server = await BenchServer.StartAsync(["--data", dataDirectory], adminKey, options.ServerLogs, cancellationToken);
        try
        {
            using var http = ServePhase.Client(server.Address, adminKey);
            var timed = options.Reports ?? ServePhase.AllReports;
            var (httpMs, bodies, warmups) = await ServePhase.TimeOverHttpAsync(http, timed, companyId, first, last, options, cancellationToken);
            var timings = ServePhase.Timings(timed, httpMs, bodies, warmups, storeMs: null);
            var (rss, peak) = (server.Status("VmRSS"), server.Status("VmHWM"));
            var exitCode = await server.StopAsync(TallyProcess.StopSignal.Terminate);
            return exitCode == 0
                ? (timings, rss, peak)
                : throw new BenchmarkFailedException($"tally serve exited with {exitCode} when stopped.{Environment.NewLine}{server.Describe()}");
        }
        catch (Exception exception) when (exception is not BenchmarkFailedException && server.HasExited)
        {
            throw new BenchmarkFailedException($"tally serve stopped during the run: {exception.Message}{Environment.NewLine}{server.Describe()}");
        }
    }
}
