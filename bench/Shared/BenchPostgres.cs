using System.Globalization;
using Npgsql;
using Tally.Storage.Postgres;
using Tally.Testing;

namespace Tally.Benchmarking;

/// <summary>
/// The PostgreSQL server a benchmark runs on (<c>--store</c>): either a throwaway local cluster it starts itself
/// (<c>--store postgres</c>: Tally.Testing's throwaway cluster, tuned for a benchmark, removed afterwards) or a
/// server given by a connection string. Each phase gets a fresh database of its own (CREATE DATABASE, so the role
/// needs CREATEDB), dropped when the phase is over. pg_stat_statements is created in each database when the server
/// has it loaded (always on the throwaway cluster), for the per-statement costs.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private readonly PostgresCluster? _cluster;
    private int _databases;

    private BenchPostgres(string adminConnectionString, PostgresCluster? cluster, string description)
    {
        _adminConnectionString = adminConnectionString;
        _cluster = cluster;
        Description = description;
    }

    /// <summary>What the benchmark runs on, for the header (no password).</summary>
    public string Description { get; }

    /// <summary>Whether the cluster is this run's own (its processes and log can be read).</summary>
    public bool Local => _cluster is not null;

    /// <summary>The cluster's log (auto_explain writes its plans there); null on a server given by connection string.</summary>
    public string? LogFile => _cluster?.LogFile;

    /// <summary>
    /// The settings of the throwaway cluster, after the test clusters' own (Tally.Testing.PostgresCluster: loopback,
    /// fsync and synchronous_commit on), shown in the benchmarks' docs.
    /// </summary>
    public const string TunedSettings = """

        # Set by the Tally benchmarks: a throwaway server, tuned for a 2-core / 24 GiB machine. Durability stays real.
        shared_buffers = 4GB
        effective_cache_size = 12GB
        work_mem = 64MB
        maintenance_work_mem = 1GB
        wal_buffers = 64MB
        max_wal_size = 16GB
        min_wal_size = 2GB
        checkpoint_timeout = 15min
        checkpoint_completion_target = 0.9
        random_page_cost = 1.1
        max_connections = 100
        # Two cores: one parallel worker at most per query (the GROUP BY baselines can use it; Tally's reads are small).
        max_worker_processes = 4
        max_parallel_workers = 2
        max_parallel_workers_per_gather = 1
        max_parallel_maintenance_workers = 1
        # Per-statement costs (pg_stat_statements) and, when a benchmark turns it on for a database, plans (auto_explain).
        shared_preload_libraries = 'pg_stat_statements,auto_explain'
        pg_stat_statements.max = 5000
        pg_stat_statements.track = all
        track_io_timing = on
        log_checkpoints = on
        """;

    /// <summary>
    /// <c>postgres</c> (or <c>postgresql</c>, <c>local</c>): a throwaway cluster of this run; anything else is a connection
    /// string or <c>postgres://</c> URL of a server whose role may create databases.
    /// </summary>
    public static async Task<BenchPostgres> StartAsync(string store, CancellationToken cancellationToken = default)
    {
        if (store is "postgres" or "postgresql" or "pg" or "local")
        {
            if (!File.Exists(Path.Combine(PostgresCluster.BinDirectory, "initdb")))
            {
                throw new InvalidOperationException($"--store postgres needs PostgreSQL 15 in {PostgresCluster.BinDirectory} (apt-get install postgresql-15).");
            }

            var cluster = await PostgresCluster.StartAsync(TunedSettings, cancellationToken);
            return new BenchPostgres(cluster.AdminConnectionString, cluster,
                $"throwaway PostgreSQL 15 cluster in {cluster.Folder} on 127.0.0.1:{cluster.Port} (settings: bench/Shared/BenchPostgres.cs)");
        }

        var builder = ConnectionStrings.Parse(store);
        builder.Database ??= "postgres";
        builder.Pooling = false;
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
        }

        return new BenchPostgres(builder.ConnectionString, null, $"PostgreSQL at {builder.Host}:{builder.Port} (given; fresh databases per phase)");
    }

    /// <summary>A fresh, empty database; its connection string (pooled, as the store uses it).</summary>
    public async Task<string> CreateDatabaseAsync(string hint, CancellationToken cancellationToken = default)
    {
        var name = $"tally_bench_{hint}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
        await using (var connection = new NpgsqlConnection(Unpooled(connectionString)))
        {
            await connection.OpenAsync(cancellationToken);
            await using var extension = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
            try
            {
                await extension.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException exception)
            {
                Console.WriteLine($"        (pg_stat_statements not available: {exception.MessageText})");
            }
        }

        return connectionString;
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException exception)
        {
            Console.Error.WriteLine($"warning: could not drop database {name}: {exception.Message}");
        }
    }

    public static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    /// <summary>Size of one database on disk (pg_database_size: tables, indexes, TOAST; not the write-ahead log).</summary>
    public static async Task<long> DatabaseSizeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Forgets the statement statistics gathered so far (the whole server's).</summary>
    public static async Task ResetStatementsAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Unpooled(connectionString));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_stat_statements_reset()", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException)
        {
            // Not loaded: the statement table is simply not printed.
        }
    }

    /// <summary>
    /// The statements of this database that cost the most since the last reset (pg_stat_statements, top level and
    /// nested), as printable lines: total and mean execution ms, calls, rows, shared blocks hit/read/dirtied, WAL bytes.
    /// </summary>
    public static async Task<List<string>> TopStatementsAsync(string connectionString, int count, double? wallMs = null)
    {
        var lines = new List<string>();
        try
        {
            await using var connection = new NpgsqlConnection(Unpooled(connectionString));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                SELECT total_exec_time, mean_exec_time, calls, rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, wal_bytes,
                       regexp_replace(query, '\s+', ' ', 'g')
                FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                ORDER BY total_exec_time DESC LIMIT {count}
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var total = reader.GetDouble(0);
                var share = wallMs is { } wall ? $" ({100 * total / wall,5:N1}% of wall)" : "";
                var text = reader.GetString(8);
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{total,10:N0} ms{share} mean {reader.GetDouble(1),8:N3} ms  calls {reader.GetInt64(2),8:N0}  rows {reader.GetInt64(3),11:N0}  blks hit/read/dirtied {reader.GetInt64(4):N0}/{reader.GetInt64(5):N0}/{reader.GetInt64(6):N0}  WAL {reader.GetDecimal(7) / 1048576m:N0} MiB  | {(text.Length > 260 ? text[..260] + "…" : text)}"));
            }
        }
        catch (PostgresException exception)
        {
            lines.Add("(pg_stat_statements not available: " + exception.MessageText + ")");
        }

        return lines;
    }

    /// <summary>
    /// Turns auto_explain on (ANALYZE, BUFFERS, every statement) for the whole server, open sessions included (ALTER
    /// SYSTEM and a reload), or off again: the plans of a read path go to the server log, then <see cref="CopyPlans"/>
    /// keeps them. Superuser only; used on the throwaway cluster.
    /// </summary>
    public async Task SetExplainAsync(bool on)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        var statements = on
            ? new[] { "ALTER SYSTEM SET auto_explain.log_min_duration = 0", "ALTER SYSTEM SET auto_explain.log_analyze = on", "ALTER SYSTEM SET auto_explain.log_buffers = on", "ALTER SYSTEM SET auto_explain.log_nested_statements = on", "SELECT pg_reload_conf()" }
            : new[] { "ALTER SYSTEM RESET auto_explain.log_min_duration", "ALTER SYSTEM RESET auto_explain.log_analyze", "ALTER SYSTEM RESET auto_explain.log_buffers", "ALTER SYSTEM RESET auto_explain.log_nested_statements", "SELECT pg_reload_conf()" };
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync();
        }

        // Backends read the new configuration before their next command; give the signal time to arrive.
        await Task.Delay(300);
    }

    /// <summary>Where the server log is now (to copy only what is logged after it).</summary>
    public long LogLength() => LogFile is { } log && File.Exists(log) ? new FileInfo(log).Length : 0;

    /// <summary>Copies what the server logged since <paramref name="from"/> into <paramref name="target"/>.</summary>
    public void CopyPlans(long from, string target)
    {
        if (LogFile is not { } log || !File.Exists(log))
        {
            return;
        }

        using var source = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        source.Seek(from, SeekOrigin.Begin);
        using var output = File.Create(target);
        source.CopyTo(output);
    }

    /// <summary>CPU seconds used so far by the cluster's processes (postmaster and its children); null when not this run's cluster.</summary>
    public double? ServerCpuSeconds()
    {
        if (_cluster is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var postmaster = int.Parse(File.ReadLines(Path.Combine(_cluster.DataFolder, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            var ticks = 0L;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(directory, "stat"));
                }
                catch (IOException)
                {
                    continue;
                }

                // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17)
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    if (pid == postmaster)
                    {
                        // Children that have exited (and been waited for) are counted in the postmaster's cutime/cstime.
                        ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                    }
                }
            }

            return ticks / 100.0; // USER_HZ is 100 on Linux.
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync() => _cluster?.DisposeAsync() ?? ValueTask.CompletedTask;
}
