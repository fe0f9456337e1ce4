using System.Globalization;
using System.Text.Json;

namespace Tally.Tests;

/// <summary>Costs and satisfaction in <c>tally report all</c>, period by period, against the API.</summary>
public sealed partial class ReportCommandTests
{
    [Theory]
    [InlineData("day")]
    [InlineData("week")]
    [InlineData("month")]
    [InlineData("total")]
    public async Task The_merged_table_carries_the_models_tokens_and_cost_and_the_satisfaction_of_each_period(string granularity)
    {
        var run = await demo.TallyAsync("report", "all", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--granularity", granularity,
            "--chunk-days", "6", "--format", "json");
        using var models = JsonDocument.Parse(await demo.ApiAsync("models", $"&granularity={granularity}"));
        using var satisfaction = JsonDocument.Parse(await demo.ApiAsync("satisfaction", $"&granularity={granularity}"));

        run.ExitCode.ShouldBe(0, run.StandardError);
        var rows = ExportedRows.FromJson(run.StandardOutput);
        var expected = Periods(models).Zip(Periods(satisfaction), (model, rating) =>
        {
            model.Period.ShouldBe(rating.Period);
            return (model.Period, model.Numbers, Ratings: rating.Numbers);
        }).ToList();
        rows.Select(row => (row["company_id"], row["date"], row.GetValueOrDefault("end_date", ""))).ShouldBe(expected.Select(period => period.Period));
        rows.ShouldAllBe(row => row["currency"] == "EUR");
        rows.ShouldContain(row => row["cost"] != "");
        foreach (var (row, period) in rows.Zip(expected))
        {
            var what = $"{granularity} {period.Period}";
            foreach (var column in new[] { "input_tokens", "output_tokens", "cost" })
            {
                Number(row[column]).ShouldBe(Number(period.Numbers[column]), what + " " + column);
            }

            foreach (var column in new[] { "likes_count", "dislikes_count", "satisfaction_rate" })
            {
                Number(row[column]).ShouldBe(Number(period.Ratings[column]), what + " " + column);
            }
        }
    }

    private static decimal? Number(string cell) => cell.Length == 0 ? null : decimal.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Each company's periods of a dated report, in order: (company, date, end date) and the period's own values as text.</summary>
    private static IEnumerable<((string, string, string) Period, Dictionary<string, string> Numbers)> Periods(JsonDocument report) =>
        report.RootElement.GetProperty("reporting").EnumerateArray().OrderBy(entry => entry.GetProperty("company").GetProperty("id").GetInt64())
            .SelectMany(entry => entry.GetProperty("dates").EnumerateArray().Select(period => (
                (entry.GetProperty("company").GetProperty("id").GetRawText(), period.GetProperty("date").GetString()!,
                    period.TryGetProperty("end_date", out var end) ? end.GetString()! : ""),
                period.EnumerateObject().Where(value => value.Value.ValueKind is JsonValueKind.Number or JsonValueKind.Null)
                    .ToDictionary(value => value.Name, value => value.Value.ValueKind == JsonValueKind.Null ? "" : value.Value.GetRawText()))));
}
