using Tally.Access;
using Tally.Events;
using Tally.Storage;

namespace Tally.Ingestion;

/// <summary>
/// The steps of taking in a request's events: read and validate every event (all or nothing), check the
/// caller may send for each company, then hand the batch to the group-commit writer and wait for durability.
/// </summary>
public sealed class IngestionService(GroupCommitWriter writer, ITallyStore store, TimeProvider time)
{
    public async Task<IngestionOutcome> IngestAsync(Caller caller, ReadOnlyMemory<byte> body, EventBodyFormat format, CancellationToken cancellationToken)
    {
        var batch = EventBodyReader.Read(body.Span, format, time.GetUtcNow().UtcDateTime);
        if (batch.TooManyEvents)
        {
            await writer.CountRejectedAsync(batch.NamedCompanies, cancellationToken);
            return new IngestionOutcome.TooManyEvents();
        }

        if (!batch.IsValid)
        {
            await writer.CountRejectedAsync(batch.NamedCompanies, cancellationToken);
            return new IngestionOutcome.Invalid(batch);
        }

        if (batch.Events.Exists(e => !caller.MayIngestFor(e.CompanyId)))
        {
            await writer.CountRejectedAsync(batch.NamedCompanies, cancellationToken);
            return new IngestionOutcome.ForbiddenCompany();
        }

        if (batch.Events.Count == 0)
        {
            return new IngestionOutcome.Stored(new AppendResult(0, 0));
        }

        return new IngestionOutcome.Stored(await writer.AppendAsync(batch.Events, cancellationToken));
    }

    /// <summary>Ingestion health per company; null when the company asked for does not exist.</summary>
    public async Task<IReadOnlyList<IngestionStats>?> GetStatsAsync(long? companyId, CancellationToken cancellationToken)
    {
        if (companyId is { } id && await store.FindCompanyAsync(id, cancellationToken) is null)
        {
            return null;
        }

        return await store.GetIngestionStatsAsync(companyId, cancellationToken);
    }
}

/// <summary>What became of a request's events.</summary>
public abstract record IngestionOutcome
{
    private IngestionOutcome()
    {
    }

    /// <summary>Durably stored (or recognised as duplicates).</summary>
    public sealed record Stored(AppendResult Result) : IngestionOutcome;

    /// <summary>At least one event broke a rule; nothing was stored.</summary>
    public sealed record Invalid(EventBatch Batch) : IngestionOutcome;

    /// <summary>More than <see cref="EventBatch.MaxEvents"/> events; nothing was stored.</summary>
    public sealed record TooManyEvents : IngestionOutcome;

    /// <summary>An event of a company the caller may not send for; nothing was stored.</summary>
    public sealed record ForbiddenCompany : IngestionOutcome;
}
