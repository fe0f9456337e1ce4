using Tally.Events;

namespace Tally.Ingestion;

/// <summary>
/// What the writer hands the store in one transaction: the batches of every request that queued meanwhile
/// (in arrival order, so the earlier request wins a duplicate), and the rejected requests to count.
/// </summary>
public sealed record IngestionCommit(
    IReadOnlyList<IReadOnlyList<PlatformEvent>> Batches,
    IReadOnlyDictionary<long, int> RejectedRequests,
    DateTime ReceivedAt);

/// <summary>How one request's events fared: <c>Accepted + Duplicates</c> is always the request's event count.</summary>
public readonly record struct AppendResult(int Accepted, int Duplicates)
{
    /// <summary>
    /// The accepted events by type, for the metrics (empty where the store did not count them). Not part of the
    /// outcome's identity: two results are equal on their counts.
    /// </summary>
    public IReadOnlyDictionary<EventType, int> AcceptedByType { get; init; } = EmptyByType;

    private static readonly IReadOnlyDictionary<EventType, int> EmptyByType = new Dictionary<EventType, int>();

    public bool Equals(AppendResult other) => Accepted == other.Accepted && Duplicates == other.Duplicates;

    public override int GetHashCode() => HashCode.Combine(Accepted, Duplicates);
}

/// <summary>What an operator sees of one company's ingestion.</summary>
public sealed record IngestionStats(
    long CompanyId,
    IReadOnlyDictionary<string, long> StoredEventsByType,
    long DuplicatesReceived,
    long RequestsRejected,
    DateTime? LastAcceptedRequestAt)
{
    public long StoredEvents => StoredEventsByType.Values.Sum();
}
