using System.Globalization;
using System.Text.Json;

namespace Tally.Dashboard.Tests;

/// <summary>
/// The cost tile, the cost-by-model chart and the models table hold the models report's numbers, and say which
/// model has no price. Prices are instance-wide: the test sets the ones it needs first and deletes them all after.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class CostTests(DashboardServer server)
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-US");

    [Fact]
    public async Task Cost_and_tokens_by_model_equal_the_api_with_no_price_then_a_missing_price_then_every_price()
    {
        // The server is shared by the collection: the prices go when the test ends, passed or failed.
        try
        {
            await ShowsTheApisCostsAsync();
        }
        finally
        {
            await server.Api.DeletePricesAsync();
        }
    }

    private async Task ShowsTheApisCostsAsync()
    {
        var api = server.Api;
        await api.DeletePricesAsync();
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-30-days");

        var cost = await dashboard.TileAsync("cost");
        (cost.Value, cost.Text, cost.Change).ShouldBe((null, "No price", "No model has a price yet"));
        await ModelsTableShowsAsync(dashboard, view, "no price set");
        await ViewTests.ChartsShowAsync(api, dashboard, view);

        // Prices from a day before the range, one changing inside it; gpt-4o has none.
        var from = DateOnly.ParseExact(view.From, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        await api.SetPriceAsync("alfred-4", "2020-01-01", 2.5m, 10m);
        await api.SetPriceAsync("alfred-4", View.Day(from.AddDays(10)), 3.125m, 12.5m);
        await api.SetPriceAsync("mistral-large", "2020-01-01", 1.2m, 3.6m);
        await api.SetPriceAsync("llama-3.3-70b", "2020-01-01", 0.59m, 0.79m);
        await dashboard.Page.Locator("#granularity").SelectOptionAsync("week");
        var weeks = await dashboard.WaitForViewAsync(view);

        cost = await dashboard.TileAsync("cost");
        (cost.Value, cost.Text, cost.Change).ShouldBe((null, "No price", "No price for gpt-4o"));
        await ModelsTableShowsAsync(dashboard, weeks, "EUR");
        await ViewTests.ChartsShowAsync(api, dashboard, weeks);
        (await dashboard.ChartAsync("chart-cost")).GetProperty("totals").GetProperty("gpt-4o").ValueKind.ShouldBe(JsonValueKind.Null);

        await api.SetPriceAsync("gpt-4o", "2020-01-01", 2.5m, 10m);
        await dashboard.Page.Locator("#granularity").SelectOptionAsync("month");
        var months = await dashboard.WaitForViewAsync(weeks);

        var total = await TotalAsync(months);
        var previous = await TotalAsync(months.Previous);
        total.GetProperty("cost").ValueKind.ShouldBe(JsonValueKind.Number);
        cost = await dashboard.TileAsync("cost");
        cost.Value.ShouldBe(total.GetProperty("cost").GetDouble());
        cost.Text.ShouldBe("€" + total.GetProperty("cost").GetDouble().ToString("#,##0.00", English));
        var change = 100.0 * (total.GetProperty("cost").GetDouble() - previous.GetProperty("cost").GetDouble()) / previous.GetProperty("cost").GetDouble();
        cost.Change.ShouldBe($"{(change > 0 ? "▲ up" : "▼ down")} {Math.Abs(change).ToString("0.0", CultureInfo.InvariantCulture)} % vs previous 30 days");
        (await dashboard.Page.Locator("[data-tile='cost']").GetAttributeAsync("data-currency")).ShouldBe("EUR");
        await ModelsTableShowsAsync(dashboard, months, "EUR");
        await ViewTests.ChartsShowAsync(api, dashboard, months);
        dashboard.ConsoleErrors.ShouldBeEmpty();
    }

    /// <summary>The range as the models report's one total period.</summary>
    private async Task<JsonElement> TotalAsync(View view) =>
        (await server.Api.GetAsync("models", (view with { Granularity = "total" }).Query)).GetProperty("reporting")[0].GetProperty("dates")[0];

    /// <summary>One row per model of the range, in the API's order, with its answers, users, tokens and cost.</summary>
    private async Task ModelsTableShowsAsync(DashboardPage dashboard, View view, string currency)
    {
        var models = (await TotalAsync(view)).GetProperty("models").EnumerateArray().ToList();
        models.Count.ShouldBe(4, "the demo's four models answer in every month");
        (await dashboard.Page.Locator("#models-cost-header").InnerTextAsync()).ShouldBe($"Cost ({currency})");
        (await dashboard.RowsAsync("models-table")).Select(row => row[..6]).ShouldBe(models.Select(m => new[]
        {
            m.GetProperty("model").GetString()!,
            m.GetProperty("responses_count").GetInt64().ToString("N0", English),
            m.GetProperty("users_count").GetInt64().ToString("N0", English),
            m.GetProperty("input_tokens").GetInt64().ToString("N0", English),
            m.GetProperty("output_tokens").GetInt64().ToString("N0", English),
            m.GetProperty("cost").ValueKind == JsonValueKind.Null ? "No price" : m.GetProperty("cost").GetDecimal().ToString("#,##0.######", English),
        }));

        // Its export is the API's own CSV of the range as one period.
        var (fileName, csv) = await dashboard.ExportAsync("models");
        fileName.ShouldBe($"tally-1-models-{view.From}-to-{view.To}.csv");
        csv.ShouldBe(await server.Api.GetTextAsync("models", $"{(view with { Granularity = "total" }).Query}&format=csv"));
    }
}
