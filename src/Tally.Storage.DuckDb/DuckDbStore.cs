using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;
using Tally.Access;
using Tally.Companies;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The embedded store: one DuckDB file. DuckDB lets one process open a file for writing, so this store is
/// the only writer: writes go through one connection under a lock, reads open their own connections
/// (DuckDB's MVCC lets them run beside the writer). Idempotency rests on the single writer: each event is
/// checked against the stored ones (a set of their <see cref="EventKey"/>s in memory, then their ids) before it
/// is appended. A commit is durable when it returns: DuckDB syncs its write-ahead log on commit.
/// </summary>
public sealed partial class DuckDbStore : ITallyStore
{
    public const string FileName = "tally.duckdb";

    private readonly string _connectionString;
    private readonly DuckDBConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // The aggregates have their own connection and lock: they are brought up to date beside the writer.
    // Whoever needs both locks takes the write lock first.
    private readonly DuckDBConnection _aggregator;
    private readonly SemaphoreSlim _aggregationLock = new(1, 1);

    // Only this process can have the file open, so a key cache invalidated by this store's own writes is exact.
    private readonly ConcurrentDictionary<string, (ApiKey Key, byte[] SecretHash)> _keysByHash = new(StringComparer.Ordinal);

    // Every company with its time zone (which gives events their day), kept in memory: every report request
    // looks its company up, and a query per request cost more than some reports' own reads. Only this process
    // writes the file, so the map changes with this store's own writes, under the write lock.
    private readonly ConcurrentDictionary<long, (Company Company, TimeZoneInfo Zone)> _companies = new();

    // The last commit stored, and the last one the aggregates include; both move only under the write lock.
    private long _lastCommit;
    private long _aggregatedCommit;
    private long _eventsToAggregate;

    // The key of an event; a stand-in for EventKey.Of only in tests that need keys to collide.
    private readonly Func<long, string, long> _eventKey;

    // Each asked-about company's newest connections, kept up to date by the aggregation.
    private readonly NewestConnections _newestConnections;

    private DuckDbStore(string connectionString, DuckDBConnection writer, DuckDBConnection aggregator, Func<long, string, long> eventKey, int connectionsKept)
    {
        _newestConnections = new NewestConnections(connectionsKept);
        _connectionString = connectionString;
        _writer = writer;
        _aggregator = aggregator;
        _eventKey = eventKey;
    }

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static DuckDbStore Open(string dataDirectory) => Open(dataDirectory, EventKey.Of);

