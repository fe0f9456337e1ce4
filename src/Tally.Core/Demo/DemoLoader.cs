using Tally.Companies;
using Tally.Ingestion;
using Tally.Storage;

namespace Tally.Demo;

/// <summary>Fills an empty store with the demo organisation.</summary>
public static class DemoLoader
{
    private const int EventsPerCommit = 20_000;

    /// <summary>Loads the demo when the store holds no event yet; returns the number of events loaded (0 when it did not).</summary>
    public static async Task<int> LoadIfEmptyAsync(ITallyStore store, TimeProvider time, int seed, CancellationToken cancellationToken)
    {
        var stats = await store.GetIngestionStatsAsync(null, cancellationToken);
        if (stats.Any(company => company.StoredEvents > 0))
        {
            return 0;
        }

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var company in DemoOrganisation.Companies)
        {
            await store.UpsertCompanyAsync(company.Id, new CompanyChange(company.Name, company.TimeZone), now, cancellationToken);
        }

        var events = DemoOrganisation.Generate(seed, now);
        foreach (var chunk in events.Chunk(EventsPerCommit))
        {
            await store.AppendAsync(new IngestionCommit([chunk], new Dictionary<long, int>(), now), cancellationToken);
        }

        return events.Count;
    }
}
