using DuckDB.NET.Data;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The store's single writer: the write connection and its lock, and what only writes change, the set of stored
/// event keys and the commit sequence. Every write goes through it (events, companies, keys), one at a time.
/// A commit appends new events straight into the events table with DuckDB's appender: the set of stored keys tells
/// which events are certainly new. Only events whose key it holds (real duplicates, and in theory two ids sharing a
/// 64-bit key) are looked up among the stored ones and compared on their ids. The single writer makes the check
/// exact: nothing else can store an event in between. A commit is durable when it returns: DuckDB syncs its
/// write-ahead log on commit. Everything derived from the events (report aggregates, stored counts by type) is
/// brought up to date afterwards in batches, by the <see cref="Aggregator"/>.
/// </summary>
internal sealed class EventWriter(DuckDBConnection connection, Func<long, string, long> eventKey, CompanyDirectory companies, Aggregator aggregator) : IAsyncDisposable
{
    private readonly DuckDBConnection _connection = connection;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CompanyDirectory _companies = companies;

    // Keys of every stored event, to recognise new ones without reading the table; loaded when the process starts.
    private StoredKeySet _storedKeys = new(0);

    // The last commit stored; moves only under the lock.
    private long _lastCommit;

    /// <summary>A write, alone on the write connection.</summary>
    public async Task<T> WriteAsync<T>(Func<DuckDBConnection, T> write, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return write(_connection);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// A write that needs the aggregates to include every stored commit and no batch to run beside it (a rebuild reads
    /// every stored event: pending ones must be aggregated first, not counted again afterwards). The write lock is
    /// taken before the aggregation lock, here and nowhere else.
    /// </summary>
    public async Task<T> WriteCaughtUpAsync<T>(Func<DuckDBConnection, T> write, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await aggregator.WhileCaughtUpAsync(() => write(_connection), cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The same, for a write that gives nothing back.</summary>
    public Task WriteCaughtUpAsync(Action<DuckDBConnection> write, CancellationToken cancellationToken) =>
        WriteCaughtUpAsync(writer =>
        {
            write(writer);
            return true;
        }, cancellationToken);

    /// <summary>Loads what the writer keeps in memory, once the schema is current. Returns the last stored commit.</summary>
    public Task<long> ResumeAsync(CancellationToken cancellationToken) => WriteAsync(writer =>
    {
        _lastCommit = ScalarInt64(writer, "SELECT coalesce(max(seq), 0) FROM events");
        _storedKeys = LoadStoredKeys(writer);
        return _lastCommit;
    }, cancellationToken);

    public Task<IReadOnlyList<AppendResult>> AppendAsync(IngestionCommit commit, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<AppendResult>>(_ => Append(commit), cancellationToken);

    private List<AppendResult> Append(IngestionCommit commit)
    {
        // Duplicates inside the commit are settled here, earliest first; those against stored events below.
        var firstInCommit = new HashSet<(long, string)>();
        var fresh = new List<KeyedEvent>();
        var suspects = new List<KeyedEvent>();
        foreach (var batch in commit.Batches)
        {
            foreach (var e in batch)
            {
                if (firstInCommit.Add((e.CompanyId, e.Id)))
                {
                    var key = eventKey(e.CompanyId, e.Id);
                    (_storedKeys.Contains(key) ? suspects : fresh).Add(new KeyedEvent(e, key));
                }
            }
        }

        fresh.AddRange(NotStored(suspects));
        var commitNumber = _lastCommit + 1;
        var newCompanies = firstInCommit.Select(key => key.Item1).Distinct().Where(id => !_companies.Contains(id)).ToList();
        using (var transaction = _connection.BeginTransaction())
        {
            try
            {
                if (newCompanies.Count > 0)
                {
                    Execute(_connection, $"""
                        INSERT INTO companies
                        SELECT id, 'Company ' || id, '{Company.DefaultTimeZone}', $1 FROM (VALUES {Rows(newCompanies.Select(Literal))}) v(id)
                        ON CONFLICT DO NOTHING
                        """, commit.ReceivedAt);
                }

                AppendEvents(fresh, commitNumber, commit.ReceivedAt);
                AppendDocuments(fresh, commitNumber);
                transaction.Commit();
            }
            catch
            {
                transaction.Rollback();
                throw;
            }
        }

        _lastCommit = commitNumber;
        var inserted = new HashSet<(long, string)>(fresh.Count);
        foreach (var (e, key) in fresh)
        {
            _storedKeys.Add(key);
            inserted.Add((e.CompanyId, e.Id));
        }

        foreach (var company in newCompanies)
        {
            _companies.AddDefault(company, commit.ReceivedAt);
        }

        return aggregator.Stored(commitNumber, commit, inserted);
    }

    /// <summary>The suspects that are not stored events after all: their key is not stored, or only with other ids.</summary>
    private List<KeyedEvent> NotStored(List<KeyedEvent> suspects)
    {
        if (suspects.Count == 0)
        {
            return suspects;
        }

        // Suspects are events sent again, usually a whole batch: one scan of the stored keys joined to theirs.
        // The events table has no index of its keys (see StoredKeySet), so a scan is also the cheapest for one.
        Execute(_connection, "DELETE FROM suspect_keys");
        using (var appender = _connection.CreateAppender("suspect_keys"))
        {
            foreach (var suspect in suspects)
            {
                appender.CreateRow().AppendValue(suspect.Key).EndRow();
            }
        }

        var stored = new HashSet<(long, string)>();
        using (var command = Command(_connection, "SELECT company_id, event_id FROM events SEMI JOIN suspect_keys USING (key_hash)"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                stored.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        return suspects.Where(suspect => !stored.Contains((suspect.Event.CompanyId, suspect.Event.Id))).ToList();
    }

    private void AppendEvents(List<KeyedEvent> events, long commitNumber, DateTime receivedAt)
    {
        if (events.Count == 0)
        {
            return;
        }

        using var appender = _connection.CreateAppender("events");
        foreach (var (e, key) in events)
        {
            appender.CreateRow()
                .AppendValue(e.CompanyId)
                .AppendValue(e.Id)
                .AppendValue(WireNames.Of(e.Type))
                .AppendValue(e.Timestamp)
                .AppendValue(e.UserId)
                .AppendValue(e.SessionId is null ? null : WireNames.Of(e.Mode))
                .AppendValue(e.SessionId)
                .AppendValue(e.ResponseId)
                .AppendValue(e.Model)
                .AppendValue(e.LatencyMs)
                .AppendValue(e.InputTokens)
                .AppendValue(e.OutputTokens)
                .AppendValue(e.ToolName)
                .AppendValue(e.ToolType is { } toolType ? WireNames.Of(toolType) : null)
                .AppendValue(e.ToolStatus is { } status ? WireNames.Of(status) : null)
                .AppendValue(e.DurationMs)
                .AppendValue(e.FeedbackKind is { } kind ? WireNames.Of(kind) : null)
                .AppendValue(StoredText.Encode(e.UserName))
                .AppendValue(StoredText.Encode(e.Email))
                .AppendValue(StoredText.Encode(e.Ip))
                .AppendValue(StoredText.Encode(e.UserAgent))
                .AppendValue(StoredText.Encode(e.AuthMethod))
                .AppendValue(receivedAt)
                .AppendValue(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, _companies.ZoneOf(e.CompanyId))))
                .AppendValue(e.Documents.Count)
                .AppendValue(commitNumber)
                .AppendValue(key)
                .EndRow();
        }
    }

    private void AppendDocuments(List<KeyedEvent> events, long commitNumber)
    {
        using var documents = _connection.CreateAppender("event_documents");
        foreach (var (e, _) in events)
        {
            for (var position = 0; position < e.Documents.Count; position++)
            {
                var document = e.Documents[position];
                documents.CreateRow()
                    .AppendValue(e.CompanyId)
                    .AppendValue(e.Id)
                    .AppendValue(position)
                    .AppendValue(document.Id)
                    .AppendValue(StoredText.Encode(document.Filename))
                    .AppendValue(StoredText.Encode(document.Title))
                    .AppendValue(commitNumber)
                    .EndRow();
            }
        }
    }

    private readonly record struct KeyedEvent(PlatformEvent Event, long Key);

    /// <summary>The set of every stored event key.</summary>
    private static StoredKeySet LoadStoredKeys(DuckDBConnection writer)
    {
        var keys = new StoredKeySet(ScalarInt64(writer, "SELECT count(*) FROM events"));
        using var command = Command(writer, "SELECT key_hash FROM events");
        // Streamed chunk by chunk: the process would keep the high-water mark of a materialised result.
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(reader.GetInt64(0));
        }

        return keys;
    }

    /// <summary>Aggregates what is pending and checkpoints: the file is then whole without its write-ahead log.</summary>
    public Task CheckpointAsync() => WriteCaughtUpAsync(writer => Execute(writer, "CHECKPOINT"), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _lock.Dispose();

        // The key set is the store's largest allocation (~1 GiB at 100M events): a closed store should not keep it
        // while something still holds the store.
        _storedKeys = new StoredKeySet(0);
    }
}
