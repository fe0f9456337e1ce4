using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Tally.Dashboard.Tests;

/// <summary>The dashboard in one browser tab, read the way a person reads it: visible text and the page's own markers.</summary>
public sealed class DashboardPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public static readonly string[] ChartIds = ["chart-activity", "chart-grounding", "chart-active-users", "chart-feedback", "chart-tools", "chart-modes", "chart-cost"];

    private readonly List<string> _consoleErrors = Subscribe(page);

    public IPage Page => page;

    /// <summary>Console errors so far: a Content-Security-Policy violation or a script error shows up here.</summary>
    public IReadOnlyList<string> ConsoleErrors => _consoleErrors;

    private static List<string> Subscribe(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        return errors;
    }

    public Task GotoAsync(string hash = "") => page.GotoAsync($"/{hash}");

    /// <summary>Types the key and signs in; returns the view once it has loaded.</summary>
    public async Task<View> SignInAsync(string key, string hash = "")
    {
        await GotoAsync(hash);
        await page.Locator("#api-key").FillAsync(key);
        await page.Locator("#sign-in-button").ClickAsync();
        return await WaitForViewAsync();
    }

    /// <summary>Waits until a view other than <paramref name="previous"/> has finished loading, and returns it.</summary>
    public async Task<View> WaitForViewAsync(View? previous = null)
    {
        var before = previous?.Marker ?? "";
        var loaded = await page.WaitForFunctionAsync(
            "before => { const d = document.getElementById('dashboard'); return d.dataset.state === 'ready' && d.dataset.loaded && d.dataset.loaded !== before ? d.dataset.loaded : null; }",
            before, new PageWaitForFunctionOptions { Timeout = 20_000 });
        return View.Parse(await loaded.JsonValueAsync<string>());
    }

    public async Task<Tile> TileAsync(string name)
    {
        var tile = page.Locator($"[data-tile='{name}']");
        async Task<long?> Number(string attribute) =>
            await tile.GetAttributeAsync(attribute) is { Length: > 0 } text ? long.Parse(text, CultureInfo.InvariantCulture) : null;
        async Task<double?> Real(string attribute) =>
            await tile.GetAttributeAsync(attribute) is { Length: > 0 } text ? double.Parse(text, CultureInfo.InvariantCulture) : null;
        return new Tile(await Real("data-value"), await Number("data-part"), await Number("data-whole"),
            await tile.Locator(".value").InnerTextAsync(), await tile.Locator(".change").InnerTextAsync());
    }

    /// <summary>What a chart draws: its first and last day, its periods and each series' total (the page's data-summary).</summary>
    public async Task<JsonElement> ChartAsync(string id)
    {
        var summary = await page.Locator($"#{id}").GetAttributeAsync("data-summary");
        summary.ShouldNotBeNull($"{id} has drawn nothing");
        using var document = JsonDocument.Parse(summary);
        return document.RootElement.Clone();
    }

    /// <summary>The cells of a table's body, row by row, as displayed.</summary>
    public async Task<List<string[]>> RowsAsync(string tableId)
    {
        var rows = await page.Locator($"#{tableId} tbody tr").AllAsync();
        var result = new List<string[]>();
        foreach (var row in rows)
        {
            result.Add([.. await row.Locator("td").AllInnerTextsAsync()]);
        }

        return result;
    }

    /// <summary>Clicks an export button and returns the downloaded file's text.</summary>
    public async Task<(string FileName, string Text)> ExportAsync(string table)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator($"[data-export='{table}']").ClickAsync());
        var path = await download.PathAsync();
        return (download.SuggestedFilename, await File.ReadAllTextAsync(path));
    }

    public Task ScreenshotAsync(string name, bool fullPage = true) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardServer.ArtifactsDirectory, name), FullPage = fullPage });

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}

/// <summary>A tile: its number (for shares, the percentage) and, for shares, the part and the whole.</summary>
public sealed record Tile(double? Value, long? Part, long? Whole, string Text, string Change);
