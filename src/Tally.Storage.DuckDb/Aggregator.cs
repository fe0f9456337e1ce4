using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Tally.Ingestion;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// Brings the aggregates up to the stored commits, beside the writer. They are not updated inside each commit: their
/// upserts cost about the same for 4,000 events as for 50,000, so batches of commits are read back from the events
/// table on a connection of their own and aggregated in one transaction that also moves the watermark: a crash leaves
/// the aggregates either before or after a batch, never half way. Every report read first waits until the aggregates
/// include every commit stored when it was asked (read your writes).
/// Owns that connection and its lock, the watermark, the operational counters waiting for the next batch, and the
/// newest connections kept in memory (which the batches extend).
/// </summary>
internal sealed class Aggregator : IAsyncDisposable
{
    /// <summary>How many stored events may wait for the aggregates before a commit brings them up to date itself.</summary>
    private const int EventsPerAggregation = 200_000;

    private readonly StoreFile _file;
    private readonly DuckDBConnection _connection;
    private readonly SemaphoreSlim _lock = new(1, 1);

    // Each asked-about company's newest connections, extended by each batch under the lock.
    private readonly NewestConnections _newestConnections;

    // Months and ranges whose counters are current in rollup_months and rollup_ranges, learnt by reads under the lock;
    // see ReadWithCountersCaughtUpAsync. Emptied by anything that may drop one, under the lock.
    private readonly ConcurrentDictionary<(long Company, DayRange Period), byte> _knownCurrentCounters = new();

    // Counted up, after the known periods they may drop are forgotten, by everything that may delete counter rows (a
    // build drops old ranges, a caught-up write may rebuild a company): a read beside the lock that finds the count
    // unchanged after reading read no row deleted meanwhile.
    private long _counterDeletions;

    // The last commit stored (told by the writer once it is durable), and the last one the aggregates include.
    private long _storedCommit;
    private long _aggregatedCommit;

    // Operational counters (duplicates, rejected requests, last accepted request) and the events stored since the last
    // batch, which writes the counters. Guarded by locking the dictionary itself.
    private readonly Dictionary<long, CompanyCounters> _pendingTotals = [];
    private long _eventsToAggregate;

    public Aggregator(StoreFile file, int connectionsKept)
    {
        _file = file;
        _newestConnections = new NewestConnections(connectionsKept);
        _connection = file.Open();
    }

    /// <summary>Commits stored but not yet aggregated (a report read or a batch brings it to 0).</summary>
    public long Lag => Math.Max(0, Interlocked.Read(ref _storedCommit) - Interlocked.Read(ref _aggregatedCommit));

    /// <summary>
    /// Takes up from the watermark, once the schema is current, and aggregates the commits stored but not yet
    /// aggregated when the process last stopped (or was killed).
    /// </summary>
    public async Task ResumeAsync(long lastStoredCommit, CancellationToken cancellationToken)
    {
        Migrations.CreateScratchTables(_connection);
        Interlocked.Exchange(ref _aggregatedCommit, ScalarInt64(_connection, "SELECT watermark FROM aggregation_state"));
        Interlocked.Exchange(ref _storedCommit, lastStoredCommit);
        await CatchUpAsync(cancellationToken);
    }

    /// <summary>
    /// Takes a durable commit into the next batch: counts its outcome with <paramref name="stored"/> (the events it
    /// stored, emptied as it goes) into the counters the batch writes, and starts a batch in the background when
    /// enough events wait.
    /// </summary>
    public List<AppendResult> Stored(long commitNumber, IngestionCommit commit, HashSet<(long, string)> stored)
    {
        List<AppendResult> results;
        lock (_pendingTotals)
        {
            _eventsToAggregate += stored.Count;
            results = CommitOutcome.Count(commit, stored, _pendingTotals);
        }

        // Published after its counters: a batch that includes the commit also writes them.
        Interlocked.Exchange(ref _storedCommit, commitNumber);

        // The aggregates follow in batches, beside the writer: their statements cost about the same for 4,000
        // events as for 50,000.
        if (Interlocked.Read(ref _eventsToAggregate) >= EventsPerAggregation)
        {
            AggregateInBackground();
        }

        return results;
    }

