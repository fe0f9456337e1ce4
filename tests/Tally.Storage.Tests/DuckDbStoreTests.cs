using Tally.Events;
using Tally.Ingestion;
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

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    public async Task Events_whose_keys_collide_are_told_apart_by_their_ids(int count)
    {
        // Every event of a company gets the same key: only the ids can tell stored events from new ones.
        var directory = Directory.CreateTempSubdirectory("tally-collisions-").FullName;
        try
        {
            var now = new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);
            PlatformEvent Query(string id, long company) => new() { Id = id, Type = EventType.UserQuery, Timestamp = now, CompanyId = company, UserId = 1, SessionId = "s" };
            IngestionCommit Commit(IEnumerable<PlatformEvent> events) => new([events.ToList()], new Dictionary<long, int>(), now);
            var first = Enumerable.Range(0, count).Select(i => Query($"e{i}", 1 + (i % 2))).ToList();

            var store = DuckDbStore.Open(directory, (company, _) => company);
            await store.MigrateAsync(CancellationToken.None);
            var stored = await store.AppendAsync(Commit(first), CancellationToken.None);
            await store.DisposeAsync();
            await using var reopened = DuckDbStore.Open(directory, (company, _) => company);
            await reopened.MigrateAsync(CancellationToken.None);
            var again = await reopened.AppendAsync(Commit([.. first, Query("e0", 2), Query("other", 1)]), CancellationToken.None);

            stored.ShouldBe([new AppendResult(count, 0)]);
            again.ShouldBe([new AppendResult(2, count)]);
            var stats = await reopened.GetIngestionStatsAsync(null, CancellationToken.None);
            stats.Sum(s => s.StoredEvents).ShouldBe(count + 2);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
