using Tally.Access;
using Tally.Companies;
using Tally.Ingestion;

namespace Tally.Storage;

/// <summary>
/// Copies everything one store keeps into another, empty one, whatever their engines: companies, API keys (ids and
/// secret hashes kept, so existing keys keep working), the model prices, every event with the instant it was received, and the ingestion
/// counters. The target computes its report aggregates itself, from the events, as ingestion would. The source is only read.
/// </summary>
public static class StoreCopier
{
    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="target"/>, reporting the events copied so far. Throws
    /// <see cref="TargetNotEmptyException"/> when the target holds data, and <see cref="PartialCopyException"/> when the
    /// copy failed (or was cancelled) after it began writing; any other exception means nothing was written to the target.
    /// </summary>
    public static async Task<StoreCopyResult> CopyAsync(ITallyStore source, ITallyStore target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // A copy into a store with data of its own would mix two histories (and collide on key ids): refused whole.
        if (!await target.IsEmptyAsync(cancellationToken))
        {
            throw new TargetNotEmptyException();
        }

        // Everything but the events is read before the first write, so that a source that fails early leaves the
        // target as empty as it was.
        var companies = await source.ListCompaniesAsync(cancellationToken);
        var keys = await source.ReadApiKeysAsync(cancellationToken);
        var sourceStats = await source.GetIngestionStatsAsync(null, cancellationToken);
        var prices = await source.ReadPricesAsync(cancellationToken);
        try
        {
            foreach (var price in prices)
            {
                await target.UpsertPriceAsync(price, cancellationToken);
            }

            var events = await WriteAsync(source, target, companies, keys, sourceStats, progress, cancellationToken);
            return new StoreCopyResult(companies.Count, keys.Count, events);
        }
        catch (Exception exception) when (exception is not PartialCopyException)
        {
            throw new PartialCopyException(exception);
        }
    }

    private static async Task<long> WriteAsync(
        ITallyStore source, ITallyStore target, IReadOnlyList<Company> companies, IReadOnlyList<(ApiKey Key, byte[] SecretHash)> keys,
        IReadOnlyList<IngestionStats> sourceStats, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Companies first, in their time zones, so that every event is put on its day as it is appended.
        foreach (var company in companies)
        {
            await target.UpsertCompanyAsync(company.Id, new CompanyChange(company.Name, company.TimeZone), company.CreatedAt, cancellationToken);
        }

        await target.ImportApiKeysAsync(keys, cancellationToken);

        var copied = 0L;
        progress?.Report(copied);
        await foreach (var commit in source.ReadCommitsAsync(cancellationToken))
        {
            var results = await target.AppendAsync(commit, cancellationToken);
            var duplicates = results.Sum(result => result.Duplicates);
            if (duplicates > 0)
            {
                // Every stored event has its own (company, id), and the target started empty: a duplicate means the
                // source gave one event twice, and the copy would silently hold fewer events than it.
                throw new InvalidDataException($"The source store gave {duplicates} event(s) twice (received at {commit.ReceivedAt:O}); it is inconsistent, nothing was copied past that point.");
            }

            copied += results.Sum(result => result.Accepted);
            progress?.Report(copied);
        }

        // Last: appending counted its own accepted requests; the source's counters replace them.
        await target.ImportIngestionTotalsAsync(sourceStats, cancellationToken);
        Verify(sourceStats, await target.GetIngestionStatsAsync(null, cancellationToken));
        return copied;
    }

    /// <summary>The target's counters, stored events by type included, must be the source's: anything else is a failed copy.</summary>
    private static void Verify(IReadOnlyList<IngestionStats> expected, IReadOnlyList<IngestionStats> actual)
    {
        static string Describe(IngestionStats stats) =>
            $"{stats.CompanyId}: {string.Join(",", stats.StoredEventsByType.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))} " +
            $"duplicates={stats.DuplicatesReceived} rejected={stats.RequestsRejected} last={stats.LastAcceptedRequestAt:O}";

        var want = expected.Select(Describe).ToList();
        var have = actual.Select(Describe).ToList();
        if (!want.SequenceEqual(have, StringComparer.Ordinal))
        {
            var first = want.Except(have, StringComparer.Ordinal).Concat(have.Except(want, StringComparer.Ordinal)).FirstOrDefault();
            throw new InvalidDataException($"The copy's ingestion statistics differ from the source's (company {first}).");
        }
    }
}

/// <summary>What a copy moved.</summary>
public sealed record StoreCopyResult(int Companies, int ApiKeys, long Events);

/// <summary>A copy failed or was cancelled after it began writing: the target holds part of the copy and must be emptied before another.</summary>
public sealed class PartialCopyException : Exception
{
    public PartialCopyException()
        : base("The copy stopped part-way.")
    {
    }

    public PartialCopyException(Exception innerException)
        : base($"The copy stopped part-way ({innerException?.GetBaseException().Message.ReplaceLineEndings(" ")}).", innerException)
    {
    }

    public PartialCopyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
