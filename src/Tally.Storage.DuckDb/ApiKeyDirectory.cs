using System.Collections.Concurrent;
using System.Globalization;
using DuckDB.NET.Data;
using Tally.Access;
using Tally.Companies;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The API keys, with a cache of the keys found. Only this process can have the file open, so a cache invalidated
/// by this store's own writes (a revocation, an import) is exact: a revoked key stops working at once.
/// </summary>
internal sealed class ApiKeyDirectory(StoreFile file, EventWriter writer, CompanyDirectory companies)
{
    private readonly ConcurrentDictionary<string, (ApiKey Key, byte[] SecretHash)> _keysByHash = new(StringComparer.Ordinal);

    public Task<ApiKey> CreateAsync(NewApiKey key, CancellationToken cancellationToken) => writer.WriteAsync(connection =>
    {
        using var transaction = connection.BeginTransaction();
        if (key.CompanyId is { } companyId)
        {
            Execute(connection, "INSERT INTO companies VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                companyId, Company.DefaultName(companyId), Company.DefaultTimeZone, key.CreatedAt);
        }

        var id = Convert.ToInt64(Scalar(connection, """
            INSERT INTO api_keys (secret_hash, name, role, company_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, key.SecretHash, StoredText.Encode(key.Name), RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt), CultureInfo.InvariantCulture);
        transaction.Commit();
        if (key.CompanyId is { } created)
        {
            companies.AddDefault(created, key.CreatedAt);
        }

        return new ApiKey(id, key.Name, key.Role, key.CompanyId, key.CreatedAt, null, null);
    }, cancellationToken);

    public async Task<(ApiKey Key, byte[] SecretHash)?> FindAsync(byte[] secretHash, CancellationToken cancellationToken)
    {
        var cacheKey = Convert.ToHexString(secretHash);
        if (_keysByHash.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var found = await file.ReadAsync(connection => Read(connection, "WHERE secret_hash = $1", secretHash).Select(k => ((ApiKey, byte[])?)k).SingleOrDefault(), cancellationToken);
        if (found is { } key)
        {
            _keysByHash[cacheKey] = key;
        }

        return found;
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        file.ReadAsync<IReadOnlyList<ApiKey>>(connection => Read(connection, "", null).Select(k => k.Key).ToList(), cancellationToken);

    public Task<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>> ReadAllAsync(CancellationToken cancellationToken) =>
        file.ReadAsync<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>>(connection => Read(connection, "", null), cancellationToken);

    public Task<bool> RevokeAsync(long id, DateTime now, CancellationToken cancellationToken) => writer.WriteAsync(connection =>
    {
        var updated = Scalar(connection, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING id", id, now);
        _keysByHash.Clear();
        return updated is not null;
    }, cancellationToken);

    public Task RecordUseAsync(IReadOnlyDictionary<long, DateTime> lastUsed, CancellationToken cancellationToken) =>
        lastUsed.Count == 0 ? Task.CompletedTask : writer.WriteAsync(connection =>
        {
            Execute(connection, $"""
                UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, v.used), v.used)
                FROM (VALUES {Rows(lastUsed.Select(p => $"{Literal(p.Key)}, {Literal(p.Value)}"))}) v(id, used)
                WHERE api_keys.id = v.id
                """);
            return true;
        }, cancellationToken);

    public Task<bool> HasActiveInstanceAdminAsync(CancellationToken cancellationToken) =>
        file.ReadAsync(connection => Scalar(connection, $"SELECT 1 FROM api_keys WHERE role = '{RoleNames.Of(Role.InstanceAdmin)}' AND revoked_at IS NULL LIMIT 1") is not null, cancellationToken);

    /// <summary>Stores keys as they are (ids, times, secret hashes); keys created afterwards get ids after them.</summary>
    public Task ImportAsync(IReadOnlyList<(ApiKey Key, byte[] SecretHash)> keys, CancellationToken cancellationToken) =>
        keys.Count == 0 ? Task.CompletedTask : writer.WriteAsync(connection =>
        {
            using (var transaction = connection.BeginTransaction())
            {
                foreach (var (key, hash) in keys)
                {
                    Execute(connection, "INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        key.Id, hash, StoredText.Encode(key.Name), RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt, key.RevokedAt, key.LastUsedAt);
                }

                transaction.Commit();
            }

            // DuckDB has no setval: the id sequence is moved past the imported ids by drawing from it.
            var highest = keys.Max(k => k.Key.Id);
            var next = ScalarInt64(connection, "SELECT nextval('api_key_ids')");
            if (next < highest)
            {
                Execute(connection, $"SELECT max(nextval('api_key_ids')) FROM range({Literal(highest - next)})");
            }

            _keysByHash.Clear();
            return true;
        }, cancellationToken);

    private static List<(ApiKey Key, byte[] SecretHash)> Read(DuckDBConnection connection, string where, byte[]? hash)
    {
        using var command = hash is null
            ? Command(connection, $"SELECT id, name, role, company_id, created_at, revoked_at, last_used_at, secret_hash FROM api_keys {where} ORDER BY id")
            : Command(connection, $"SELECT id, name, role, company_id, created_at, revoked_at, last_used_at, secret_hash FROM api_keys {where} ORDER BY id", hash);
        using var reader = command.ExecuteReader();
        var keys = new List<(ApiKey, byte[])>();
        while (reader.Read())
        {
            if (!RoleNames.TryParse(reader.GetString(2), out var role))
            {
                throw new InvalidDataException($"API key {reader.GetInt64(0)} has an unknown role '{reader.GetString(2)}'.");
            }

            var key = new ApiKey(reader.GetInt64(0), StoredText.Decode(reader.GetString(1))!, role, NullableInt64(reader, 3),
                Utc(reader.GetDateTime(4)), NullableDateTime(reader, 5), NullableDateTime(reader, 6));
            using var stream = reader.GetStream(7);
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            keys.Add((key, bytes.ToArray()));
        }

        return keys;
    }
}
