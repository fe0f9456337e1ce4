using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tally.Access;
using Tally.Reports;
using Tally.Server.Http;
using Tally.Storage;

namespace Tally.ReportBenchmarks;

/// <summary>
/// Where a large or slow answer's time goes, in-process on the serving application: the store read alone (where the
/// report has one), the report built by the report service (store read and folding) and then serialised as the
/// endpoint does (same JSON options, to a null stream), each timed alone. The difference to the HTTP median is the
/// transfer and what the framework adds.
/// </summary>
internal static class AnswerProfile
{
    public sealed record Timing(string Report, double? StoreMs, double BuildMs, double SerialiseMs, long Bytes);

    public static async Task<IReadOnlyList<Timing>> RunAsync(IServiceProvider services, long companyId, DateOnly first, DateOnly last, int rounds, CancellationToken cancellationToken)
    {
        var reports = services.GetRequiredService<ReportService>();
        var models = services.GetRequiredService<ModelsReportService>();
        var store = services.GetRequiredService<IModelReportStore>();
        var query = new ReportQuery(first, last, companyId, ReportFormat.Json);
        var days = Periods.Of(new DayRange(first, last), Granularity.Day);
        return
        [
            await TimeAsync("satisfaction by day", null, () => reports.SatisfactionAsync(Caller.Bootstrap, query, cancellationToken), rounds, cancellationToken),
            await TimeAsync("used-documents by day", null, () => reports.UsedDocumentsAsync(Caller.Bootstrap, query, cancellationToken), rounds, cancellationToken),
            await TimeAsync("models by day", () => store.ReadModelUsageAsync(companyId, days, cancellationToken),
                () => models.ModelsAsync(Caller.Bootstrap, query, cancellationToken), rounds, cancellationToken),
            await TimeAsync("user-activities by month", null,
                () => reports.UserActivitiesAsync(Caller.Bootstrap, query with { Granularity = Granularity.Month }, cancellationToken), rounds, cancellationToken),
        ];
    }

    private static async Task<Timing> TimeAsync<T>(string name, Func<Task>? read, Func<Task<T>> build, int rounds, CancellationToken cancellationToken)
    {
        var storeMs = new double[rounds];
        var buildMs = new double[rounds];
        var serialiseMs = new double[rounds];
        var bytes = 0L;
        _ = await build();
        for (var round = 0; round < rounds; round++)
        {
            if (read is not null)
            {
                var readStarted = Stopwatch.GetTimestamp();
                await read();
                storeMs[round] = Stopwatch.GetElapsedTime(readStarted).TotalMilliseconds;
            }

            var started = Stopwatch.GetTimestamp();
            var report = await build();
            buildMs[round] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            using var counter = new CountingStream();
            started = Stopwatch.GetTimestamp();
            await JsonSerializer.SerializeAsync(counter, report, ErrorResponses.Json, cancellationToken);
            serialiseMs[round] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            bytes = counter.Length;
        }

        return new Timing(name, read is null ? null : Measure.Median(storeMs), Measure.Median(buildMs), Measure.Median(serialiseMs), bytes);
    }

    /// <summary>A write-only stream that keeps nothing but the count of bytes written.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
