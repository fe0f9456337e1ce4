using System.Text.RegularExpressions;
using DuckDB.NET.Data;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The store's DuckDB file: opening it (DuckDB's refusals an operator can act on become one line for them) and the
/// connections on it. DuckDB lets one process open a file, so one store in one process is the only writer; reads open
/// connections of their own, which DuckDB's MVCC lets run beside the writer.
/// </summary>
internal sealed partial class StoreFile(string path)
{
    public string Path => path;

    private string ConnectionString => $"Data Source={path}";

    /// <summary>The store's file in <paramref name="dataDirectory"/>, which is created if needed.</summary>
    public static StoreFile In(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        return new StoreFile(System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDirectory), DuckDbStore.FileName));
    }

    /// <summary>The first connection, which opens the file and sets up the database instance the others share.</summary>
    public DuckDBConnection OpenFirst(Func<long, string, long> eventKey)
    {
        var connection = new DuckDBConnection(ConnectionString);
        OpenRefusalsExplained(connection);
        // DuckDB checkpoints every 16 MiB of write-ahead log by default, and the commit that crosses the threshold
        // waits for the checkpoint: at millions of events, seconds spent compressing the events' strings. A larger
        // log checkpoints less often (and replays longer after a crash); the store also checkpoints when it closes.
        Sql.Execute(connection, "SET checkpoint_threshold = '1GB'");
        // DuckDB runs a query on as many threads as there are cores, and a query's threads spin on its task queue
        // while they wait: on a small machine that takes CPU from the HTTP server beside it. The store's statements
        // are small (aggregates, a day's rows), so half the cores are plenty: on 2 cores, ingestion over HTTP went
        // from 90–100k to 102–111k events/s, reports unchanged.
        Sql.Execute(connection, $"SET threads = {Math.Max(1, Environment.ProcessorCount / 2)}");
        connection.RegisterScalarFunction<long, string, long>(Migrations.EventKeyFunction, (arguments, result, rows) =>
        {
            for (var row = 0UL; row < rows; row++)
            {
                result.WriteValue(eventKey(arguments[0].GetValue<long>(row), arguments[1].GetValue<string>(row)), row);
            }
        });
        return connection;
    }

    /// <summary>Another connection to the open file.</summary>
    public DuckDBConnection Open()
    {
        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>A read on a connection of its own.</summary>
    public async Task<T> ReadAsync<T>(Func<DuckDBConnection, T> query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return query(connection);
    }

    public async Task<DuckDBConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new DuckDBConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private void OpenRefusalsExplained(DuckDBConnection connection)
    {
        try
        {
            connection.Open();
        }
        catch (DuckDBException exception) when (exception.Message.Contains("Could not set lock", StringComparison.Ordinal))
        {
            // DuckDB lets one process open a file; its message names the holder: "... is held in /usr/bin/dotnet (PID 8609)".
            var holder = HolderPid().Match(exception.Message) is { Success: true } match ? $" (process {match.Groups[1].Value})" : "";
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

    [GeneratedRegex(@"\(PID (\d+)\)")]
    private static partial Regex HolderPid();
}
