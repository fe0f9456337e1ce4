namespace Tally.Storage.DuckDb;

/// <summary>
/// The keys of every stored event (<see cref="EventKey"/>), exactly: an open-addressing hash set of 64-bit values
/// in one array. The write path asks it instead of an index of the events table, because DuckDB writes such an
/// index out whole at every checkpoint, so a growing table stalled the writer longer and longer (15–18 s per
/// checkpoint at 10 million events). Eight bytes per slot, and the slots (a power of two) are kept between 3/8 and
/// 3/4 full, so 10.7 to 21.3 bytes per key: 128 MiB at 10 million keys (13.4 bytes each, measured), 1 GiB at 100
/// million (10.7); while the set doubles, the old array lives beside the new one, half its size.
/// </summary>
internal sealed class StoredKeySet
{
    private const int MinimumSlots = 1 << 16;

    // A slot holding 0 is empty; the key 0 itself is kept aside.
    private long[] _slots;
    private bool _containsZero;

    public StoredKeySet(long expectedCount)
    {
        _slots = new long[SlotsFor(expectedCount)];
    }

    public long Count { get; private set; }

    public bool Contains(long key)
    {
        if (key == 0)
        {
            return _containsZero;
        }

        return _slots[SlotOf(_slots, key)] == key;
    }

    public void Add(long key)
    {
        if (key == 0)
        {
            Count += _containsZero ? 0 : 1;
            _containsZero = true;
            return;
        }

        // Linear probing stays short up to three quarters full; past that the set doubles.
        if ((Count + 1) * 4 > _slots.LongLength * 3)
        {
            Grow();
        }

        if (Insert(_slots, key))
        {
            Count++;
        }
    }

    private void Grow()
    {
        var larger = new long[checked(_slots.Length * 2)];
        foreach (var key in _slots)
        {
            if (key != 0)
            {
                Insert(larger, key);
            }
        }

        _slots = larger;
    }

    private static bool Insert(long[] slots, long key)
    {
        var slot = SlotOf(slots, key);
        if (slots[slot] == key)
        {
            return false;
        }

        slots[slot] = key;
        return true;
    }

    /// <summary>The slot holding <paramref name="key"/>, or else the empty slot where it belongs.</summary>
    private static int SlotOf(long[] slots, long key)
    {
        var mask = slots.Length - 1;
        var slot = Home(key, mask);
        while (slots[slot] != key && slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    // Keys are already well mixed (EventKey ends with a finaliser), so their low bits are as good as any.
    private static int Home(long key, int mask) => (int)key & mask;

    private static int SlotsFor(long expectedCount)
    {
        var slots = MinimumSlots;
        while (slots * 3L < expectedCount * 4L)
        {
            slots = checked(slots * 2);
        }

        return slots;
    }
}
