using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The embedded store: one DuckDB file. DuckDB lets one process open a file for writing, so this store is
/// the only writer: writes go through one connection under a lock, reads open their own connections
/// (DuckDB's MVCC lets them run beside the writer). Idempotency rests on the events primary key:
/// <c>INSERT ... ON CONFLICT DO NOTHING RETURNING</c> tells which events of a commit were new.
/// A commit is durable when it returns: DuckDB syncs its write-ahead log on commit.
/// </summary>
public sealed class DuckDbStore : ITallyStore
{
    public const string FileName = "tally.duckdb";

    private readonly string _connectionString;
    private readonly DuckDBConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Only this process can have the file open, so a key cache invalidated by this store's own writes is exact.
    private readonly ConcurrentDictionary<string, (ApiKey Key, byte[] SecretHash)> _keysByHash = new(StringComparer.Ordinal);

    private DuckDbStore(string connectionString, DuckDBConnection writer)
    {
        _connectionString = connectionString;
        _writer = writer;
    }

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static DuckDbStore Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var connectionString = $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), FileName)}";
        var writer = new DuckDBConnection(connectionString);
        writer.Open();
        return new DuckDbStore(connectionString, writer);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            Execute(_writer, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)");
            var applied = Convert.ToInt32(Scalar(_writer, "SELECT coalesce(max(version), 0) FROM schema_migrations"), CultureInfo.InvariantCulture);
            foreach (var (version, description, sql) in Migrations.Steps.Where(step => step.Version > applied))
            {
                using var transaction = _writer.BeginTransaction();
                Execute(_writer, sql);
                Execute(_writer, "INSERT INTO schema_migrations VALUES ($1, $2, now())", version, description);
                transaction.Commit();
            }

            Execute(_writer, "CREATE OR REPLACE TEMP TABLE staged_events AS SELECT * EXCLUDE (received_at) FROM events LIMIT 0");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // ---------------------------------------------------------------- events

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
            Execute(_writer, "DELETE FROM staged_events");
            Stage(candidates);
            var inserted = new HashSet<(long, string)>();
            using (var command = Command(_writer, $"""
                INSERT INTO events SELECT *, $1 AS received_at FROM staged_events
                ON CONFLICT DO NOTHING RETURNING company_id, event_id
                """, commit.ReceivedAt))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    inserted.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            AppendDocuments(candidates, inserted);
            var results = Count(commit, inserted, out var counts);
            RecordCounts(commit, counts);
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
                    .EndRow();
            }
        }
    }

    private void AppendDocuments(List<PlatformEvent> candidates, HashSet<(long, string)> inserted)
    {
        using var documents = _writer.CreateAppender("event_documents");
        foreach (var e in candidates)
        {
            if (e.Documents.Count == 0 || !inserted.Contains((e.CompanyId, e.Id)))
            {
                continue;
            }

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

    // ---------------------------------------------------------------- companies

    public Task<Company?> FindCompanyAsync(long id, CancellationToken cancellationToken) =>
        ReadAsync(connection => ReadCompanies(connection, id).SingleOrDefault(), cancellationToken);

    public Task<IReadOnlyList<Company>> ListCompaniesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Company>>(connection => ReadCompanies(connection, null), cancellationToken);

    public async Task<(Company Company, bool Created)> UpsertCompanyAsync(long id, CompanyChange change, DateTime now, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _writer.BeginTransaction();
            var existing = ReadCompanies(_writer, id).SingleOrDefault();
            var company = existing is null
                ? new Company(id, change.Name ?? Company.DefaultName(id), change.TimeZone ?? Company.DefaultTimeZone, now)
                : existing with { Name = change.Name ?? existing.Name, TimeZone = change.TimeZone ?? existing.TimeZone };
            Execute(_writer, """
                INSERT INTO companies VALUES ($1, $2, $3, $4)
                ON CONFLICT DO UPDATE SET name = excluded.name, timezone = excluded.timezone
                """, company.Id, company.Name, company.TimeZone, company.CreatedAt);
            transaction.Commit();
            return (company, existing is null);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static List<Company> ReadCompanies(DuckDBConnection connection, long? id)
    {
        using var command = id is { } only
            ? Command(connection, "SELECT id, name, timezone, created_at FROM companies WHERE id = $1", only)
            : Command(connection, "SELECT id, name, timezone, created_at FROM companies ORDER BY id");
        using var reader = command.ExecuteReader();
        var companies = new List<Company>();
        while (reader.Read())
        {
            companies.Add(new Company(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Utc(reader.GetDateTime(3))));
        }

        return companies;
    }

    // ---------------------------------------------------------------- api keys

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
                """, key.SecretHash, key.Name, RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt), CultureInfo.InvariantCulture);
            transaction.Commit();
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

            var key = new ApiKey(reader.GetInt64(0), reader.GetString(1), role, NullableInt64(reader, 3),
                Utc(reader.GetDateTime(4)), NullableDateTime(reader, 5), NullableDateTime(reader, 6));
            using var stream = reader.GetStream(7);
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            keys.Add((key, bytes.ToArray()));
        }

        return keys;
    }

    // ---------------------------------------------------------------- plumbing

    private async Task<T> ReadAsync<T>(Func<DuckDBConnection, T> query, CancellationToken cancellationToken)
    {
        await using var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return query(connection);
    }

    private static DuckDBCommand Command(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter ?? DBNull.Value));
        }

        return command;
    }

    private static void Execute(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    private static object? Scalar(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private static string Rows(IEnumerable<string> rows) => string.Join(", ", rows.Select(row => $"({row})"));

    private static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Literal(DateTime value) => $"TIMESTAMP '{value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'";

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static DateTime? NullableDateTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Utc(reader.GetDateTime(ordinal));

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            Execute(_writer, "CHECKPOINT");
        }
        finally
        {
            _writeLock.Release();
            await _writer.DisposeAsync();
            _writeLock.Dispose();
        }
    }

    private sealed class CommitCounts
    {
        public HashSet<long> AcceptedCompanies { get; } = [];

        public Dictionary<(long, string), long> Stored { get; } = [];

        public Dictionary<long, long> Duplicates { get; } = [];
    }
}
