using Npgsql;
using Tally.Access;
using Tally.Companies;

namespace Tally.Storage.Postgres;

/// <summary>Companies, API keys and rebuilding: read from the database on every call, never cached (another server may change them).</summary>
public sealed partial class PostgresStore
{
    public async Task<Company?> FindCompanyAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return (await ReadCompaniesAsync(connection, id, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Company>> ListCompaniesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ReadCompaniesAsync(connection, null, cancellationToken);
    }

    public async Task<(Company Company, bool Created)> UpsertCompanyAsync(long id, CompanyChange change, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The company's lock: no commit of its events runs between the new zone and its history moved to it.
        await LockCompaniesAsync(connection, [id], cancellationToken);
        var existing = (await ReadCompaniesAsync(connection, id, cancellationToken)).SingleOrDefault();
        var company = existing is null
            ? new Company(id, change.Name ?? Company.DefaultName(id), change.TimeZone ?? Company.DefaultTimeZone, StoredInstant(now))
            : existing with { Name = change.Name ?? existing.Name, TimeZone = change.TimeZone ?? existing.TimeZone };
        await ExecuteAsync(connection, """
            INSERT INTO companies VALUES ($1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone
            """, cancellationToken, company.Id, StoredText.Encode(company.Name), company.TimeZone, Utc(company.CreatedAt));
        if (existing is not null && existing.TimeZone != company.TimeZone)
        {
            await RebuildAsync(connection, id, TimeZoneNames.Find(company.TimeZone), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (company, existing is null);
    }

    public async Task RebuildAggregatesAsync(long? companyId, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var companies = companyId is { } only ? [only] : (await ReadCompaniesAsync(connection, null, cancellationToken)).Select(c => c.Id).ToList();
        foreach (var id in companies)
        {
            // One transaction per company: reports read the old aggregates until the new ones are committed.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockCompaniesAsync(connection, [id], cancellationToken);
            if ((await ReadCompaniesAsync(connection, id, cancellationToken)).SingleOrDefault() is { } company)
            {
                await RebuildAsync(connection, id, TimeZoneNames.TryFind(company.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Puts one company's events on their days in <paramref name="zone"/> and recomputes its aggregates from them.
    /// Runs in the caller's transaction, which holds the company's lock.
    /// </summary>
    private static async Task RebuildAsync(NpgsqlConnection connection, long companyId, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        foreach (var table in Schema.AggregateTables)
        {
            await ExecuteAsync(connection, $"DELETE FROM {table} WHERE company_id = $1", cancellationToken, companyId);
        }

        await using (var command = Command(connection, "SELECT min(ts), max(ts) FROM events WHERE company_id = $1", companyId))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
            {
                return;
            }

            var (first, last) = (reader.GetDateTime(0), reader.GetDateTime(1));
            await reader.CloseAsync();
            var periods = ZoneOffsets.Periods(zone, first, last).ToList();
            await ExecuteAsync(connection, """
                UPDATE events SET day = ((events.ts AT TIME ZONE 'UTC') + make_interval(mins => p.offset_minutes))::date
                FROM unnest($2::timestamptz[], $3::timestamptz[], $4::integer[]) p(period_start, period_end, offset_minutes)
                WHERE events.company_id = $1 AND events.ts >= p.period_start AND events.ts < p.period_end
                """, cancellationToken, companyId,
                periods.Select(p => Utc(p.Start)).ToArray(), periods.Select(p => Utc(p.End)).ToArray(), periods.Select(p => (int)p.Offset.TotalMinutes).ToArray());
        }

        var company = companyId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ExecuteAsync(connection, Aggregates.CreateWorkTables, cancellationToken);
        foreach (var statement in Aggregates.Statements($"(SELECT * FROM events WHERE company_id = {company})", $"(SELECT * FROM event_documents WHERE company_id = {company})"))
        {
            await ExecuteAsync(connection, statement, cancellationToken);
        }
    }

    /// <summary>An instant as a timestamptz column gives it back (to the microsecond).</summary>
    private static DateTime StoredInstant(DateTime utc) => new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);

    private static async Task<List<Company>> ReadCompaniesAsync(NpgsqlConnection connection, long? id, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT id, name, timezone, created_at FROM companies WHERE $1::bigint IS NULL OR id = $1 ORDER BY id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var companies = new List<Company>();
        while (await reader.ReadAsync(cancellationToken))
        {
            companies.Add(new Company(reader.GetInt64(0), StoredText.Decode(reader.GetString(1))!, reader.GetString(2), reader.GetDateTime(3)));
        }

        return companies;
    }

    public async Task<ApiKey> CreateApiKeyAsync(NewApiKey key, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (key.CompanyId is { } companyId)
        {
            await ExecuteAsync(connection, "INSERT INTO companies VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", cancellationToken,
                companyId, Company.DefaultName(companyId), Company.DefaultTimeZone, Utc(key.CreatedAt));
        }

        var id = (long)(await ScalarAsync(connection, """
            INSERT INTO api_keys (secret_hash, name, role, company_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, cancellationToken, key.SecretHash, StoredText.Encode(key.Name), RoleNames.Of(key.Role), key.CompanyId, Utc(key.CreatedAt)))!;
        await transaction.CommitAsync(cancellationToken);
        return new ApiKey(id, key.Name, key.Role, key.CompanyId, StoredInstant(key.CreatedAt), null, null);
    }

    public async Task<(ApiKey Key, byte[] SecretHash)?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken)
    {
        // Asked on every request, so that a key revoked through any server is refused by this one at once.
        await using var connection = await ConnectAsync(cancellationToken);
        return (await ReadKeysAsync(connection, secretHash, cancellationToken)).Select(k => ((ApiKey, byte[])?)k).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return (await ReadKeysAsync(connection, null, cancellationToken)).Select(k => k.Key).ToList();
    }

    public async Task<bool> RevokeApiKeyAsync(long id, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ScalarAsync(connection, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING id", cancellationToken, id, Utc(now)) is not null;
    }

    public async Task RecordApiKeyUseAsync(IReadOnlyDictionary<long, DateTime> lastUsed, CancellationToken cancellationToken)
    {
        if (lastUsed.Count == 0)
        {
            return;
        }

        var ordered = lastUsed.OrderBy(pair => pair.Key).ToList();
        await using var connection = await ConnectAsync(cancellationToken);
        await ExecuteAsync(connection, """
            UPDATE api_keys SET last_used_at = greatest(last_used_at, v.used)
            FROM unnest($1::bigint[], $2::timestamptz[]) v(id, used)
            WHERE api_keys.id = v.id
            """, cancellationToken, ordered.Select(p => p.Key).ToArray(), ordered.Select(p => Utc(p.Value)).ToArray());
    }

    public async Task<bool> HasActiveInstanceAdminKeyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ScalarAsync(connection, "SELECT 1 FROM api_keys WHERE role = $1 AND revoked_at IS NULL LIMIT 1", cancellationToken, RoleNames.Of(Role.InstanceAdmin)) is not null;
    }

    private static async Task<List<(ApiKey Key, byte[] SecretHash)>> ReadKeysAsync(NpgsqlConnection connection, byte[]? hash, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, """
            SELECT id, name, role, company_id, created_at, revoked_at, last_used_at, secret_hash FROM api_keys
            WHERE $1::bytea IS NULL OR secret_hash = $1 ORDER BY id
            """, hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<(ApiKey, byte[])>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!RoleNames.TryParse(reader.GetString(2), out var role))
            {
                throw new InvalidDataException($"API key {reader.GetInt64(0)} has an unknown role '{reader.GetString(2)}'.");
            }

            keys.Add((new ApiKey(reader.GetInt64(0), StoredText.Decode(reader.GetString(1))!, role, reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetDateTime(5), reader.IsDBNull(6) ? null : reader.GetDateTime(6)),
                reader.GetFieldValue<byte[]>(7)));
        }

        return keys;
    }
}
