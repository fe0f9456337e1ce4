using System.Globalization;

namespace Tally.Server.Tests.Reports;

/// <summary>Compares the server's satisfaction report, JSON and CSV, at every granularity, with <see cref="ReferenceSatisfaction"/>.</summary>
public sealed class SatisfactionChecker(ReferenceReports reference, DateTime now)
{
    public static readonly string[] Granularities = ["day", "week", "month", "total"];

    /// <summary>Every company at once, then each company alone, at every granularity; and the CSV of every company.</summary>
    public async Task AllAsync(HttpClient client, DateOnly start, DateOnly? end)
    {
        foreach (var granularity in Granularities)
        {
            await CompanyAsync(client, null, null, start, end, granularity);
            foreach (var company in reference.Companies)
            {
                await CompanyAsync(client, company.Id, company.Id, start, end, granularity);
            }

            await CsvAsync(client, start, end, granularity);
        }
    }

    public async Task CompanyAsync(HttpClient client, long? companyId, long? expectedCompany, DateOnly start, DateOnly? end, string granularity)
    {
        var path = PathOf(start, end, granularity, ("company_id", companyId));
        var expected = ReferenceSatisfaction.Report(reference, reference.Scopes(expectedCompany, start, end, now), granularity);
        (await ReportApi.GetJsonAsync(client, path))["reporting"].ShouldMatch(expected, path);
    }

    /// <summary>The CSV cell for cell; numbers compared as numbers (1.0 is 1).</summary>
    public async Task CsvAsync(HttpClient client, DateOnly start, DateOnly? end, string granularity)
    {
        var path = PathOf(start, end, granularity, ("format", "csv"));
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var rows = Csv.Read(await response.Content.ReadAsStringAsync());
        var want = ReferenceSatisfaction.CsvRows(ReferenceSatisfaction.Report(reference, reference.Scopes(null, start, end, now), granularity), granularity);
        rows.Count.ShouldBe(want.Count, path);
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Count.ShouldBe(want[i].Count, $"{path}, row {i}");
            for (var j = 0; j < rows[i].Count; j++)
            {
                var same = rows[i][j] == want[i][j]
                    || (decimal.TryParse(rows[i][j], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                        && decimal.TryParse(want[i][j], NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a == b);
                same.ShouldBeTrue($"{path}, row {i}, column {want[0][j]}: {rows[i][j]} instead of {want[i][j]}");
            }
        }
    }

    private static string PathOf(DateOnly start, DateOnly? end, string granularity, (string, object?) extra) =>
        ReportApi.Path("satisfaction", ("start_date", ReportApi.Date(start)), ("end_date", end is { } e ? ReportApi.Date(e) : null), ("granularity", granularity), extra);
}
