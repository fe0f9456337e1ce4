using Tally.Storage;
using Tally.Storage.DuckDb;
using Tally.Storage.Postgres;

namespace Tally.Testing;

/// <summary>The storage engines a test can run on.</summary>
public enum StoreKind
{
    /// <summary>The embedded store: a DuckDB file in a temporary folder.</summary>
    DuckDb,

    /// <summary>The server-database store: a fresh database of the test process's <see cref="PostgresCluster"/>.</summary>
    PostgreSql,
}

/// <summary>
/// Fresh, empty storage on one engine, for one test (or one test class): opens the store on it as many times as the
/// test needs (a restart reopens the same storage) and removes it at the end.
/// </summary>
public sealed class StoreEngine : IAsyncDisposable
{
    private readonly Func<ValueTask> _remove;

    private StoreEngine(StoreKind kind, string location, Func<ITallyStore> openStore, Func<ValueTask> remove)
    {
        Kind = kind;
        Location = location;
        OpenStore = openStore;
        _remove = remove;
    }

    public StoreKind Kind { get; }

    /// <summary>Where the data is, as the command line takes it: the folder for <c>--data</c> or the connection string for <c>--store</c>.</summary>
    public string Location { get; }

    /// <summary>Opens a new store on this storage (not migrated yet; the caller disposes it).</summary>
    public Func<ITallyStore> OpenStore { get; }

    /// <summary>The options that make <c>tally serve</c> or <c>tally rebuild</c> use this storage.</summary>
    public IReadOnlyList<string> CommandLineOptions => Kind == StoreKind.DuckDb ? ["--data", Location] : ["--store", Location];

    /// <summary>Fresh storage on <paramref name="kind"/>; <paramref name="purpose"/> names the folder or database, to find it when a test fails.</summary>
    public static async Task<StoreEngine> CreateAsync(StoreKind kind, string purpose = "test") => kind switch
    {
        StoreKind.DuckDb => DuckDb(Directory.CreateTempSubdirectory($"tally-{purpose}-").FullName),
        StoreKind.PostgreSql => await PostgreSqlAsync(purpose),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The embedded store in <paramref name="folder"/> (which need not be empty, e.g. an older database to upgrade); the folder is removed at the end.</summary>
    public static StoreEngine DuckDb(string folder) => new(StoreKind.DuckDb, folder, () => DuckDbStore.Open(folder), () =>
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }

        return ValueTask.CompletedTask;
    });

    /// <summary>A new database on the shared cluster, dropped at the end.</summary>
    public static async Task<StoreEngine> PostgreSqlAsync(string purpose = "test")
    {
        var cluster = await PostgresCluster.SharedAsync();
        var connectionString = await cluster.CreateDatabaseAsync(purpose);
        return new StoreEngine(StoreKind.PostgreSql, connectionString, () => PostgresStore.Open(connectionString),
            async () => await cluster.DropDatabaseAsync(connectionString));
    }

    public override string ToString() => Kind == StoreKind.DuckDb ? $"DuckDB in {Location}" : $"PostgreSQL at {Location}";

    /// <summary>Removes the storage; every store opened on it must be disposed first.</summary>
    public ValueTask DisposeAsync() => _remove();
}
