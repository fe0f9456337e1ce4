using System.Diagnostics.Metrics;
using Tally.Events;
using Tally.Ingestion;
using Tally.Storage;

namespace Tally.Observability;

/// <summary>
/// Tally's instruments, on the BCL's <see cref="Meter"/> named <see cref="MeterName"/>: the core records the facts
/// where they happen and the host decides how they leave the process (Prometheus, OTLP), so the core needs no
/// telemetry library. One instance per server: its observable gauges read that server's writer and store.
/// </summary>
public sealed class TallyMetrics : IDisposable
{
    public const string MeterName = "Tally";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Histogram<long> _commitSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<double> _reportDuration;

    public TallyMetrics()
    {
        _accepted = _meter.CreateCounter<long>("tally.events.accepted", "{event}", "Events stored (first copies), by event type.");
        _duplicates = _meter.CreateCounter<long>("tally.events.duplicates", "{event}", "Events received again and ignored (same company and id).");
        _rejected = _meter.CreateCounter<long>("tally.requests.rejected", "{request}", "Requests refused, by reason.");
        _commitSize = _meter.CreateHistogram<long>("tally.commit.size", "{event}", "Events per group commit.");
        _commitDuration = _meter.CreateHistogram<double>("tally.commit.duration", "s", "Time a group commit takes in the store.");
        _reportDuration = _meter.CreateHistogram<double>("tally.report.duration", "s", "Time to answer a report, by report.");
    }

    /// <summary>A commit's outcome: accepted events by type, duplicates.</summary>
    public void EventsStored(IReadOnlyList<AppendResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var byType = new Dictionary<EventType, long>();
        foreach (var result in results)
        {
            foreach (var (type, count) in result.AcceptedByType)
            {
                byType[type] = byType.GetValueOrDefault(type) + count;
            }

            _duplicates.Add(result.Duplicates);
        }

        foreach (var (type, count) in byType)
        {
            _accepted.Add(count, new KeyValuePair<string, object?>("type", WireNames.Of(type)));
        }
    }

    public void RequestRejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Committed(int events, TimeSpan duration)
    {
        _commitSize.Record(events);
        _commitDuration.Record(duration.TotalSeconds);
    }

    public void ReportAnswered(string report, TimeSpan duration) =>
        _reportDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("report", report));

    /// <summary>Requests waiting for the writer, read at each collection.</summary>
    public void ObserveQueueDepth(Func<int> depth) =>
        _meter.CreateObservableGauge("tally.ingest.queue_depth", depth, "{request}", "Requests queued for the next group commit.");

    /// <summary>The store's gauges, read at each collection: its size (nothing when it cannot tell) and its aggregation lag.</summary>
    public void ObserveStore(IStoreGauges store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _meter.CreateObservableGauge("tally.store.size", () => store.MeasureSize() is { } size ? [new Measurement<long>(size)] : Array.Empty<Measurement<long>>(),
            "By", "Bytes the store occupies on disk (the DuckDB file, or the PostgreSQL database).");
        _meter.CreateObservableGauge("tally.aggregation.lag", () => store.AggregationLag, "{commit}",
            "Commits stored but not yet in the report aggregates (the next report read brings them in).");
    }

    public void Dispose() => _meter.Dispose();
}
