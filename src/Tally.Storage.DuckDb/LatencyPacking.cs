namespace Tally.Storage.DuckDb;

/// <summary>
/// A latency histogram (rounded latencies with their counts, see <see cref="ModelAggregates"/>) packed in a BLOB, as
/// <see cref="ModelDigests"/> keep it: per latency, in the order given, a two-byte code and the count in 7-bit groups
/// (low first). A rounded latency is d × 10^k with d ≤ 100 and k ≤ 17, coded k × 101 + d, so that decoding is a
/// lookup of a decimal made once (a conversion from double costs more than the rest of the decoding).
/// </summary>
internal static class LatencyPacking
{
    private const int Digits = 101;

    private static readonly decimal[] Values = [.. Enumerable.Range(0, 18 * Digits).Select(code => code % Digits * PowerOfTen(code / Digits))];

    private static decimal PowerOfTen(int exponent) => exponent == 0 ? 1m : 10m * PowerOfTen(exponent - 1);

    public static byte[] Pack(IReadOnlyList<(double Value, long Count)> latencies)
    {
        var packed = new List<byte>(latencies.Count * 4);
        foreach (var (value, count) in latencies)
        {
            var code = Code(value);
            packed.Add((byte)code);
            packed.Add((byte)(code >> 8));
            for (var rest = (ulong)count; ; rest >>= 7)
            {
                if (rest < 0x80)
                {
                    packed.Add((byte)rest);
                    break;
                }

                packed.Add((byte)(rest | 0x80));
            }
        }

        return [.. packed];
    }

    /// <summary>The histogram in <paramref name="packed"/>; <paramref name="scratch"/> is emptied and reused.</summary>
    public static LatencyBucket[] Unpack(ReadOnlySpan<byte> packed, List<LatencyBucket> scratch)
    {
        scratch.Clear();
        var at = 0;
        while (at < packed.Length)
        {
            var code = packed[at] | (packed[at + 1] << 8);
            at += 2;
            var count = 0L;
            for (var shift = 0; ; shift += 7)
            {
                var group = packed[at++];
                count |= (long)(group & 0x7F) << shift;
                if (group < 0x80)
                {
                    break;
                }
            }

            scratch.Add(new LatencyBucket(Values[code], count));
        }

        return [.. scratch];
    }

    private static int Code(double value)
    {
        // A rounded latency is a whole number below 2^64; dividing it by 10 while it is over 100 leaves d exactly.
        var digits = (ulong)value;
        var exponent = 0;
        while (digits > 100)
        {
            if (digits % 10 != 0)
            {
                throw new InvalidOperationException($"{value} is not a latency rounded to two significant digits.");
            }

            digits /= 10;
            exponent++;
        }

        if (digits != value / Math.Pow(10, exponent) || exponent > 17)
        {
            throw new InvalidOperationException($"{value} is not a latency rounded to two significant digits.");
        }

        return exponent * Digits + (int)digits;
    }
}
