using System.Numerics;

namespace Tally.Storage.DuckDb;

/// <summary>
/// A Bloom filter of the keys of stored events (<see cref="EventKey"/>): "no" is certain, "maybe" is wrong for
/// about 0.3% of new keys at full capacity and far fewer below it. It lets the write path append certainly-new
/// events without asking the index.
/// </summary>
internal sealed class StoredKeyFilter
{
    private const int BitsPerKey = 12;
    private const int HashCount = 8;

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

    public void Add(long key)
    {
        var (first, second) = BitHashes(key);
        for (var i = 0; i < HashCount; i++)
        {
            var bit = (first + ((ulong)i * second)) & (_bitCount - 1);
            _bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }

        Count++;
    }

    public bool MightContain(long key)
    {
        var (first, second) = BitHashes(key);
        for (var i = 0; i < HashCount; i++)
        {
            var bit = (first + ((ulong)i * second)) & (_bitCount - 1);
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    // Double hashing: the key itself (already well mixed) and a second, independent mix of it.
    private static (ulong First, ulong Second) BitHashes(long key) =>
        ((ulong)key, EventKey.Mix((ulong)key ^ 0x9E3779B97F4A7C15UL) | 1);
}
