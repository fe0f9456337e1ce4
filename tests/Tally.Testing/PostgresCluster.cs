using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Tally.Testing;

/// <summary>
/// A real, throwaway PostgreSQL 15 server: its own cluster (initdb) in a temporary folder, listening on 127.0.0.1 on a
/// free port, trusting loopback, with fsync on because durability is what the tests check. Tests get one fresh
/// database each from <see cref="CreateDatabaseAsync"/>. A test assembly shares one cluster (<see cref="SharedAsync"/>),
/// stopped with the test process; clusters whose test process died are cleaned up by the next start. The benchmarks
/// start theirs here too, with settings of their own.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    /// <summary>The superuser initdb creates; loopback is trusted, so it needs no password.</summary>
    public const string Superuser = "postgres";

    private const string FolderPrefix = "tally-pg-";

    // Which test process a cluster folder belongs to: a folder whose owner is gone is a leftover.
    private const string OwnerFile = "owner.pid";

    private static readonly Lazy<Task<PostgresCluster>> Shared = new(StartSharedAsync);
    private static int _databasesCreated;
    private int _stopped;

    private PostgresCluster(string folder, int port)
    {
        Folder = folder;
        Port = port;
    }

    /// <summary>The temporary folder holding the cluster's data, socket and log; removed when the cluster stops.</summary>
    public string Folder { get; }

    public int Port { get; }

    /// <summary>The connection string of the maintenance database (<c>postgres</c>), as the superuser.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder(ConnectionString("postgres"))
    {
        // One-off connections: no pool keeps a session open on the server between them.
        Pooling = false,
    }.ToString();

    /// <summary>The cluster's data directory (its postmaster.pid names the server's process).</summary>
    public string DataFolder => Path.Combine(Folder, "data");

    /// <summary>The server's log.</summary>
    public string LogFile => Path.Combine(Folder, "server.log");

    // The server runs as the postgres OS user when the tests run as root: PostgreSQL refuses to run as root.
    private static bool RunningAsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>
    /// The cluster of this test process, started on first use and stopped (its folder removed) when the process exits.
    /// A start that failed fails every caller with the same message rather than being tried again per test.
    /// </summary>
    public static Task<PostgresCluster> SharedAsync() => Shared.Value;

    /// <summary>
    /// Starts a cluster of its own (the caller stops it with <see cref="DisposeAsync"/>), with the tests' settings
    /// followed by <paramref name="settings"/> (postgresql.conf lines; a setting given again there wins).
    /// </summary>
    public static async Task<PostgresCluster> StartAsync(string? settings = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed: {BinDirectory}/initdb is missing. .ci/run installs it (apt-get install postgresql-15); run it once, or install that package.");
        }

        var parent = RunningAsRoot ? "/tmp" : Path.GetTempPath();
        RemoveLeftovers(parent);
        var folder = Path.Combine(parent, FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        try
        {
            if (RunningAsRoot)
            {
                await RunAsync("chown", ["-R", $"{Superuser}:{Superuser}", folder], folder, asPostgres: false, cancellationToken);
            }

            var data = Path.Combine(folder, "data");
            // --no-sync: the cluster is thrown away, so the files initdb writes need no flush; the running server's
            // fsync stays on (below), and that is what the tests rely on.
            await RunAsync(Path.Combine(BinDirectory, "initdb"),
                ["-D", data, "--username", Superuser, "--auth-local", "trust", "--auth-host", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"],
                folder, RunningAsRoot, cancellationToken);
            await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), Settings(folder) + (settings ?? ""), cancellationToken);
            StartWatchdog(folder);

            // The port is free when chosen but another process may take it first: a failed start is tried on another.
            for (var attempt = 1; ; attempt++)
            {
                var cluster = new PostgresCluster(folder, FreePort());
                try
                {
                    await cluster.StartServerAsync(cancellationToken);
                    return cluster;
                }
                catch (InvalidOperationException) when (attempt < 3 && cluster.ServerLog().Contains("could not bind", StringComparison.Ordinal))
                {
                    // Someone else took the port: try another.
                }
            }
        }
        catch
        {
            StopAndRemove(folder);
            throw;
        }
    }

    /// <summary>
    /// Creates a new, empty database (a unique name, from <paramref name="nameHint"/> when given) and returns the
    /// connection string to it, as a store or <c>tally --store</c> takes it.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? nameHint = null, CancellationToken cancellationToken = default)
    {
        var hint = new string((nameHint ?? "test").ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        var number = Interlocked.Increment(ref _databasesCreated);
        var name = $"{hint[..Math.Min(hint.Length, 32)]}_{number}_{Guid.NewGuid().ToString("N")[..8]}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        // The name is made of [a-z0-9_] only: quoting it is enough.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing whatever connections are left on it.</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database
            ?? throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The connection string of a database of this cluster.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
    }.ToString();

    /// <summary>The last lines the server logged, for failure messages.</summary>
    public string ServerLog()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(server log not readable)";
        }
    }

    /// <summary>Stops the server at once (<c>pg_ctl stop -m immediate</c>) and removes its folder.</summary>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private static async Task<PostgresCluster> StartSharedAsync()
    {
        var cluster = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        return cluster;
    }

    private static string Settings(string folder) => $"""

        # Set by Tally.Testing.PostgresCluster: a throwaway server for tests.
        listen_addresses = '127.0.0.1'
        unix_socket_directories = '{folder}'
        # Durability is what the tests check: every commit is flushed, as in production.
        fsync = on
        synchronous_commit = on
        full_page_writes = on
        # Small: several test processes share a 2-core machine, each with its own cluster.
        shared_buffers = 32MB
        work_mem = 4MB
        maintenance_work_mem = 32MB
        max_connections = 200
        max_wal_size = 256MB
        # No parallel workers: they would compete for the same two cores and need shared memory containers lack.
        max_parallel_workers_per_gather = 0
        max_parallel_maintenance_workers = 0
        logging_collector = off
        log_min_messages = warning
        """;

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
                ["start", "-D", DataFolder, "-l", LogFile, "-w", "-t", "60", "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)}"],
                Folder, RunningAsRoot, cancellationToken);
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"{exception.Message}\nServer log:\n{ServerLog()}", exception);
        }

        // pg_ctl -w waits for the server to accept connections; checking with the driver makes sure of it over TCP.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            NpgsqlConnection.ClearAllPools();
            StopAndRemove(Folder);
        }
    }

    /// <summary>Stops whatever server runs on the folder's data (if any) and removes the folder; never throws.</summary>
    private static void StopAndRemove(string folder)
    {
        var data = Path.Combine(folder, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try
            {
                RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w", "-t", "30"], folder, RunningAsRoot, CancellationToken.None)
                    .GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
                // Not running after all (a stale postmaster.pid): removing the folder is all that is left.
            }
        }

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                // The server may still be removing its socket or pid file.
                Thread.Sleep(200);
            }
            catch (IOException)
            {
                return; // A leftover folder is cleaned up by the next start.
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A detached shell that waits for this test process to end, however it ends (the test host is killed once the
    /// run is over, often before exit handlers finish; a crash or a kill runs none), then stops the server and removes
    /// the folder. So no cluster outlives its test process by more than a second.
    /// </summary>
    private static void StartWatchdog(string folder)
    {
        const string script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            if [ -f "$2/data/postmaster.pid" ]; then
              if [ "$3" = root ]; then runuser -u postgres -- "$4/pg_ctl" stop -D "$2/data" -m immediate -w; else "$4/pg_ctl" stop -D "$2/data" -m immediate -w; fi
            fi
            rm -rf "$2"
            """;
        var start = new ProcessStartInfo("setsid")
        {
            // Its own pipes, never the test host's: a runner waiting for the host's output to end must not wait for this.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in new[] { "sh", "-c", script, "tally-pg-watchdog", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), folder, RunningAsRoot ? "root" : "user", BinDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        using var watchdog = Process.Start(start) ?? throw new InvalidOperationException("Could not start the cluster's watchdog (setsid sh).");
    }

    /// <summary>Removes the clusters of earlier test processes that died without stopping theirs (others' are left alone).</summary>
    private static void RemoveLeftovers(string parent)
    {
        foreach (var folder in Directory.EnumerateDirectories(parent, FolderPrefix + "*"))
        {
            if (!int.TryParse(TryRead(Path.Combine(folder, OwnerFile)), CultureInfo.InvariantCulture, out var owner))
            {
                // No owner yet: a process may be creating it right now, unless the folder is old.
                if (Directory.GetCreationTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-10))
                {
                    StopAndRemove(folder);
                }

                continue;
            }

            if (owner != Environment.ProcessId && !IsRunning(owner))
            {
                StopAndRemove(folder);
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, string workingDirectory, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The postgres user may not be allowed into the test's own working directory.
            WorkingDirectory = workingDirectory,
        };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", Superuser, "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            var text = new StringBuilder().Append(await output).Append(await error).ToString().Trim();
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {text}");
        }

        await Task.WhenAll(output, error);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
