using System.Globalization;
using DuckDB.NET.Data;
using Tally.Access;
using Tally.Companies;

namespace Tally.Storage.DuckDb;

public sealed partial class DuckDbStore
{
    public async Task<ApiKey> CreateApiKeyAsync(NewApiKey key, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _writer.BeginTransaction();
            if (key.CompanyId is { } companyId)
            {
                Execute(_writer, "INSERT INTO companies VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    companyId, Company.DefaultName(companyId), Company.DefaultTimeZone, key.CreatedAt);
            }

            var id = Convert.ToInt64(Scalar(_writer, """
                INSERT INTO api_keys (secret_hash, name, role, company_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
                """, key.SecretHash, StoredText.Encode(key.Name), RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt), CultureInfo.InvariantCulture);
            transaction.Commit();
            if (key.CompanyId is { } created)
            {
                AddDefaultCompany(created, key.CreatedAt);
            }

            return new ApiKey(id, key.Name, key.Role, key.CompanyId, key.CreatedAt, null, null);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<(ApiKey Key, byte[] SecretHash)?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken)
    {
        var cacheKey = Convert.ToHexString(secretHash);
        if (_keysByHash.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var found = await ReadAsync(connection => ReadKeys(connection, "WHERE secret_hash = $1", secretHash).Select(k => ((ApiKey, byte[])?)k).SingleOrDefault(), cancellationToken);
        if (found is { } key)
        {
            _keysByHash[cacheKey] = key;
        }

        return found;
    }

    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<ApiKey>>(connection => ReadKeys(connection, "", null).Select(k => k.Key).ToList(), cancellationToken);

    public async Task<bool> RevokeApiKeyAsync(long id, DateTime now, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var updated = Scalar(_writer, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING id", id, now);
            _keysByHash.Clear();
            return updated is not null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task RecordApiKeyUseAsync(IReadOnlyDictionary<long, DateTime> lastUsed, CancellationToken cancellationToken)
    {
        if (lastUsed.Count == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            Execute(_writer, $"""
                UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, v.used), v.used)
                FROM (VALUES {Rows(lastUsed.Select(p => $"{Literal(p.Key)}, {Literal(p.Value)}"))}) v(id, used)
                WHERE api_keys.id = v.id
                """);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<bool> HasActiveInstanceAdminKeyAsync(CancellationToken cancellationToken) =>
        ReadAsync(connection => Scalar(connection, $"SELECT 1 FROM api_keys WHERE role = '{RoleNames.Of(Role.InstanceAdmin)}' AND revoked_at IS NULL LIMIT 1") is not null, cancellationToken);

    private static List<(ApiKey Key, byte[] SecretHash)> ReadKeys(DuckDBConnection connection, string where, byte[]? hash)
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
