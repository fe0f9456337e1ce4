using System.Globalization;
using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
using Tally.Access;
using Tally.Ingestion;

namespace Tally.Storage.DuckDb;

/// <summary>Reading the whole store back and importing what ingestion cannot reproduce, for <see cref="StoreCopier"/>.</summary>
public sealed partial class DuckDbStore
{
    public Task<bool> IsEmptyAsync(CancellationToken cancellationToken) =>
        ReadAsync(connection => Scalar(connection, """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM companies) OR EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM events)
            """) is null, cancellationToken);

    public async IAsyncEnumerable<IngestionCommit> ReadCommitsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Commit order, then the order the commit appended its events (rowid); events stored before commits were
        // numbered (seq NULL) come first, as they came first.
        using var command = Command(connection, $"""
            SELECT {StoredCommits.Columns}
            FROM events e LEFT JOIN event_documents d ON d.company_id = e.company_id AND d.event_id = e.event_id
            ORDER BY e.seq NULLS FIRST, e.rowid, d.position
            """);
        // Streamed chunk by chunk: a store's events need not fit in memory.
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        await foreach (var commit in StoredCommits.ReadAsync(reader, cancellationToken))
        {
            yield return commit;
        }
    }

    public Task<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>> ReadApiKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>>(connection => ReadKeys(connection, "", null), cancellationToken);

    public async Task ImportApiKeysAsync(IReadOnlyList<(ApiKey Key, byte[] SecretHash)> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using (var transaction = _writer.BeginTransaction())
            {
                foreach (var (key, hash) in keys)
                {
                    Execute(_writer, "INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        key.Id, hash, StoredText.Encode(key.Name), RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt, key.RevokedAt, key.LastUsedAt);
                }

                transaction.Commit();
            }

            // DuckDB has no setval: the id sequence is moved past the imported ids by drawing from it.
            var highest = keys.Max(k => k.Key.Id);
            var next = Convert.ToInt64(Scalar(_writer, "SELECT nextval('api_key_ids')"), CultureInfo.InvariantCulture);
            if (next < highest)
            {
                Execute(_writer, $"SELECT max(nextval('api_key_ids')) FROM range({Literal(highest - next)})");
            }

            _keysByHash.Clear();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task ImportIngestionTotalsAsync(IReadOnlyList<IngestionStats> stats, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        await _aggregationLock.WaitAsync(cancellationToken);
        try
        {
            // Counters of the commits not yet aggregated are added when they are: they go in first, then are replaced.
            CatchUpHoldingAggregationLock();
            using var transaction = _writer.BeginTransaction();
            foreach (var company in stats)
            {
                Execute(_writer, """
                    INSERT INTO ingestion_totals SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM companies WHERE id = $1)
                    ON CONFLICT DO UPDATE SET duplicates = excluded.duplicates, rejected_requests = excluded.rejected_requests,
                        last_accepted_at = excluded.last_accepted_at
                    """, company.CompanyId, company.DuplicatesReceived, company.RequestsRejected, company.LastAcceptedRequestAt);
            }

            transaction.Commit();
        }
        finally
        {
            _aggregationLock.Release();
            _writeLock.Release();
        }
    }
}
