using DuckDB.NET.Data;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The write path. A commit appends new events straight into the events table with DuckDB's appender: an
/// in-memory set of the stored keys tells which events are certainly new. Only events whose key it holds (real
/// duplicates, and in theory two ids sharing a 64-bit key) are looked up among the stored ones and compared on
/// their ids. The single writer makes the check exact: nothing else can store an event in between.
/// Everything derived from the events (report aggregates, stored counts by type) is brought up to date
/// afterwards in batches, before any read.
/// </summary>
public sealed partial class DuckDbStore
{
    // Keys of every stored event, to recognise new ones without reading the table; loaded when the process starts.
    private StoredKeySet _storedKeys = new(0);

    // Operational counters (duplicates, rejected requests, last accepted request) gathered since the last
    // aggregation, which writes them. Guarded by locking the dictionary itself.
    private readonly Dictionary<long, CompanyCounters> _pendingTotals = [];

    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IngestionCommit commit, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            return Append(commit);
        }
        finally
        {
            _writeLock.Release();
        }
    }

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
                    var key = _eventKey(e.CompanyId, e.Id);
                    (_storedKeys.Contains(key) ? suspects : fresh).Add(new KeyedEvent(e, key));
                }
            }
        }

        fresh.AddRange(NotStored(suspects));
        var commitNumber = _lastCommit + 1;
        var newCompanies = firstInCommit.Select(key => key.Item1).Distinct().Where(id => !_companies.ContainsKey(id)).ToList();
        using (var transaction = _writer.BeginTransaction())
        {
            try
            {
                if (newCompanies.Count > 0)
                {
                    Execute(_writer, $"""
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

        Interlocked.Exchange(ref _lastCommit, commitNumber);
        var inserted = new HashSet<(long, string)>(fresh.Count);
        foreach (var (e, key) in fresh)
        {
            _storedKeys.Add(key);
            inserted.Add((e.CompanyId, e.Id));
        }

        foreach (var company in newCompanies)
        {
            AddDefaultCompany(company, commit.ReceivedAt);
        }

        List<AppendResult> results;
        lock (_pendingTotals)
        {
            results = CommitOutcome.Count(commit, inserted, _pendingTotals);
            _eventsToAggregate += fresh.Count;
        }

        // The aggregates follow in batches, beside the writer: their statements cost about the same for 4,000
        // events as for 50,000.
        if (Interlocked.Read(ref _eventsToAggregate) >= EventsPerAggregation)
        {
            AggregateInBackground();
        }

        return results;
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
        Execute(_writer, "DELETE FROM suspect_keys");
        using (var appender = _writer.CreateAppender("suspect_keys"))
        {
            foreach (var suspect in suspects)
            {
                appender.CreateRow().AppendValue(suspect.Key).EndRow();
            }
        }

        var stored = new HashSet<(long, string)>();
        using (var command = Command(_writer, "SELECT company_id, event_id FROM events SEMI JOIN suspect_keys USING (key_hash)"))
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

        using var appender = _writer.CreateAppender("events");
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
                .AppendValue(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, ZoneOf(e.CompanyId))))
                .AppendValue(e.Documents.Count)
                .AppendValue(commitNumber)
                .AppendValue(key)
                .EndRow();
        }
    }

    private void AppendDocuments(List<KeyedEvent> events, long commitNumber)
    {
        using var documents = _writer.CreateAppender("event_documents");
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

    /// <summary>Writes the counters of <see cref="IngestionStats"/> for a batch of events. Runs in the aggregation's transaction.</summary>
    private static void RecordIngestionCounts(DuckDBConnection connection, string events, Dictionary<long, CompanyCounters> totals)
    {
        Execute(connection, $"""
            INSERT INTO ingestion_counts SELECT company_id, type, count(*) FROM {events} GROUP BY company_id, type
            ON CONFLICT DO UPDATE SET stored = stored + excluded.stored
            """);
        if (totals.Count == 0)
        {
            return;
        }

        // Rejected requests count only for companies that exist: a rejected request creates nothing.
        Execute(connection, $"""
            INSERT INTO ingestion_totals
            SELECT v.company_id, v.duplicates, v.rejected, v.last_accepted_at
            FROM (VALUES {Rows(totals.Select(p => $"{Literal(p.Key)}, {Literal(p.Value.Duplicates)}, {Literal(p.Value.Rejected)}, {(p.Value.LastAccepted is { } last ? Literal(last) : "NULL::TIMESTAMP")}"))})
                v(company_id, duplicates, rejected, last_accepted_at)
            SEMI JOIN companies c ON c.id = v.company_id
            ON CONFLICT DO UPDATE SET
                duplicates = duplicates + excluded.duplicates,
                rejected_requests = rejected_requests + excluded.rejected_requests,
                last_accepted_at = greatest(last_accepted_at, excluded.last_accepted_at)
            """);
    }

    public Task<IReadOnlyList<IngestionStats>> GetIngestionStatsAsync(long? companyId, CancellationToken cancellationToken) =>
        ReportAsync<IReadOnlyList<IngestionStats>>(connection =>
        {
            var filter = companyId is { } id ? $"WHERE c.id = {Literal(id)}" : "";
            var byCompany = new SortedDictionary<long, (Dictionary<string, long> Stored, long Duplicates, long Rejected, DateTime? Last)>();
            using (var command = Command(connection, $"""
                SELECT c.id, t.duplicates, t.rejected_requests, t.last_accepted_at
                FROM companies c LEFT JOIN ingestion_totals t ON t.company_id = c.id {filter} ORDER BY c.id
                """))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var stored = WireNames.AllEventTypes.ToDictionary(WireNames.Of, _ => 0L, StringComparer.Ordinal);
                    byCompany[reader.GetInt64(0)] = (stored, NullableInt64(reader, 1) ?? 0, NullableInt64(reader, 2) ?? 0, NullableDateTime(reader, 3));
                }
            }

            using (var command = Command(connection, $"SELECT company_id, type, stored FROM ingestion_counts {filter.Replace("c.id", "company_id", StringComparison.Ordinal)}"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (byCompany.TryGetValue(reader.GetInt64(0), out var row))
                    {
                        row.Stored[reader.GetString(1)] = reader.GetInt64(2);
                    }
                }
            }

            return byCompany.Select(p => new IngestionStats(p.Key, p.Value.Stored, p.Value.Duplicates, p.Value.Rejected, p.Value.Last)).ToList();
        }, cancellationToken);
}
