using Xunit.Abstractions;

namespace Tally.Dashboard.Tests;

/// <summary>The main view at a laptop's and a phone's width, with screenshots kept as test artifacts.</summary>
[Collection(DashboardCollection.Name)]
public sealed class LayoutTests(DashboardServer server, ITestOutputHelper output)
{
    [Theory]
    [InlineData(1366, 768, "desktop")]
    [InlineData(390, 844, "phone")]
    public async Task The_main_view_fits_the_screen_width_and_is_captured(int width, int height, string name)
    {
        await using var dashboard = await server.OpenAsync(width, height);
        await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-30-days");
        await dashboard.ScreenshotAsync($"dashboard-{name}.png");
        await dashboard.ScreenshotAsync($"dashboard-{name}-first-screen.png", fullPage: false);
        foreach (var section in new[] { "chart-tools", "chart-cost", "models-title", "satisfaction-title", "users-title", "connections-title" })
        {
            await dashboard.Page.Locator($"#{section}").ScrollIntoViewIfNeededAsync();
            await dashboard.ScreenshotAsync($"dashboard-{name}-{section}.png", fullPage: false);
        }

        (await dashboard.Page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(width);
        foreach (var id in DashboardPage.ChartIds)
        {
            var box = await dashboard.Page.Locator($"#{id}").BoundingBoxAsync();
            box.ShouldNotBeNull();
            box.Width.ShouldBeLessThanOrEqualTo(width);
            box.Height.ShouldBeGreaterThan(200);
        }

        dashboard.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_returning_visitor_gets_the_90_day_view_of_the_demo_and_its_load_time()
    {
        await using var dashboard = await server.OpenAsync();
        await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-90-days");

        // A returning visitor: the key is in the tab's session, the page and the server are warm.
        await dashboard.Page.ReloadAsync();
        await dashboard.WaitForViewAsync();
        var readyAfter = await dashboard.Page.Locator("#dashboard").GetAttributeAsync("data-ready-after-ms");
        // The time is reported, not asserted: speed is measured by benchmarks, and on a shared 2-core machine a
        // wall-clock bound in a test fails with the machine's load, not with the page.
        output.WriteLine($"90 days of company 1 ready {readyAfter} ms after navigation");
        int.Parse(readyAfter!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0, "the page records when its view was ready");
    }
}
