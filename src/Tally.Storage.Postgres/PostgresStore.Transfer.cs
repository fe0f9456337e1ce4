using System.Runtime.CompilerServices;
using Tally.Access;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.Postgres;

/// <summary>
/// Reading stored events back (a company's, page by page, for an export; the whole store, for <see cref="StoreCopier"/>)
/// and importing what ingestion cannot reproduce.
/// </summary>
public sealed partial class PostgresStore
{
    public async Task<IReadOnlyList<PlatformEvent>> ReadEventsAsync(long companyId, DayRange days, EventPosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        // The page of events first, then their documents: a limit on the joined rows would cut an event's documents.
        await using var command = Command(connection, $"""
            SELECT {StoredCommits.Columns}
            FROM (
                SELECT * FROM events WHERE company_id = $1 AND day BETWEEN $2 AND $3
                    AND ($4::timestamptz IS NULL OR (ts, event_id) > ($4, $5::text COLLATE "C"))
                ORDER BY ts, event_id COLLATE "C" LIMIT $6
            ) e LEFT JOIN event_documents d ON d.company_id = e.company_id AND d.event_id = e.event_id AND d.ts = e.ts
            ORDER BY e.ts, e.event_id COLLATE "C", d.position
            """, companyId, days.First, days.Last, after is null ? null : Utc(after.Timestamp), after?.EventId, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await StoredCommits.ReadEventsAsync(reader, cancellationToken);
    }

    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ScalarAsync(connection, """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM companies) OR EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM event_keys)
                OR EXISTS (SELECT 1 FROM model_prices)
            """, cancellationToken) is null;
    }

    public async IAsyncEnumerable<IngestionCommit> ReadCommitsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        // Nothing numbers the commits here: the instant each was received orders them, and (company, id) orders a commit's
        // events (their order within a commit changes nothing). One statement, so one snapshot even while servers ingest;
        // Npgsql streams its rows.
        await using var command = Command(connection, $"""
            SELECT {StoredCommits.Columns}
            FROM events e LEFT JOIN event_documents d ON d.company_id = e.company_id AND d.event_id = e.event_id AND d.ts = e.ts
            ORDER BY e.received_at, e.company_id, e.event_id, d.position
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await foreach (var commit in StoredCommits.ReadAsync(reader, cancellationToken))
        {
            yield return commit;
        }
    }

    public async Task<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>> ReadApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ReadKeysAsync(connection, null, cancellationToken);
    }

    public async Task ImportApiKeysAsync(IReadOnlyList<(ApiKey Key, byte[] SecretHash)> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        await using var connection = await ConnectAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (key, hash) in keys)
        {
            await ExecuteAsync(connection, "INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", cancellationToken,
                key.Id, hash, StoredText.Encode(key.Name), RoleNames.Of(key.Role), key.CompanyId, Utc(key.CreatedAt),
                key.RevokedAt is { } revoked ? Utc(revoked) : null, key.LastUsedAt is { } used ? Utc(used) : null);
        }

        // Keys created afterwards take ids after the imported ones.
        await ExecuteAsync(connection, "SELECT setval(pg_get_serial_sequence('api_keys', 'id'), (SELECT max(id) FROM api_keys))", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ImportIngestionTotalsAsync(IReadOnlyList<IngestionStats> stats, CancellationToken cancellationToken)
    {
        var ordered = stats.OrderBy(company => company.CompanyId).ToList();
        await using var connection = await ConnectAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Under the companies' locks: a commit of theirs on another server comes wholly before or after.
        await LockCompaniesAsync(connection, ordered.Select(company => company.CompanyId), cancellationToken);
        await ExecuteAsync(connection, """
            INSERT INTO ingestion_totals AS t
            SELECT v.company_id, v.duplicates, v.rejected, v.last_accepted_at
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) v(company_id, duplicates, rejected, last_accepted_at)
            WHERE EXISTS (SELECT 1 FROM companies c WHERE c.id = v.company_id)
            ON CONFLICT (company_id) DO UPDATE SET
                duplicates = excluded.duplicates, rejected_requests = excluded.rejected_requests, last_accepted_at = excluded.last_accepted_at
            """, cancellationToken,
            ordered.Select(company => company.CompanyId).ToArray(), ordered.Select(company => company.DuplicatesReceived).ToArray(),
            ordered.Select(company => company.RequestsRejected).ToArray(),
            ordered.Select(company => company.LastAcceptedRequestAt is { } last ? (DateTime?)Utc(last) : null).ToArray());
        await transaction.CommitAsync(cancellationToken);
    }
}
