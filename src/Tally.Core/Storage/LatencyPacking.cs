namespace Tally.Storage;

/// <summary>
/// A latency histogram (latencies rounded up to two significant digits, each with how many responses carry it) packed
/// in bytes, as the stores hand it to the models report and as the DuckDB store keeps a day's in its digests. A rounded
/// latency d × 10^k (d ≤ 100, k ≤ 17) has the code k × 101 + d, and codes sort as the latencies do (k × 101 + 100 &lt;
/// (k + 1) × 101 + 11, the smallest code with exponent k + 1), so a histogram is walked in latency order by its codes
/// and several are merged by adding counts at each code. Per latency, ascending and each once: the code in two bytes
/// (low first), then the count in 7-bit groups (low first, the high bit set on all but the last).
/// Why packed: a year by day at 10M events is 159,000 values; as one 24-byte (decimal, count) struct each they were
/// 3.8 MB of garbage per report and most of its time in collections (docs/benchmarks.md, "Latency histograms packed").
/// </summary>
public static class LatencyPacking
{
    private const int Digits = 101;

    /// <summary>How many codes there are (every code is below this).</summary>
    public const int Codes = 18 * Digits;

    private static readonly decimal[] Values = [.. Enumerable.Range(0, Codes).Select(code => code % Digits * PowerOfTen(code / Digits))];

    private static decimal PowerOfTen(int exponent) => exponent == 0 ? 1m : 10m * PowerOfTen(exponent - 1);

    /// <summary>The latency, in milliseconds, of a code.</summary>
    public static decimal Latency(int code) => Values[code];

    /// <summary>The code of a rounded latency; throws when the value is not one.</summary>
    public static int Code(double latencyMs) =>
        latencyMs >= 0 && latencyMs < 18_446_744_073_709_551_616d && latencyMs == Math.Floor(latencyMs)
            ? Code((ulong)latencyMs) // exact: a whole double below 2^64
            : throw NotRounded(latencyMs);

    /// <summary>The code of a rounded latency; throws when the value is not one.</summary>
    public static int Code(decimal latencyMs) =>
        latencyMs >= 0 && latencyMs <= ulong.MaxValue && latencyMs == decimal.Truncate(latencyMs)
            ? Code((ulong)latencyMs)
            : throw NotRounded(latencyMs);

    private static int Code(ulong latencyMs)
    {
        // Dividing a rounded latency by 10 while it is over 100 leaves d exactly.
        var (digits, exponent) = (latencyMs, 0);
        while (digits > 100)
        {
            if (digits % 10 != 0)
            {
                throw NotRounded(latencyMs);
            }

            digits /= 10;
            exponent++;
        }

        return exponent <= 17 ? exponent * Digits + (int)digits : throw NotRounded(latencyMs);
    }

    /// <summary>Packs buckets given by code; they are sorted, and the counts of a code given twice are added.</summary>
    public static byte[] Pack(List<(int Code, long Count)> buckets)
    {
        buckets.Sort((a, b) => a.Code.CompareTo(b.Code));
        var packed = new List<byte>(buckets.Count * 4);
        for (var i = 0; i < buckets.Count; i++)
        {
            var (code, count) = buckets[i];
            while (i + 1 < buckets.Count && buckets[i + 1].Code == code)
            {
                count += buckets[++i].Count;
            }

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

    /// <summary>The buckets of a packed histogram as latencies and counts, ascending (for tests and diagnostics).</summary>
    public static List<(decimal LatencyMs, long Responses)> Unpack(ReadOnlySpan<byte> packed)
    {
        var buckets = new List<(decimal, long)>();
        var reader = new Reader(packed);
        while (reader.Next(out var code, out var count))
        {
            buckets.Add((Latency(code), count));
        }

        return buckets;
    }

    /// <summary>Walks a packed histogram bucket by bucket, ascending, without allocating.</summary>
    public ref struct Reader(ReadOnlySpan<byte> packed)
    {
        private readonly ReadOnlySpan<byte> _packed = packed;
        private int _at;

        public bool Next(out int code, out long count)
        {
            if (_at >= _packed.Length)
            {
                (code, count) = (0, 0);
                return false;
            }

            code = _packed[_at] | (_packed[_at + 1] << 8);
            _at += 2;
            count = 0;
            for (var shift = 0; ; shift += 7)
            {
                var group = _packed[_at++];
                count |= (long)(group & 0x7F) << shift;
                if (group < 0x80)
                {
                    return true;
                }
            }
        }
    }

    private static InvalidOperationException NotRounded(object value) => new($"{value} is not a latency rounded to two significant digits.");
}
