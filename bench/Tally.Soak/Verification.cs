using System.Net;
using System.Text.Json;

namespace Tally.Soak;

/// <summary>
/// The server's ingestion stats against what it acknowledged: stored events per company and type equal to the new
/// events it answered as accepted, duplicates received equal to the duplicates it answered, and the refused requests
/// counted only where they named a company.
/// </summary>
internal static class Verification
{
    public static async Task<List<string>> CompareAsync(HttpClient admin, IngestionLoad ingestion, CancellationToken cancellationToken)
    {
        using var response = await admin.GetAsync(new Uri("/api/v2/admin/ingestion-stats/", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return [$"GET /api/v2/admin/ingestion-stats/ answered {(int)response.StatusCode}: {body}"];
        }

        var expected = ingestion.AcknowledgedByCompanyAndType;
        var expectedRejected = ingestion.Refused.Where(pair => pair.Key.StartsWith("invalid event", StringComparison.Ordinal)).Sum(pair => pair.Value);
        var problems = new List<string>();
        long stored = 0, duplicates = 0;
        var seen = new HashSet<(long, string)>();
        using var document = JsonDocument.Parse(body);
        foreach (var company in document.RootElement.EnumerateArray())
        {
            var id = company.GetProperty("company_id").GetInt64();
            stored += company.GetProperty("stored_events").GetInt64();
            duplicates += company.GetProperty("duplicates_received").GetInt64();
            var rejected = company.GetProperty("requests_rejected").GetInt64();
            var wantRejected = id == IngestionLoad.RejectedCompany ? expectedRejected : 0;
            if (rejected != wantRejected)
            {
                problems.Add($"company {id}: requests_rejected {rejected:N0}, expected {wantRejected:N0}");
            }

            foreach (var byType in company.GetProperty("stored_events_by_type").EnumerateObject())
            {
                seen.Add((id, byType.Name));
                var want = expected.GetValueOrDefault((id, byType.Name));
                if (byType.Value.GetInt64() != want)
                {
                    problems.Add($"company {id}, {byType.Name}: stored {byType.Value.GetInt64():N0}, acknowledged {want:N0}");
                }
            }
        }

        foreach (var ((company, type), count) in expected.Where(pair => pair.Value > 0 && !seen.Contains(pair.Key)))
        {
            problems.Add($"company {company}, {type}: acknowledged {count:N0}, missing from the stats");
        }

        if (stored != ingestion.AcknowledgedEvents)
        {
            problems.Insert(0, $"stored_events total {stored:N0}, acknowledged {ingestion.AcknowledgedEvents:N0}");
        }

        if (duplicates != ingestion.DuplicatesAcknowledged)
        {
            problems.Add($"duplicates_received total {duplicates:N0}, answered as duplicates {ingestion.DuplicatesAcknowledged:N0}");
        }

        return problems;
    }
}
