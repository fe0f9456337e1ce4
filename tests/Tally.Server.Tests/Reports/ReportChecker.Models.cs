using System.Globalization;

namespace Tally.Server.Tests.Reports;

/// <summary>The models report, at every granularity, in JSON and CSV, against <see cref="ReferenceModels"/>.</summary>
public sealed partial class ReportChecker
{
    private static readonly string[] Granularities = ["day", "week", "month", "total"];

    private IReadOnlyList<RefPrice> Prices => reference.Prices;

    private async Task ModelsAsync(HttpClient client, long? companyId, IReadOnlyList<ReferenceReports.Scope> scopes, DateOnly start, DateOnly? end)
    {
        foreach (var granularity in Granularities)
        {
            var path = ReportApi.Path("models", ("start_date", ReportApi.Date(start)), ("end_date", Date(end)), ("company_id", companyId), ("granularity", granularity));
            var report = await ReportApi.GetJsonAsync(client, path);
            var expected = ReferenceModels.Report(reference, scopes, granularity, Prices);
            report["currency"].ShouldMatch(ReferenceModels.Currency(Prices), path + " currency");
            report["reporting"].ShouldMatch(expected, path);
        }
    }

    /// <summary>The models CSV of every company at every granularity, cell for cell (numbers compared as decimals).</summary>
    public async Task ModelsCsvAsync(HttpClient client, DateOnly start, DateOnly end)
    {
        var scopes = reference.Scopes(null, start, end, now);
        foreach (var granularity in Granularities)
        {
            var path = ReportApi.Path("models", ("start_date", ReportApi.Date(start)), ("end_date", ReportApi.Date(end)), ("format", "csv"), ("granularity", granularity));
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var rows = Csv.Read(await response.Content.ReadAsStringAsync());
            var want = Csv.ExpectedModels(ReferenceModels.Report(reference, scopes, granularity, Prices), granularity != "day");
            rows.Count.ShouldBe(want.Count, path);
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i].Count.ShouldBe(want[i].Count, $"{path}, row {i}");
                for (var j = 0; j < rows[i].Count; j++)
                {
                    var same = decimal.TryParse(rows[i][j], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                        && decimal.TryParse(want[i][j], NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
                        ? a == b
                        : rows[i][j] == want[i][j];
                    same.ShouldBeTrue($"{path}, row {i}, column {want[0][j]}: {rows[i][j]} instead of {want[i][j]}");
                }
            }
        }
    }
}
