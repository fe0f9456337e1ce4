using System.Numerics;

namespace Tally.Storage.DuckDb;

/// <summary>
/// A Bloom filter of stored event keys (company, id): "no" is certain, "maybe" is wrong for about 0.3% of new
/// keys at full capacity. It lets the write path append certainly-new events without an index round trip.
/// Hashes are per process (string hashing is randomised), which is fine: the filter lives only in memory.
/// </summary>
internal sealed class StoredKeyFilter
{
    private const int BitsPerKey = 12;
    private const int Hashes = 8;

    private readonly ulong[] _bits;
    private readonly ulong _bitCount;

    public StoredKeyFilter(long capacity)
    {
        Capacity = Math.Max(1 << 20, capacity);
        _bitCount = BitOperations.RoundUpToPowerOf2((ulong)(Capacity * BitsPerKey));
        _bits = new ulong[_bitCount / 64];
    }

    public long Capacity { get; }

    public long Count { get; private set; }

    /// <summary>Past its capacity the filter's false alarms grow: time to build a larger one.</summary>
    public bool IsFull => Count > Capacity;

    public void Add(long companyId, string id)
    {
        var (first, second) = Hash(companyId, id);
        for (var i = 0; i < Hashes; i++)
        {
            var bit = (first + ((ulong)i * second)) & (_bitCount - 1);
            _bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }

        Count++;
    }

    public bool MightContain(long companyId, string id)
    {
        var (first, second) = Hash(companyId, id);
        for (var i = 0; i < Hashes; i++)
        {
            var bit = (first + ((ulong)i * second)) & (_bitCount - 1);
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static (ulong First, ulong Second) Hash(long companyId, string id)
    {
        // Two independent 64-bit hashes for double hashing: the runtime's string hash, and FNV-1a.
        var first = (ulong)(uint)id.GetHashCode(StringComparison.Ordinal) * 0x9E3779B97F4A7C15UL ^ (ulong)companyId * 0xC2B2AE3D27D4EB4FUL;
        var second = 0xCBF29CE484222325UL ^ (ulong)companyId;
        foreach (var c in id)
        {
            second = (second ^ c) * 0x100000001B3UL;
        }

        first ^= first >> 29;
        return (first, second | 1);
    }
}