    /// <summary>
    /// Opens the store with a stand-in for the event key function (tests make keys collide with it) and the
    /// number of connections kept in memory per company (tests keep few, to page past them).
    /// </summary>
    internal static DuckDbStore Open(string dataDirectory, Func<long, string, long> eventKey, int connectionsKept = NewestConnections.DefaultCapacity)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(Path.GetFullPath(dataDirectory), FileName);
        var connectionString = $"Data Source={path}";
        var writer = new DuckDBConnection(connectionString);
        OpenFile(writer, path);
        // DuckDB checkpoints every 16 MiB of write-ahead log by default, and the commit that crosses the threshold
        // waits for the checkpoint: at millions of events, seconds spent compressing the events' strings. A larger
        // log checkpoints less often (and replays longer after a crash); the store also checkpoints when it closes.
        Execute(writer, "SET checkpoint_threshold = '1GB'");
        // DuckDB runs a query on as many threads as there are cores, and a query's threads spin on its task queue
        // while they wait: on a small machine that takes CPU from the HTTP server beside it. The store's statements
        // are small (aggregates, a day's rows), so half the cores are plenty: on 2 cores, ingestion over HTTP went
        // from 90–100k to 102–111k events/s, reports unchanged.
        Execute(writer, $"SET threads = {Math.Max(1, Environment.ProcessorCount / 2)}");
        writer.RegisterScalarFunction<long, string, long>(Migrations.EventKeyFunction, (arguments, result, rows) =>
        {
            for (var row = 0UL; row < rows; row++)
            {
                result.WriteValue(eventKey(arguments[0].GetValue<long>(row), arguments[1].GetValue<string>(row)), row);
            }
        });
        var aggregator = new DuckDBConnection(connectionString);
        aggregator.Open();
        return new DuckDbStore(connectionString, writer, aggregator, eventKey, connectionsKept);
    }

    /// <summary>Opens the file; DuckDB's refusals an operator can act on become one line for them.</summary>
    private static void OpenFile(DuckDBConnection connection, string path)
    {
        try
        {
            connection.Open();
        }
        catch (DuckDBException exception) when (exception.Message.Contains("Could not set lock", StringComparison.Ordinal))
        {
            // DuckDB lets one process open a file; its message names the holder: "... is held in /usr/bin/dotnet (PID 8609)".
            var holder = System.Text.RegularExpressions.Regex.Match(exception.Message, @"\(PID (\d+)\)") is { Success: true } match ? $" (process {match.Groups[1].Value})" : "";
            throw new StoreUnavailableException(
                $"The store {path} is in use by another process{holder}: stop that Tally server or command first, or use another data folder.", exception);
        }
        catch (DuckDBException exception) when (exception.Message.Contains("not a valid DuckDB database", StringComparison.Ordinal))
        {
            throw new StoreUnavailableException($"{path} is not a Tally store: the file is not a DuckDB database.", exception);
        }
        catch (DuckDBException exception)
        {
            // A file of a newer DuckDB, a folder without write permission...: DuckDB's own first line says which.
            throw new StoreUnavailableException($"Cannot open the store {path}: {exception.Message.Split('\n')[0].Trim()}", exception);
        }
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            Execute(_writer, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)");
            var applied = Convert.ToInt32(Scalar(_writer, "SELECT coalesce(max(version), 0) FROM schema_migrations"), CultureInfo.InvariantCulture);
            var known = Migrations.Steps.Max(step => step.Version);
            if (applied > known)
            {
                throw new StoreUnavailableException(string.Create(CultureInfo.InvariantCulture,
                    $"The store {_connectionString["Data Source=".Length..]} has schema version {applied}, newer than this Tally knows ({known}): run a Tally at least as new as the one that wrote it."));
            }

            foreach (var (version, description, sql) in Migrations.Steps.Where(step => step.Version > applied))
            {
                using var transaction = _writer.BeginTransaction();
                Execute(_writer, sql);
                Execute(_writer, "INSERT INTO schema_migrations VALUES ($1, $2, now())", version, description);
                transaction.Commit();
            }

            // Per-connection scratch tables of the write path and of the aggregation.
            foreach (var connection in new[] { _writer, _aggregator })
            {
                Execute(connection, """
                    CREATE OR REPLACE TEMP TABLE suspect_keys (key_hash BIGINT);
                    CREATE OR REPLACE TEMP TABLE increments (company_id BIGINT, day DATE, a VARCHAR, b VARCHAR, amount BIGINT);
                    CREATE OR REPLACE TEMP TABLE zone_periods (period_start TIMESTAMP, period_end TIMESTAMP, offset_minutes BIGINT);
                    """);
            }
            LoadCompanies();
            _lastCommit = Convert.ToInt64(Scalar(_writer, "SELECT coalesce(max(seq), 0) FROM events"), CultureInfo.InvariantCulture);
            _aggregatedCommit = Convert.ToInt64(Scalar(_writer, "SELECT watermark FROM aggregation_state"), CultureInfo.InvariantCulture);
            if (applied < 2 && Scalar(_writer, "SELECT 1 FROM events LIMIT 1") is not null)
            {
                // Events stored before the aggregates existed: compute their days and the aggregates once.
                using var transaction = _writer.BeginTransaction();
                foreach (var company in _companies.Keys)
                {
                    Rebuild(company, ZoneOf(company));
                }

                transaction.Commit();
            }

            _storedKeys = LoadStoredKeys();

            // Commits stored but not yet aggregated when the process last stopped (or was killed).
            await _aggregationLock.WaitAsync(cancellationToken);
            try
            {
                CatchUpHoldingAggregationLock();
            }
            finally
            {
                _aggregationLock.Release();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }


    /// <summary>The set of every stored event key.</summary>
    private StoredKeySet LoadStoredKeys()
    {
        var count = Convert.ToInt64(Scalar(_writer, "SELECT count(*) FROM events"), CultureInfo.InvariantCulture);
        var keys = new StoredKeySet(count);
        using var command = Command(_writer, "SELECT key_hash FROM events");
        // Streamed chunk by chunk: the process would keep the high-water mark of a materialised result.
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(reader.GetInt64(0));
        }

        return keys;
    }

    /// <summary>A report read: first brings the aggregates up to the last acknowledged commit (read your writes).</summary>
    private async Task<T> ReportAsync<T>(Func<DuckDBConnection, T> query, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        return await ReadAsync(query, cancellationToken);
    }

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

    private static string Literal(DateOnly value) => $"DATE '{value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'";

    private static string Literal(DateTime value) => $"TIMESTAMP '{value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'";

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static DateTime? NullableDateTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Utc(reader.GetDateTime(ordinal));

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        await _aggregationLock.WaitAsync();
        try
        {
            CatchUpHoldingAggregationLock();
            Execute(_writer, "CHECKPOINT");
        }
        finally
        {
            _aggregationLock.Release();
            _writeLock.Release();
            await _aggregator.DisposeAsync();
            await _writer.DisposeAsync();
            _aggregationLock.Dispose();
            _writeLock.Dispose();

            // The key set is the store's largest allocation (~1 GiB at 100M events): a closed store should not keep it
            // while something still holds the store.
            _storedKeys = new StoredKeySet(0);
        }
    }
}
