using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;
using Tally.Prices;
using Tally.Testing;

namespace Tally.Storage.Tests;

/// <summary>
/// How a copy fails: before it writes, the target is left as empty as it was; once it has written, the failure says
/// that the target holds part of a copy, and that target is then refused as not empty.
/// </summary>
public sealed class StoreCopierTests
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task A_copy_cancelled_after_its_first_commit_says_the_target_holds_part_of_it()
    {
        await using var sourceEngine = await StoreEngine.CreateAsync(StoreKind.DuckDb, "copy-source");
        await using var targetEngine = await StoreEngine.CreateAsync(StoreKind.DuckDb, "copy-target");
        await using var source = await OpenMigratedAsync(sourceEngine);
        await using var target = await OpenMigratedAsync(targetEngine);
        await source.UpsertCompanyAsync(1, new CompanyChange("One", null), Now, CancellationToken.None);
        for (var commit = 0; commit < 3; commit++)
        {
            IReadOnlyList<PlatformEvent> batch = [Connection($"c{commit}"), Connection($"d{commit}")];
            await source.AppendAsync(new IngestionCommit([batch], new Dictionary<long, int>(), Now.AddSeconds(commit)), CancellationToken.None);
        }

        using var cancellation = new CancellationTokenSource();
        var progress = new CancelWhenCopied(cancellation, after: 2);

        var failure = await Should.ThrowAsync<PartialCopyException>(() => StoreCopier.CopyAsync(source, target, progress, cancellation.Token));

        failure.InnerException.ShouldBeAssignableTo<OperationCanceledException>();
        progress.Copied.ShouldBe(2, "the copy stopped after its first commit");
        (await target.IsEmptyAsync(CancellationToken.None)).ShouldBeFalse();
        await Should.ThrowAsync<TargetNotEmptyException>(() => StoreCopier.CopyAsync(source, target, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_source_that_fails_before_the_copy_writes_leaves_the_target_empty()
    {
        await using var sourceEngine = await StoreEngine.CreateAsync(StoreKind.DuckDb, "copy-source");
        await using var targetEngine = await StoreEngine.CreateAsync(StoreKind.DuckDb, "copy-target");
        // A store never migrated has no tables: reading its companies fails, as a damaged source would.
        await using var source = sourceEngine.OpenStore();
        await using var target = await OpenMigratedAsync(targetEngine);

        var failure = await Should.ThrowAsync<Exception>(() => StoreCopier.CopyAsync(source, target, null, CancellationToken.None));

        failure.ShouldNotBeOfType<PartialCopyException>();
        (await target.IsEmptyAsync(CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_copy_carries_the_model_prices()
    {
        await using var sourceEngine = await StoreEngine.CreateAsync(StoreKind.DuckDb, "copy-source");
        await using var targetEngine = await StoreEngine.CreateAsync(StoreKind.DuckDb, "copy-target");
        await using var source = await OpenMigratedAsync(sourceEngine);
        await using var target = await OpenMigratedAsync(targetEngine);
        ModelPrice[] prices = [new("a", new DateOnly(2025, 1, 1), "EUR", 2.5m, 10m), new("a", new DateOnly(2025, 3, 1), "EUR", 0.000001m, 1_000_000m)];
        foreach (var price in prices)
        {
            await source.UpsertPriceAsync(price, CancellationToken.None);
        }

        await StoreCopier.CopyAsync(source, target, null, CancellationToken.None);

        (await target.ReadPricesAsync(CancellationToken.None)).ShouldBe(prices);
    }

    private static async Task<ITallyStore> OpenMigratedAsync(StoreEngine engine)
    {
        var store = engine.OpenStore();
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    private static PlatformEvent Connection(string id) => new()
    {
        Id = id,
        Type = EventType.Connection,
        Timestamp = Now.AddHours(-1),
        CompanyId = 1,
        UserId = 7,
    };

    /// <summary>Cancels the copy once it reports <c>after</c> events copied, as an operator's Ctrl+C would, synchronously.</summary>
    private sealed class CancelWhenCopied(CancellationTokenSource cancellation, long after) : IProgress<long>
    {
        public long Copied { get; private set; }

        public void Report(long value)
        {
            Copied = value;
            if (value >= after)
            {
                cancellation.Cancel();
            }
        }
    }
}
