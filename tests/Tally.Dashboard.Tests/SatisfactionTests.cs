using System.Globalization;
using System.Text.Json;

namespace Tally.Dashboard.Tests;

/// <summary>The satisfaction lists hold the satisfaction report's entries over the range, worst first, bounded.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SatisfactionTests(DashboardServer server)
{
    private const int RowsShown = 10;

    [Theory]
    [InlineData("satisfaction-models", "by_model")]
    [InlineData("satisfaction-tools", "by_tool")]
    [InlineData("satisfaction-documents", "by_document")]
    public async Task Each_list_is_the_apis_entries_of_the_range_worst_rated_first(string tableId, string dimension)
    {
        await using var dashboard = await server.OpenAsync();
        // By week: the lists are over the whole range whatever the periods of the charts.
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-90-days&granularity=week");
        var entries = (await server.Api.GetAsync("satisfaction", (view with { Granularity = "total" }).Query))
            .GetProperty("reporting")[0].GetProperty("dates")[0].GetProperty(dimension).EnumerateArray().ToList();
        entries.ShouldNotBeEmpty();

        // The rule of docs/decisions.md: 5 ratings or more first, rate ascending (none last), more dislikes first,
        // more ratings first, the API's order.
        var expected = entries.Select((entry, index) => (Entry: entry, Index: index))
            .OrderBy(e => Count(e.Entry, "likes_count") + Count(e.Entry, "dislikes_count") < 5)
            .ThenBy(e => e.Entry.GetProperty("satisfaction_rate").ValueKind == JsonValueKind.Null)
            .ThenBy(e => e.Entry.GetProperty("satisfaction_rate").ValueKind == JsonValueKind.Null ? 0 : e.Entry.GetProperty("satisfaction_rate").GetDouble())
            .ThenByDescending(e => Count(e.Entry, "dislikes_count"))
            .ThenByDescending(e => Count(e.Entry, "likes_count") + Count(e.Entry, "dislikes_count"))
            .ThenBy(e => e.Index)
            .Take(RowsShown)
            .Select(e => new[] { Name(e.Entry, dimension), Number(Count(e.Entry, "likes_count")), Number(Count(e.Entry, "dislikes_count")), Rate(e.Entry) })
            .ToList();
        (await dashboard.RowsAsync(tableId)).ShouldBe(expected);
        var noun = dimension["by_".Length..] + "s";
        (await dashboard.Page.Locator($"#{tableId}-count").InnerTextAsync())
            .ShouldBe($"{Math.Min(RowsShown, entries.Count)} of {entries.Count} rated {noun}, worst first");
        if (dimension == "by_document")
        {
            entries.Count.ShouldBeGreaterThan(RowsShown, "the demo rates more documents than the list shows");
        }
    }

    private static long Count(JsonElement entry, string name) => entry.GetProperty(name).GetInt64();

    private static string Number(long value) => value.ToString("N0", CultureInfo.GetCultureInfo("en-US"));

    private static string Rate(JsonElement entry) => entry.GetProperty("satisfaction_rate") is { ValueKind: JsonValueKind.Number } rate
        ? (rate.GetDouble() * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %"
        : "—";

    private static string Name(JsonElement entry, string dimension) => dimension switch
    {
        "by_model" => entry.GetProperty("model").GetString() ?? "Answer not stored",
        "by_tool" => $"{entry.GetProperty("tool_name").GetString()} ({entry.GetProperty("tool_type").GetString()})",
        _ => entry.GetProperty("document_title").GetString() ?? entry.GetProperty("document_filename").GetString()!,
    };
}
