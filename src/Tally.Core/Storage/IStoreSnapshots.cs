namespace Tally.Storage;

/// <summary>
/// A store that can copy itself whole while it serves (the embedded store: one file that only its process may open).
/// A server database is backed up with its own tools (pg_dump for PostgreSQL) and does not implement this.
/// </summary>
public interface IStoreSnapshots
{
    /// <summary>
    /// A consistent copy of everything the store holds, taken between two commits: every commit acknowledged before the
    /// call is in it, no commit is in it in part. The stream reads a file that is deleted when the stream is disposed.
    /// </summary>
    Task<Stream> OpenSnapshotAsync(CancellationToken cancellationToken);
}
