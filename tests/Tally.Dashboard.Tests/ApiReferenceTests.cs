using Microsoft.Playwright;

namespace Tally.Dashboard.Tests;

/// <summary>
/// The API reference at <c>/docs</c> in Chromium works in a closed network: every request it makes, scripts, styles,
/// fonts, images, the OpenAPI document, goes to the server itself. Requests to other origins are recorded and
/// answered with a network error, so that the test fails on them without waiting for the network.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiReferenceTests(DashboardServer server)
{
    [Fact]
    public async Task The_reference_page_renders_every_operation_from_the_server_alone()
    {
        await using var page = await server.OpenAsync();
        var origin = server.Address.GetLeftPart(UriPartial.Authority);
        var sameOrigin = new List<string>();
        var otherOrigins = new List<string>();
        await page.Page.Context.RouteAsync("**/*", async route =>
        {
            var url = route.Request.Url;
            if (url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal))
            {
                lock (sameOrigin)
                {
                    sameOrigin.Add(url);
                }

                await route.ContinueAsync();
            }
            else
            {
                lock (otherOrigins)
                {
                    otherOrigins.Add(url);
                }

                await route.AbortAsync();
            }
        });

        await page.Page.GotoAsync("/docs");
        await page.Page.GetByText("Liveness: 200 once the store is open and migrated").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // Fonts and lazy parts load after the first paint and as sections open: open every one, as a reader would,
        // and until the last section's operation is in the page. Each click waits until its button has gone (the section
        // opened): clicking again before the page re-rendered clicked the same button. On a busy machine a click can
        // land while the page re-renders and open nothing, or the button can be replaced: the buttons are looked up
        // again. With no button left, the page is scrolled down, which renders the sections Scalar renders lazily.
        var more = page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Show More" });
        var lastOperation = page.Page.GetByText("Create or update a company (name, IANA time zone)");
        var opening = System.Diagnostics.Stopwatch.StartNew();
        while (await more.CountAsync() > 0 || await lastOperation.CountAsync() == 0)
        {
            opening.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(90), $"the admin operations never rendered; {await more.CountAsync()} Show More buttons left");
            if (await more.CountAsync() == 0)
            {
                await page.Page.Mouse.WheelAsync(0, 4_000);
                await page.Page.WaitForTimeoutAsync(200);
                continue;
            }

            try
            {
                var button = await more.First.ElementHandleAsync();
                await button.ClickAsync(new ElementHandleClickOptions { Timeout = 5_000 });
                await button.WaitForElementStateAsync(ElementState.Hidden, new ElementHandleWaitForElementStateOptions { Timeout = 5_000 });
            }
            catch (Exception exception) when (exception is TimeoutException or PlaywrightException)
            {
                // A button the re-render replaced (detached) or a click that opened nothing: look for the buttons again.
            }

            await page.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        await page.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardServer.ArtifactsDirectory, "api-reference.png") });

        lock (otherOrigins)
        {
            otherOrigins.ShouldBeEmpty($"requests to other origins: {string.Join(", ", otherOrigins.Distinct())}");
        }

        lock (sameOrigin)
        {
            sameOrigin.ShouldContain(url => url.EndsWith("/openapi/v1.json", StringComparison.Ordinal));
        }

        // No button that leads to a hosted service: the AI agent, deploying, SDK generation, sharing.
        var text = await page.Page.Locator("body").InnerTextAsync();
        foreach (var service in new[] { "Ask AI", "Deploy", "Generate SDK", "Share", "Open API Client" })
        {
            text.ShouldNotContain(service);
        }

        page.ConsoleErrors.ShouldBeEmpty();
    }
}
