using Tally.Storage.DuckDb;

namespace Tally.Storage.Tests;

public sealed class StoredKeySetTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1_000_000)]
    public void Holds_exactly_the_keys_added_through_every_growth(long expectedCount)
    {
        // Keys drawn from a small range collide on their low bits (long probe runs); 0, the empty slot's marker, is
        // among them; every key is added twice.
        var random = new Random(11);
        var keys = new HashSet<long> { 0, long.MinValue, long.MaxValue, -1 };
        while (keys.Count < 300_000)
        {
            keys.Add(random.Next(3) == 0 ? random.NextInt64(-1_000_000, 1_000_000) : random.NextInt64(long.MinValue, long.MaxValue));
        }

        var set = new StoredKeySet(expectedCount);
        foreach (var key in keys.Concat(keys))
        {
            set.Add(key);
        }

        set.Count.ShouldBe(keys.Count);
        keys.ShouldAllBe(key => set.Contains(key));
        var absent = Enumerable.Range(0, 300_000).Select(_ => random.NextInt64(-2_000_000, 2_000_000)).Where(key => !keys.Contains(key)).ToList();
        absent.ShouldNotBeEmpty();
        absent.ShouldAllBe(key => !set.Contains(key));
    }

    [Fact]
    public void An_empty_set_holds_nothing_not_even_zero()
    {
        var set = new StoredKeySet(0);

        set.Contains(0).ShouldBeFalse();
        set.Contains(42).ShouldBeFalse();
        set.Count.ShouldBe(0);
    }
}
