namespace Tally.Storage.DuckDb;

/// <summary>
/// The 64-bit key of a stored event: a hash of its company and id. The writer recognises new events by their
/// key alone (<see cref="StoredKeySet"/>): 8 bytes a key in memory, where the ids themselves would take tens.
/// Distinct events may share a key, so a match on the key is always confirmed on the id. Every stored row
/// carries its key: never change the hash.
/// </summary>
public static class EventKey
{
    public static long Of(long companyId, string id)
    {
        // FNV-1a over the company id and the id's UTF-16 code units, then MurmurHash3's finaliser so that every
        // bit of the key depends on every character (the set of stored keys takes its slots from the low bits).
        const ulong prime = 0x100000001B3UL;
        var hash = (0xCBF29CE484222325UL ^ (ulong)companyId) * prime;
        foreach (var character in id)
        {
            hash = (hash ^ character) * prime;
        }

        return (long)Mix(hash);
    }

    internal static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xFF51AFD7ED558CCDUL;
        value ^= value >> 33;
        value *= 0xC4CEB9FE1A85EC53UL;
        value ^= value >> 33;
        return value;
    }
}