    /// <summary>A report read: first brings the aggregates up to the last acknowledged commit (read your writes).</summary>
    public async Task<T> ReadCaughtUpAsync<T>(Func<DuckDBConnection, T> query, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        return await _file.ReadAsync(query, cancellationToken);
    }

    /// <summary>
    /// A report read that takes the counters of <paramref name="periods"/> (whole calendar months and ranges inside one
    /// month; see <see cref="MonthCounters"/>). Periods known current are read beside the batches, as any report;
    /// otherwise the read builds the missing ones and reads under the lock, where no batch runs, and they become known.
    /// Known periods are forgotten by every batch and every caught-up write (a time-zone change, a rebuild), before
    /// either is done: a read that finds a period known after catching up reads counters that include every commit
    /// acknowledged before it started. Batches never write the counters, and a build replaces a period's in one
    /// transaction, so a read beside them sees them whole; a build may also drop old ranges, so a read beside it
    /// that may have lost one (<c>_counterDeletions</c> moved) is done again under the lock.
    /// </summary>
    public async Task<T> ReadWithCountersCaughtUpAsync<T>(long companyId, IReadOnlyList<DayRange> periods, Func<DuckDBConnection, T> query,
        CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        var deletions = Interlocked.Read(ref _counterDeletions);
        if (periods.All(period => _knownCurrentCounters.ContainsKey((companyId, period))))
        {
            var answer = await _file.ReadAsync(query, cancellationToken);
            if (Interlocked.Read(ref _counterDeletions) == deletions)
            {
                return answer;
            }

            // A build may have dropped a range between the check and the read: read again under the lock.
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            // Building a range may drop the company's oldest others (MonthCounters.RangesKept): none stays known.
            foreach (var known in _knownCurrentCounters.Keys.Where(key => key.Company == companyId && MonthCounters.UnitOf(key.Period) != "month"))
            {
                _knownCurrentCounters.TryRemove(known, out _);
            }

            Interlocked.Increment(ref _counterDeletions);

            // Batches only move the aggregates forward: they still include every commit CatchUpAsync waited for.
            MonthCounters.Build(_connection, companyId, periods);
            var answer = query(_connection);
            foreach (var period in periods)
            {
                _knownCurrentCounters[(companyId, period)] = 0;
            }

            return answer;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// A report read of rows that reads build instead of batches (<see cref="ModelDigests"/>): <paramref name="read"/>
    /// runs beside the batches and answers null when it finds such a row stale; then <paramref name="buildAndRead"/>
    /// runs under the lock, where no batch runs, so that the rows it builds stay current while it reads them.
    /// </summary>
    public async Task<T> ReadBuildingStaleAsync<T>(Func<DuckDBConnection, T?> read, Func<DuckDBConnection, T> buildAndRead,
        CancellationToken cancellationToken) where T : class
    {
        await CatchUpAsync(cancellationToken);
        if (await _file.ReadAsync(read, cancellationToken) is { } answer)
        {
            return answer;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            // Batches only move the aggregates forward: they still include every commit CatchUpAsync waited for.
            return buildAndRead(_connection);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Waits for the aggregates to include every commit stored when it was called (read your writes).</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var acknowledged = Interlocked.Read(ref _storedCommit);
        if (Interlocked.Read(ref _aggregatedCommit) >= acknowledged)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            CatchUpHoldingLock(acknowledged);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the aggregates up to every stored commit and no batch running. Only
    /// <see cref="EventWriter.WriteCaughtUpAsync{T}"/> calls it, holding the write lock: the one place where both locks
    /// are taken, so always in that order.
    /// </summary>
    public async Task<T> WhileCaughtUpAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            // The caller holds the write lock: no commit is stored meanwhile, so this is every commit.
            CatchUpHoldingLock(Interlocked.Read(ref _storedCommit));
            // The action may rebuild a company's aggregates, month counters included.
            _knownCurrentCounters.Clear();
            Interlocked.Increment(ref _counterDeletions);
            return action();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The company's newest connections, read with <paramref name="readNewest"/> (the company's newest rows of the log,
    /// at most the number given) the first time they are asked for.
    /// </summary>
    public async Task<Newest> NewestConnectionsAsync(long companyId, Func<DuckDBConnection, int, List<LoggedConnection>> readNewest, CancellationToken cancellationToken)
    {
        if (_newestConnections.TryGet(companyId, out var newest))
        {
            return newest;
        }

        // Under the lock, so that no batch is aggregated between the read and the list's first use.
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return _newestConnections.TryGet(companyId, out newest)
                ? newest
                : _newestConnections.Load(companyId, await _file.ReadAsync(connection => readNewest(connection, _newestConnections.Capacity + 1), cancellationToken));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Drops a company's newest connections (its time zone changed: they fall on other days); the next read loads them again.</summary>
    public void ForgetNewestConnections(long companyId) => _newestConnections.Forget(companyId);

    /// <summary>
    /// Brings the aggregates up to <paramref name="commit"/> at least (a batch takes every commit stored when it
    /// starts). The caller holds the lock. A read waits for this, never for the commits stored after it was called:
    /// under steady ingestion a batch of those is always ready, and a read chasing them would wait as long as
    /// ingestion goes on.
    /// </summary>
    private void CatchUpHoldingLock(long commit)
    {
        while (Interlocked.Read(ref _aggregatedCommit) < commit)
        {
            AggregateOneBatchHoldingLock();
        }
    }

    /// <summary>Aggregates every commit stored so far, once (commits arriving meanwhile wait for the next batch).</summary>
    private void AggregateOneBatchHoldingLock()
    {
        var from = Interlocked.Read(ref _aggregatedCommit);
        var to = Interlocked.Read(ref _storedCommit);
        Dictionary<long, CompanyCounters> totals;
        lock (_pendingTotals)
        {
            totals = new(_pendingTotals);
            _pendingTotals.Clear();
            _eventsToAggregate = 0;
        }

        try
        {
            // Rows are appended in commit order, so DuckDB's per-row-group min/max of seq skips all older events.
            using var transaction = _connection.BeginTransaction();
            var batch = $"events WHERE seq > {from} AND seq <= {to}";
            var connections = AggregateStatements.Aggregate(_connection, batch, $"(SELECT * FROM event_documents WHERE seq > {from} AND seq <= {to})");
            AggregateStatements.RecordIngestionCounts(_connection, batch, totals);
            Execute(_connection, $"UPDATE aggregation_state SET watermark = {to}");
            transaction.Commit();
            // The batch dropped the months it touched; which ones is not worth tracking: the next read of each month asks the store.
            _knownCurrentCounters.Clear();
            _newestConnections.Add(connections);
            Interlocked.Exchange(ref _aggregatedCommit, to);
        }
        catch
        {
            lock (_pendingTotals)
            {
                foreach (var (company, pending) in totals)
                {
                    var current = _pendingTotals.GetValueOrDefault(company);
                    _pendingTotals[company] = new(current.Duplicates + pending.Duplicates, current.Rejected + pending.Rejected,
                        current.LastAccepted > pending.LastAccepted ? current.LastAccepted : pending.LastAccepted);
                }
            }

            throw;
        }
    }

    /// <summary>Starts a batch in the background when none is running.</summary>
    private void AggregateInBackground()
    {
        if (!_lock.Wait(0))
        {
            return;
        }

        // One batch, not a chase: commits that arrive meanwhile wait for the next trigger, so each batch is large
        // and the writer is not slowed by a stream of small ones.
        _ = Task.Run(() =>
        {
            try
            {
                AggregateOneBatchHoldingLock();
            }
#pragma warning disable CA1031 // A failed batch stays pending: the next catch-up (a report, a commit) retries it and reports the error.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            finally
            {
                _lock.Release();
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _lock.Dispose();
    }
}
