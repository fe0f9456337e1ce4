using System.Net.Sockets;
using Npgsql;

namespace Tally.Storage.Postgres;

/// <summary>
/// The server-database store: PostgreSQL 15 or later, shared by any number of Tally servers. It keeps nothing in
/// memory that another server could make stale: every commit stores its events, their ledger rows and the report
/// aggregates in one transaction, under a per-company advisory lock (taken in company order, so writers never
/// deadlock), and every read asks the database. A 200 is therefore durable (PostgreSQL syncs its log on commit) and
/// visible to the next report on any server.
/// </summary>
public sealed partial class PostgresStore : ITallyStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _where;

    private PostgresStore(NpgsqlDataSource dataSource, string where)
    {
        _dataSource = dataSource;
        _where = where;
    }

    /// <summary>
    /// Opens the store on a PostgreSQL database, given as a connection string (<c>Host=...;Database=...</c>) or a
    /// <c>postgres://</c> URL. A malformed location throws <see cref="StoreUnavailableException"/>; nothing is
    /// contacted before <see cref="MigrateAsync"/>.
    /// </summary>
    public static PostgresStore Open(string location)
    {
        var builder = ConnectionStrings.Parse(location);
        // Timestamps are instants; the session's zone only matters to date arithmetic, which is UTC here.
        builder.Timezone = "UTC";
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new StoreUnavailableException("The PostgreSQL location names no host.");
        }

        var where = $"PostgreSQL at {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        return new PostgresStore(new NpgsqlDataSourceBuilder(builder.ConnectionString).Build(), where);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await CheckServerAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({Schema.MigrationLock})", cancellationToken);
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL)", cancellationToken);
        var applied = Convert.ToInt32(await ScalarAsync(connection, "SELECT coalesce(max(version), 0) FROM schema_migrations", cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        var known = Schema.Steps[^1].Version;
        if (applied > known)
        {
            throw new StoreUnavailableException($"The database at {_where} has schema version {applied}, newer than this Tally knows ({known}): run a Tally at least as new as the one that upgraded it.");
        }

        foreach (var (version, description, sql) in Schema.Steps.Where(step => step.Version > applied))
        {
            await ExecuteAsync(connection, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations VALUES ($1, $2, now())", connection);
            record.Parameters.Add(new() { Value = version });
            record.Parameters.Add(new() { Value = description });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Refuses a server on which Tally's promises cannot hold.</summary>
    private async Task CheckServerAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (connection.PostgreSqlVersion.Major < 15)
        {
            throw new StoreUnavailableException($"{_where} runs PostgreSQL {connection.PostgreSqlVersion}; Tally needs 15 or later.");
        }

        var encoding = (string?)await ScalarAsync(connection, "SHOW server_encoding", cancellationToken);
        if (encoding != "UTF8")
        {
            throw new StoreUnavailableException($"The database at {_where} is encoded in {encoding}; Tally needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8').");
        }

        // A 200 promises the events survive a crash: a server that does not sync its log cannot keep that promise.
        if ((string?)await ScalarAsync(connection, "SHOW fsync", cancellationToken) == "off")
        {
            throw new StoreUnavailableException($"{_where} runs with fsync off: acknowledged events could be lost in a crash. Turn fsync on.");
        }

        if ((string?)await ScalarAsync(connection, "SHOW synchronous_commit", cancellationToken) == "off")
        {
            throw new StoreUnavailableException($"{_where} runs with synchronous_commit off: acknowledged events could be lost in a crash. Set it to on (or local).");
        }
    }

    /// <summary>A pooled connection; a server that cannot be reached or refuses the login is a <see cref="StoreUnavailableException"/>.</summary>
    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw new StoreUnavailableException($"{_where} refused the connection: {e.MessageText}.", e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new StoreUnavailableException($"{_where} does not answer: {(e.InnerException ?? e).Message.TrimEnd('.')}.", e);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>
    /// A connection that could not be opened, one that broke (an I/O error or no answer in time: the server stopped or
    /// restarted under it), or the server saying it is shutting down, starting up or out of connections.
    /// </summary>
    public bool IsOutage(Exception exception) => exception switch
    {
        StoreUnavailableException => true,
        PostgresException e => e.SqlState.StartsWith("08", StringComparison.Ordinal) || e.SqlState is "57P01" or "57P02" or "57P03" or "53300",
        NpgsqlException e => e.IsTransient,
        _ => false,
    };

    /// <summary>Aggregates are written in each commit's transaction: none ever waits.</summary>
    public long AggregationLag => 0;

    /// <summary>
    /// The database's size (<c>pg_database_size</c>: every table, index and partition of it), asked at each scrape
    /// with a 2-second limit; null when the server does not answer in time.
    /// </summary>
    public long? MeasureSize()
    {
        try
        {
            using var connection = _dataSource.OpenConnection();
            using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection) { CommandTimeout = 2 };
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is NpgsqlException or SocketException or TimeoutException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Takes the advisory locks of these companies for the transaction, in ascending order (no deadlocks between writers).</summary>
    private static Task LockCompaniesAsync(NpgsqlConnection connection, IEnumerable<long> companies, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(id) FROM (SELECT DISTINCT id FROM unnest($1::bigint[]) id ORDER BY id) ordered",
            cancellationToken, companies.Distinct().Order().ToArray());

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    public async ValueTask DisposeAsync()
    {
        await _writerLock.WaitAsync();
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _writerLock.Release();
        }

        await _dataSource.DisposeAsync();
    }
}
