using System.Globalization;
using System.Text.Json;

namespace Tally.Dashboard.Tests;

/// <summary>Each model's latency percentiles over the range are the models report's, read as one period.</summary>
[Collection(DashboardCollection.Name)]
public sealed class LatencyTests(DashboardServer server)
{
    [Fact]
    public async Task The_models_table_shows_each_models_p50_and_p95_latency_of_the_whole_range()
    {
        await using var dashboard = await server.OpenAsync();
        // By week, so that a percentile of the range cannot be mistaken for one of a period.
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=3&range=last-90-days&granularity=week");
        var models = (await server.Api.GetAsync("models", (view with { Granularity = "total" }).Query))
            .GetProperty("reporting")[0].GetProperty("dates")[0].GetProperty("models").EnumerateArray().ToList();
        models.ShouldNotBeEmpty();

        static string Milliseconds(JsonElement value) =>
            value.ValueKind == JsonValueKind.Null ? "—" : value.GetInt64().ToString("N0", CultureInfo.GetCultureInfo("en-US"));
        (await dashboard.RowsAsync("models-table")).Select(row => (row[0], row[6], row[7])).ShouldBe(models.Select(m =>
            (m.GetProperty("model").GetString()!, Milliseconds(m.GetProperty("latency_ms_p50")), Milliseconds(m.GetProperty("latency_ms_p95")))));
        models.ShouldContain(m => m.GetProperty("latency_ms_p95").GetInt64() > m.GetProperty("latency_ms_p50").GetInt64(), "the demo's latencies spread");
    }
}
