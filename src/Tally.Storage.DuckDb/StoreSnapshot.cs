using DuckDB.NET.Data;

namespace Tally.Storage.DuckDb;

/// <summary>
/// A copy of the store made by DuckDB itself (<c>COPY FROM DATABASE</c> into a new file beside the store): tables,
/// sequences and indexes, one self-contained file any DuckDB opens. The copy reads one transaction's snapshot, so
/// only starting that transaction needs the store still (<see cref="Pin"/>); the copying runs beside ingestion.
/// Not a copy of the file's bytes: DuckDB's lock on the file is a POSIX record lock, which a process loses as soon as
/// it closes any descriptor of that file, so the serving process must never open its own file a second time.
/// </summary>
internal sealed class StoreSnapshot
{
    private readonly DuckDBConnection _connection;
    private readonly string _copy;
    private readonly string _alias = $"tally_backup_{Guid.NewGuid():N}";

    private const string LeftoverPrefix = ".backup-";

    private StoreSnapshot(DuckDBConnection connection, string copy)
    {
        _connection = connection;
        _copy = copy;
    }

    /// <summary>Attaches a new file beside the store (the same file system, where the store's own user may write) to <paramref name="connection"/>.</summary>
    public static StoreSnapshot Attach(DuckDBConnection connection, StoreFile store)
    {
        var snapshot = new StoreSnapshot(connection, Path.Combine(Path.GetDirectoryName(store.Path)!, $"{LeftoverPrefix}{Guid.NewGuid():N}.duckdb"));
        Sql.Execute(connection, $"ATTACH {Sql.Literal(snapshot._copy)} AS {snapshot._alias}");
        return snapshot;
    }

    /// <summary>
    /// Starts the transaction whose snapshot is copied: DuckDB fixes a transaction's snapshot of a database when it
    /// first reads it, so one read fixes it. The caller makes sure that no commit is half-way meanwhile.
    /// </summary>
    public void Pin()
    {
        Sql.Execute(_connection, "BEGIN TRANSACTION");
        Sql.Scalar(_connection, "SELECT count(*) FROM companies");
    }

    /// <summary>Copies the pinned snapshot, then opens the copy as a stream that deletes it when disposed.</summary>
    public Stream Write()
    {
        try
        {
            var source = Sql.Scalar(_connection, "SELECT current_database()")!.ToString();
            Sql.Execute(_connection, $"COPY FROM DATABASE \"{source}\" TO {_alias}");
            Sql.Execute(_connection, "COMMIT");
            Sql.Execute(_connection, $"DETACH {_alias}");
            return new FileStream(_copy, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        }
        catch
        {
            Abandon();
            throw;
        }
    }

    /// <summary>Rolls back, detaches and deletes what was copied, whatever of it exists.</summary>
    public void Abandon()
    {
        foreach (var statement in new[] { "ROLLBACK", $"DETACH DATABASE IF EXISTS {_alias}" })
        {
            try
            {
                Sql.Execute(_connection, statement);
            }
            catch (DuckDBException)
            {
                // No transaction open, or already detached.
            }
        }

        File.Delete(_copy);
        File.Delete(_copy + ".wal");
    }

    /// <summary>
    /// Deletes the copies a process killed mid-backup left beside <paramref name="store"/>. Called once the store is
    /// open: DuckDB's lock on it means no other process is serving this folder, so no copy there is in use.
    /// </summary>
    public static void RemoveLeftovers(StoreFile store)
    {
        foreach (var copy in Directory.EnumerateFiles(Path.GetDirectoryName(store.Path)!, LeftoverPrefix + "*"))
        {
            File.Delete(copy);
        }
    }
}
