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
        // Fonts and lazy parts load after the first paint and as sections open: open every one, as a reader would.
        var more = page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Show More" });
        // Each click waits until its button has gone (the section opened) before the next: clicking again before the page
        // re-rendered clicked the same button, and sections were left closed. Opening a section may show more buttons.
        for (var opened = 0; opened < 50 && await more.CountAsync() > 0; opened++)
        {
            var button = await more.First.ElementHandleAsync();
            await button.ClickAsync();
            await button.WaitForElementStateAsync(ElementState.Hidden);
            await page.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        await page.Page.GetByText("Create or update a company (name, IANA time zone)").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
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
