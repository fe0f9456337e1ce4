using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;
using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.DuckDb;

public sealed partial class DuckDbStore
{
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
        // Duplicates inside the commit are settled here, earliest first; those against stored events by the key.
        var firstInCommit = new HashSet<(long, string)>();
        var candidates = new List<PlatformEvent>();
        foreach (var batch in commit.Batches)
        {
            foreach (var e in batch)
            {
                if (firstInCommit.Add((e.CompanyId, e.Id)))
                {
                    candidates.Add(e);
                }
            }
        }

        using var transaction = _writer.BeginTransaction();
        try
        {
            Execute(_writer, "DELETE FROM staged_events; DELETE FROM staged_documents;");
            Stage(candidates);
            var inserted = new HashSet<(long, string)>();
            using (var command = Command(_writer, """
                INSERT INTO events BY NAME SELECT *, $1 AS received_at FROM staged_events
                ON CONFLICT DO NOTHING RETURNING company_id, event_id
                """, commit.ReceivedAt))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    inserted.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            if (inserted.Count < candidates.Count)
            {
                Unstage(candidates.Where(e => !inserted.Contains((e.CompanyId, e.Id))));
            }

            Execute(_writer, "INSERT INTO event_documents SELECT * FROM staged_documents");
            var results = Count(commit, inserted, out var counts);
            RecordCounts(commit, counts);
            Aggregate("staged_events", "staged_documents");
            transaction.Commit();
            return results;
        }
        catch
        {
            transaction.Rollback();
            throw;
        }
    }

    private void Stage(List<PlatformEvent> events)
    {
        using (var appender = _writer.CreateAppender("staged_events"))
        {
            foreach (var e in events)
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
                    .AppendValue(e.UserName)
                    .AppendValue(e.Email)
                    .AppendValue(e.Ip)
                    .AppendValue(e.UserAgent)
                    .AppendValue(e.AuthMethod)
                    .AppendValue(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, ZoneOf(e.CompanyId))))
                    .AppendValue(e.Documents.Count)
                    .EndRow();
            }
        }

        using var documents = _writer.CreateAppender("staged_documents");
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
                    .EndRow();
            }
        }
    }

    /// <summary>Takes events that turned out to be stored already out of the staged tables.</summary>
    private void Unstage(IEnumerable<PlatformEvent> duplicates)
    {
        Execute(_writer, "DELETE FROM staged_duplicates");
        using (var appender = _writer.CreateAppender("staged_duplicates"))
        {
            foreach (var e in duplicates)
            {
                appender.CreateRow().AppendValue(e.CompanyId).AppendValue(e.Id).EndRow();
            }
        }

        Execute(_writer, """
            DELETE FROM staged_events s USING staged_duplicates d WHERE s.company_id = d.company_id AND s.event_id = d.event_id;
            DELETE FROM staged_documents s USING staged_duplicates d WHERE s.company_id = d.company_id AND s.event_id = d.event_id;
            """);
    }

    private static List<AppendResult> Count(IngestionCommit commit, HashSet<(long, string)> inserted, out CommitCounts counts)
    {
        counts = new CommitCounts();
        var results = new List<AppendResult>(commit.Batches.Count);
        foreach (var batch in commit.Batches)
        {
            var accepted = 0;
            foreach (var e in batch)
            {
                counts.AcceptedCompanies.Add(e.CompanyId);
                // Remove, so a later copy in the same commit counts as the duplicate it is.
                if (inserted.Remove((e.CompanyId, e.Id)))
                {
                    accepted++;
                    var key = (e.CompanyId, WireNames.Of(e.Type));
                    counts.Stored[key] = counts.Stored.GetValueOrDefault(key) + 1;
                }
                else
                {
                    counts.Duplicates[e.CompanyId] = counts.Duplicates.GetValueOrDefault(e.CompanyId) + 1;
                }
            }

            results.Add(new AppendResult(accepted, batch.Count - accepted));
        }

        return results;
    }

    private void RecordCounts(IngestionCommit commit, CommitCounts counts)
    {
        if (counts.AcceptedCompanies.Count > 0)
        {
            Execute(_writer, $"""
                INSERT INTO companies
                SELECT id, 'Company ' || id, '{Company.DefaultTimeZone}', $1 FROM (VALUES {Rows(counts.AcceptedCompanies.Select(id => Literal(id)))}) v(id)
                ON CONFLICT DO NOTHING
                """, commit.ReceivedAt);
        }

        if (counts.Stored.Count > 0)
        {
            Execute(_writer, $"""
                INSERT INTO ingestion_counts VALUES {Rows(counts.Stored.Select(p => $"{Literal(p.Key.Item1)}, '{p.Key.Item2}', {Literal(p.Value)}"))}
                ON CONFLICT DO UPDATE SET stored = stored + excluded.stored
                """);
        }

        var totals = counts.AcceptedCompanies.Select(id => $"{Literal(id)}, {Literal(counts.Duplicates.GetValueOrDefault(id))}, 0, $1::TIMESTAMP")
            .Concat(commit.RejectedRequests.Select(p => $"{Literal(p.Key)}, 0, {Literal(p.Value)}, NULL::TIMESTAMP"))
            .ToList();
        if (totals.Count > 0)
        {
            // Rejected requests count only for companies that exist: a rejected request creates nothing.
            Execute(_writer, $"""
                INSERT INTO ingestion_totals
                SELECT v.company_id, sum(v.duplicates), sum(v.rejected), max(v.last_accepted_at)
                FROM (VALUES {Rows(totals)}) v(company_id, duplicates, rejected, last_accepted_at)
                SEMI JOIN companies c ON c.id = v.company_id
                GROUP BY v.company_id
                ON CONFLICT DO UPDATE SET
                    duplicates = duplicates + excluded.duplicates,
                    rejected_requests = rejected_requests + excluded.rejected_requests,
                    last_accepted_at = greatest(last_accepted_at, excluded.last_accepted_at)
                """, commit.ReceivedAt);
        }
    }

    public Task<IReadOnlyList<IngestionStats>> GetIngestionStatsAsync(long? companyId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<IngestionStats>>(connection =>
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
