using Tally.Storage.DuckDb;

namespace Tally.Storage.Tests;

public sealed class LatencyPackingTests
{
    [Fact]
    public void Every_rounded_latency_and_count_comes_back_in_order()
    {
        // Every two-significant-digit value of every power of ten up to the largest rounded 64-bit latency, with counts
        // that take one to nine 7-bit groups.
        var values = new SortedSet<decimal> { 0, 9_300_000_000_000_000_000m };
        for (var power = 1m; power <= 100_000_000_000_000_000m; power *= 10)
        {
            for (var digits = 1; digits <= 100; digits++)
            {
                values.Add(digits * power);
            }
        }

        var counts = new[] { 1L, 127, 128, 16_383, 16_384, 1L << 35, long.MaxValue };
        var histogram = values.Select((value, i) => ((double)value, counts[i % counts.Length])).ToList();

        var scratch = new List<LatencyBucket> { new(1, 1) };
        var unpacked = LatencyPacking.Unpack(LatencyPacking.Pack(histogram), scratch);

        unpacked.ShouldBe(values.Select((value, i) => new LatencyBucket(value, counts[i % counts.Length])).ToArray());
        LatencyPacking.Unpack([], scratch).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(7.5)]
    [InlineData(101)]
    [InlineData(1_234)]
    public void A_value_that_is_not_a_rounded_latency_is_refused(double value) =>
        Should.Throw<InvalidOperationException>(() => LatencyPacking.Pack([(value, 1)]));
}
