using Tally.Access;
using Tally.Ingestion;

namespace Tally.Storage;

/// <summary>
/// What moving a whole store onto another engine needs beyond the everyday operations (<c>tally store copy</c>,
/// <see cref="StoreCopier"/>): reading everything back as it was stored, and writing what ingestion cannot reproduce —
/// key ids and secret hashes, and the operational counters.
/// </summary>
public interface IStoreTransfer
{
    /// <summary>True when the store holds no company, no API key and no event: a copy may go into it.</summary>
    Task<bool> IsEmptyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every stored event, rebuilt as it was validated, grouped by the instant its commit was received: each group is a
    /// commit with that <see cref="IngestionCommit.ReceivedAt"/> (a group larger than <see cref="StoredCommits.MaxEventsPerCommit"/>
    /// comes as several commits with the same instant), in the order the events were stored, with no rejected requests.
    /// </summary>
    IAsyncEnumerable<IngestionCommit> ReadCommitsAsync(CancellationToken cancellationToken);

    /// <summary>Every key ever issued, revoked ones included, by id, with the hash of its secret.</summary>
    Task<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>> ReadApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores keys as they are (ids, times, secret hashes), so that their secrets keep working; keys created afterwards
    /// get ids after them. Their companies must exist.
    /// </summary>
    Task ImportApiKeysAsync(IReadOnlyList<(ApiKey Key, byte[] SecretHash)> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Sets each company's duplicates received, requests rejected and last accepted request to exactly these values
    /// (stored events by type are not taken from here: they follow the stored events). Companies that do not exist are skipped.
    /// </summary>
    Task ImportIngestionTotalsAsync(IReadOnlyList<IngestionStats> stats, CancellationToken cancellationToken);
}
