namespace Tally.Storage.Postgres;

/// <summary>The server-database store (being built: no command offers it yet).</summary>
public static class PostgresStore
{
    /// <summary>
    /// Opens the store on a PostgreSQL database, given as a connection string (<c>Host=...;Database=...</c>) or a
    /// <c>postgres://</c> URL. A malformed location throws <see cref="StoreUnavailableException"/>; nothing is
    /// contacted before <see cref="ITallyStore.MigrateAsync"/>.
    /// </summary>
    public static ITallyStore Open(string connectionString) => throw new StoreUnavailableException("The PostgreSQL store is not built yet.");
}
