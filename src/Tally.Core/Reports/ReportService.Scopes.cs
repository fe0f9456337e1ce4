using Tally.Access;
using Tally.Companies;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>The companies and days of a request, for the reports built outside this class (<see cref="ModelsReportService"/>).</summary>
public sealed partial class ReportService
{
    /// <summary>The companies the caller sees, in id order, each with its days; throws as every report does (400, 403, 404).</summary>
    public async Task<IReadOnlyList<(Company Company, DayRange Days)>> CompanyRangesAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken) =>
        (await ScopeAsync(caller, query, cancellationToken)).Select(scope => (scope.Company, scope.Days)).ToList();

    /// <summary>The instant a report is generated at.</summary>
    public DateTime GeneratedAt() => Now();
}
