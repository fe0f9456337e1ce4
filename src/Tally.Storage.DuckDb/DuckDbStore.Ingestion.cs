using DuckDB.NET.Data;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The write path. A commit appends new events straight into the events table with DuckDB's appender: an
/// in-memory filter of the stored keys tells which events are certainly new. Only events it cannot clear (real
/// duplicates, and a fraction of a percent of false alarms) take the slower <c>INSERT ... ON CONFLICT DO
/// NOTHING RETURNING</c>, which settles them against the primary key. Everything derived from the events (report
/// aggregates, stored counts by type) is brought up to date afterwards in batches, before any read.
/// </summary>
public sealed partial class DuckDbStore
{
    // Keys of every stored event, to recognise new ones without asking the index; rebuilt when the process starts.
    private StoredKeyFilter _storedKeys = new(0);

    // Operational counters (duplicates, rejected requests, last accepted request) gathered since the last
    // aggregation, which writes them. Guarded by locking the dictionary itself.
    private readonly Dictionary<long, (long Duplicates, long Rejected, DateTime? LastAccepted)> _pendingTotals = [];

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
        var fresh = new List<PlatformEvent>();
        var suspects = new List<PlatformEvent>();
        foreach (var batch in commit.Batches)
        {
            foreach (var e in batch)
            {
                if (firstInCommit.Add((e.CompanyId, e.Id)))
                {
                    (_storedKeys.MightContain(e.CompanyId, e.Id) ? suspects : fresh).Add(e);
                }
            }
        }

        var commitNumber = _lastCommit + 1;
        var inserted = new HashSet<(long, string)>(fresh.Select(e => (e.CompanyId, e.Id)));
        var newCompanies = firstInCommit.Select(key => key.Item1).Distinct().Where(id => !_zones.ContainsKey(id)).ToList();
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

                AppendEvents("events", fresh, commitNumber, commit.ReceivedAt);
                if (suspects.Count > 0)
                {
                    Execute(_writer, "DELETE FROM staged_events");
                    AppendEvents("staged_events", suspects, commitNumber, receivedAt: null);
                    using var command = Command(_writer, """
                        INSERT INTO events BY NAME SELECT *, $1 AS received_at FROM staged_events
                        ON CONFLICT DO NOTHING RETURNING company_id, event_id
                        """, commit.ReceivedAt);
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        inserted.Add((reader.GetInt64(0), reader.GetString(1)));
                    }
                }

                AppendDocuments(fresh.Concat(suspects).Where(e => e.Documents.Count > 0 && inserted.Contains((e.CompanyId, e.Id))), commitNumber);
                transaction.Commit();
            }
            catch
            {
                transaction.Rollback();
                throw;
            }
        }

        Interlocked.Exchange(ref _lastCommit, commitNumber);
        foreach (var (company, id) in inserted)
        {
            _storedKeys.Add(company, id);
        }

        foreach (var company in newCompanies)
        {
            _zones.TryAdd(company, TimeZoneInfo.Utc);
        }

        var accepted = inserted.Count;
        List<AppendResult> results;
        lock (_pendingTotals)
        {
            results = Count(commit, inserted);
            _eventsToAggregate += accepted;
        }

        if (_storedKeys.IsFull)
        {
            _storedKeys = LoadStoredKeys();
        }

        // The aggregates follow in batches, beside the writer: their statements cost about the same for 4,000
        // events as for 50,000.
        if (Interlocked.Read(ref _eventsToAggregate) >= EventsPerAggregation)
        {
            AggregateInBackground();
        }

        return results;
    }

    /// <summary>Appends events to <c>events</c> (with their arrival time) or to the staging table (without).</summary>
    private void AppendEvents(string table, List<PlatformEvent> events, long commitNumber, DateTime? receivedAt)
    {
        if (events.Count == 0)
        {
            return;
        }

        using var appender = _writer.CreateAppender(table);
        foreach (var e in events)
        {
            var row = appender.CreateRow()
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
                .AppendValue(e.UserName)
                .AppendValue(e.Email)
                .AppendValue(e.Ip)
                .AppendValue(e.UserAgent)
                .AppendValue(e.AuthMethod);
            if (receivedAt is { } arrival)
            {
                row.AppendValue(arrival);
            }

            row.AppendValue(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, ZoneOf(e.CompanyId))))
                .AppendValue(e.Documents.Count)
                .AppendValue(commitNumber)
                .EndRow();
        }
    }

    private void AppendDocuments(IEnumerable<PlatformEvent> events, long commitNumber)
    {
        using var documents = _writer.CreateAppender("event_documents");
        foreach (var e in events)
        {
            for (var position = 0; position < e.Documents.Count; position++)
            {
                var document = e.Documents[position];
                documents.CreateRow()
                    .AppendValue(e.CompanyId)
                    .AppendValue(e.Id)
                    .AppendValue(position)
                    .AppendValue(document.Id)
                    .AppendValue(document.Filename)
                    .AppendValue(document.Title)
                    .AppendValue(commitNumber)
                    .EndRow();
            }
        }
    }

    /// <summary>Each request's accepted and duplicate events; gathers the operational counters.</summary>
    private List<AppendResult> Count(IngestionCommit commit, HashSet<(long, string)> inserted)
    {
        var results = new List<AppendResult>(commit.Batches.Count);
        foreach (var batch in commit.Batches)
        {
            var accepted = 0;
            foreach (var e in batch)
            {
                var totals = _pendingTotals.GetValueOrDefault(e.CompanyId);
                totals.LastAccepted = commit.ReceivedAt;
                // Remove, so a later copy in the same commit counts as the duplicate it is.
                if (inserted.Remove((e.CompanyId, e.Id)))
                {
                    accepted++;
                }
                else
                {
                    totals.Duplicates++;
                }

                _pendingTotals[e.CompanyId] = totals;
            }

            results.Add(new AppendResult(accepted, batch.Count - accepted));
        }

        foreach (var (company, requests) in commit.RejectedRequests)
        {
            var totals = _pendingTotals.GetValueOrDefault(company);
            totals.Rejected += requests;
            _pendingTotals[company] = totals;
        }

        return results;
    }

    /// <summary>Writes the counters of <see cref="IngestionStats"/> for a batch of events. Runs in the aggregation's transaction.</summary>
    private static void RecordIngestionCounts(DuckDBConnection connection, string events, Dictionary<long, (long Duplicates, long Rejected, DateTime? LastAccepted)> totals)
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
