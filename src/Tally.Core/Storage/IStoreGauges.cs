namespace Tally.Storage;

/// <summary>What a store tells <c>/metrics</c> at each scrape, cheaply (a scrape must not wait on ingestion).</summary>
public interface IStoreGauges
{
    /// <summary>Commits stored but not yet in the report aggregates; 0 where a commit writes its aggregates itself.</summary>
    long AggregationLag { get; }

    /// <summary>Bytes the store occupies on disk; null when it cannot tell now (a database that does not answer).</summary>
    long? MeasureSize();
}
