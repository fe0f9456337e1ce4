using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Tally.Soak;

/// <summary>
/// Report readers: each requests the seven reports in turn, for the five companies of the workload in turn, over the
/// year the events are spread on, pausing between two requests; every answer must be a 200.
/// </summary>
internal sealed class ReportReaders(Options options, Func<HttpClient> newClient, Recorder recorder)
{
    public static readonly string[] Reports = ["chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "connections"];

    // The companies of the ingestion benchmark's workload (bench/Tally.Benchmarks/Workload.cs).
    private static readonly long[] Companies = [1001, 1002, 1003, 1004, 1005];

    private long _next;

    public async Task RunAsync(CancellationToken stop)
    {
        await Task.WhenAll(Enumerable.Range(0, options.Readers).Select(_ => Task.Run(() => ReaderLoopAsync(stop), CancellationToken.None)));
    }

    private async Task ReaderLoopAsync(CancellationToken stop)
    {
        using var client = newClient();
        while (!stop.IsCancellationRequested)
        {
            var turn = Interlocked.Increment(ref _next) - 1;
            var report = Reports[turn % Reports.Length];
            var company = Companies[turn / Reports.Length % Companies.Length];
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var query = string.Create(CultureInfo.InvariantCulture,
                $"/api/v2/reporting/{report}?company_id={company}&start_date={today.AddDays(-366):yyyy-MM-dd}&end_date={today:yyyy-MM-dd}");
            try
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri(query, UriKind.Relative), stop);
                var body = await response.Content.ReadAsByteArrayAsync(stop);
                recorder.Latency("report " + report, Stopwatch.GetElapsedTime(started));
                if (response.StatusCode != HttpStatusCode.OK || body.Length == 0)
                {
                    recorder.Error($"GET {query}: answered {(int)response.StatusCode} ({body.Length} bytes)");
                }

                await Task.Delay(options.ReaderPause, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                recorder.Error($"GET {query}: {exception.GetType().Name}: {exception.Message}");
            }
        }
    }
}
