using Tally.Storage.DuckDb;

namespace Tally.Storage.Tests;

/// <summary>The contract, against a real DuckDB file in a temporary folder.</summary>
public sealed class DuckDbStoreTests : StoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-duckdb-").FullName;

    protected override Task<ITallyStore> OpenFreshAsync() => Task.FromResult<ITallyStore>(DuckDbStore.Open(_directory));

    protected override async Task<ITallyStore> ReopenAsync()
    {
        await Store.DisposeAsync();
        return DuckDbStore.Open(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
