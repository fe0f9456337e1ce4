using Tally.Events;

namespace Tally.Ingestion;

/// <summary>One company's operational counters from a commit: duplicates received, requests rejected, last accepted request.</summary>
public record struct CompanyCounters(long Duplicates, long Rejected, DateTime? LastAccepted);

/// <summary>
/// How a commit fared once an engine knows which of its events it stored: each request's accepted and duplicate
/// events, and the counters per company. The rule is the spec's, so every engine counts through it.
/// </summary>
public static class CommitOutcome
{
    /// <summary>
    /// Counts with <paramref name="stored"/>, the (company, id) of the events the commit stored (emptied as it goes),
    /// adding each company's counters into <paramref name="counters"/>.
    /// </summary>
    public static List<AppendResult> Count(IngestionCommit commit, HashSet<(long, string)> stored, Dictionary<long, CompanyCounters> counters)
    {
        var results = new List<AppendResult>(commit.Batches.Count);
        foreach (var batch in commit.Batches)
        {
            var accepted = 0;
            var byType = new Dictionary<EventType, int>();
            foreach (var e in batch)
            {
                var company = counters.GetValueOrDefault(e.CompanyId);
                company.LastAccepted = commit.ReceivedAt;
                // Removed, so a later copy in the same commit counts as the duplicate it is.
                if (stored.Remove((e.CompanyId, e.Id)))
                {
                    accepted++;
                    byType[e.Type] = byType.GetValueOrDefault(e.Type) + 1;
                }
                else
                {
                    company.Duplicates++;
                }

                counters[e.CompanyId] = company;
            }

            results.Add(new AppendResult(accepted, batch.Count - accepted) { AcceptedByType = byType });
        }

        foreach (var (company, requests) in commit.RejectedRequests)
        {
            var companyCounters = counters.GetValueOrDefault(company);
            companyCounters.Rejected += requests;
            counters[company] = companyCounters;
        }

        return results;
    }
}
