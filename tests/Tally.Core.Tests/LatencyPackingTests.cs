using Tally.Storage;

namespace Tally.Core.Tests;

public sealed class LatencyPackingTests
{
    /// <summary>Every two-significant-digit value of every power of ten up to the largest rounded 64-bit latency.</summary>
    private static readonly SortedSet<decimal> RoundedLatencies = Rounded();

    private static SortedSet<decimal> Rounded()
    {
        var values = new SortedSet<decimal> { 0, 9_300_000_000_000_000_000m };
        for (var power = 1m; power <= 100_000_000_000_000_000m; power *= 10)
        {
            for (var digits = 1; digits <= 100; digits++)
            {
                values.Add(digits * power);
            }
        }

        return values;
    }

    [Fact]
    public void Every_rounded_latency_and_count_comes_back_in_latency_order_whatever_the_order_given()
    {
        // Counts that take one to nine 7-bit groups; the buckets given in reverse, one code given twice.
        var counts = new[] { 1L, 127, 128, 16_383, 16_384, 1L << 35, long.MaxValue / 2 };
        var expected = RoundedLatencies.Select((value, i) => (value, counts[i % counts.Length])).ToList();
        var buckets = expected.Select(bucket => (LatencyPacking.Code((double)bucket.value), bucket.Item2)).Reverse().ToList();
        buckets.Add((LatencyPacking.Code(1_300m), 5));
        expected[expected.FindIndex(bucket => bucket.value == 1_300m)] = (1_300m, expected.Single(bucket => bucket.value == 1_300m).Item2 + 5);

        LatencyPacking.Unpack(LatencyPacking.Pack(buckets)).ShouldBe(expected);
        LatencyPacking.Unpack(LatencyPacking.Pack([])).ShouldBeEmpty();
    }

    [Fact]
    public void Codes_sort_as_the_latencies_and_both_conversions_agree()
    {
        var codes = RoundedLatencies.Select(value => LatencyPacking.Code(value)).ToList();

        codes.ShouldBe(RoundedLatencies.Select(value => LatencyPacking.Code((double)value)).ToList());
        codes.ShouldBe(codes.Order().Distinct().ToList());
        codes.ShouldAllBe(code => code < LatencyPacking.Codes);
        codes.Select(LatencyPacking.Latency).ShouldBe(RoundedLatencies);
    }

    [Theory]
    [InlineData(7.5)]
    [InlineData(101)]
    [InlineData(1_234)]
    [InlineData(-1)]
    public void A_value_that_is_not_a_rounded_latency_is_refused(double value)
    {
        Should.Throw<InvalidOperationException>(() => LatencyPacking.Code(value));
        Should.Throw<InvalidOperationException>(() => LatencyPacking.Code((decimal)value));
    }
}
