using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Tally.Events;
using Tally.Observability;
using Tally.Storage;

namespace Tally.Ingestion;

/// <summary>
/// The single writer of events. Requests queue their validated batches in a bounded channel; one loop drains
/// whatever has queued into one store commit and completes each request with its own batch's result. Under
/// load many requests share one durable commit, so durability costs a sync per commit, not per request; the
/// bound makes callers wait instead of piling up memory when the store falls behind.
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Upper bound on the events of one commit, to keep a transaction's memory and latency in check.</summary>
    public const int MaxEventsPerCommit = 50_000;

    private readonly Channel<PendingWork> _queue;
    private readonly IEventStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TallyMetrics? _metrics;
    private readonly Task _loop;

    public GroupCommitWriter(IEventStore store, TimeProvider time, ILogger<GroupCommitWriter> logger, int queueCapacity = 256, TallyMetrics? metrics = null)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _queue = Channel.CreateBounded<PendingWork>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        metrics?.ObserveQueueDepth(() => _queue.Reader.Count);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes once the events are durably stored (or the commit failed, with nothing stored).</summary>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<PlatformEvent> events, CancellationToken cancellationToken)
    {
        var work = new PendingWork(events, null);
        await _queue.Writer.WriteAsync(work, cancellationToken);
        // Once queued, the commit goes ahead whatever the caller does: it must not be abandoned half way.
        return await work.Completion.Task;
    }

    /// <summary>Counts a rejected request against the companies it named, in the next commit.</summary>
    public async Task CountRejectedAsync(IReadOnlyCollection<long> companies, CancellationToken cancellationToken)
    {
        if (companies.Count == 0)
        {
            return;
        }

        var work = new PendingWork(null, companies);
        await _queue.Writer.WriteAsync(work, cancellationToken);
        await work.Completion.Task;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingWork>();
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            var events = 0;
            while (events < MaxEventsPerCommit && reader.TryRead(out var work))
            {
                group.Add(work);
                events += work.Events?.Count ?? 0;
            }

            await CommitAsync(group);
        }
    }

    private async Task CommitAsync(List<PendingWork> group)
    {
        var batches = new List<IReadOnlyList<PlatformEvent>>(group.Count);
        var rejected = new Dictionary<long, int>();
        foreach (var work in group)
        {
            if (work.Events is not null)
            {
                batches.Add(work.Events);
            }

            foreach (var company in work.RejectedCompanies ?? [])
            {
                rejected[company] = rejected.GetValueOrDefault(company) + 1;
            }
        }

        try
        {
            var started = _time.GetTimestamp();
            var results = await _store.AppendAsync(new IngestionCommit(batches, rejected, _time.GetUtcNow().UtcDateTime), CancellationToken.None);
            if (_metrics is not null)
            {
                _metrics.Committed(batches.Sum(batch => batch.Count), _time.GetElapsedTime(started));
                _metrics.EventsStored(results);
            }

            var next = 0;
            foreach (var work in group)
            {
                work.Completion.TrySetResult(work.Events is null ? default : results[next++]);
            }
        }
#pragma warning disable CA1031 // Any store failure must reach every waiting request instead of killing the writer.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _logger.LogError(exception, "A commit of {Batches} batches failed; nothing of it was stored", batches.Count);
            foreach (var work in group)
            {
                work.Completion.TrySetException(exception);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed class PendingWork(IReadOnlyList<PlatformEvent>? events, IReadOnlyCollection<long>? rejectedCompanies)
    {
        public IReadOnlyList<PlatformEvent>? Events { get; } = events;

        public IReadOnlyCollection<long>? RejectedCompanies { get; } = rejectedCompanies;

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
