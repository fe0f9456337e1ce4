using Tally.Storage.Postgres;
using Tally.Testing;

namespace Tally.Storage.Tests;

/// <summary>The contract, against a fresh database per test on the test process's throwaway PostgreSQL cluster.</summary>
[Trait("Engine", "PostgreSQL")]
public sealed class PostgresStoreTests : StoreContract, IAsyncLifetime
{
    private StoreEngine? _database;

    protected override async Task<ITallyStore> OpenFreshAsync()
    {
        _database = await StoreEngine.PostgreSqlAsync("contract");
        return PostgresStore.Open(_database.Location);
    }

    protected override async Task<ITallyStore> ReopenAsync()
    {
        await Store.DisposeAsync();
        return PostgresStore.Open(_database!.Location);
    }

    // Closes the store (when it opened at all) before dropping its database.
    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            if (Store is not null)
            {
                await DisposeAsync();
            }
        }
        finally
        {
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
    }
}
