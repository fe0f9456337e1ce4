using System.Globalization;

namespace Tally.Dashboard.Tests;

/// <summary>Empty, loading and error states say what is going on.</summary>
[Collection(DashboardCollection.Name)]
public sealed class StateTests(DashboardServer server)
{
    [Fact]
    public async Task A_new_company_explains_that_it_has_no_data_yet()
    {
        var id = 100 + Random.Shared.Next(1_000_000);
        await server.Api.CreateCompanyAsync(id, "Brand New GmbH");
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, $"#company={id}&range=last-7-days");

        view.CompanyId.ShouldBe(id);
        var status = dashboard.Page.Locator("#status");
        (await status.GetAttributeAsync("data-kind")).ShouldBe("empty");
        (await status.InnerTextAsync()).ShouldBe("Brand New GmbH has no data yet: the platform has not sent any event for this company. Its numbers appear here as soon as it does.");
        (await dashboard.TileAsync("sessions")).Text.ShouldBe("0");
        (await dashboard.TileAsync("satisfaction")).Text.ShouldBe("—");
        (await dashboard.RowsAsync("users-table")).ShouldBe([["Nobody was active in this range."]]);
    }

    [Fact]
    public async Task A_range_without_data_says_so_and_suggests_another()
    {
        await using var dashboard = await server.OpenAsync();
        var recent = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-7-days");
        var yearAgo = DateOnly.ParseExact(recent.To, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddYears(-1);
        await dashboard.GotoAsync($"#company=2&from={View.Day(yearAgo)}&to={View.Day(yearAgo.AddDays(13))}");
        await dashboard.WaitForViewAsync(recent);

        var status = dashboard.Page.Locator("#status");
        (await status.GetAttributeAsync("data-kind")).ShouldBe("empty");
        (await status.InnerTextAsync()).ShouldStartWith($"Nothing happened at Acme Analytics from {View.Day(yearAgo)} to {View.Day(yearAgo.AddDays(13))}");
        (await dashboard.RowsAsync("documents-table")).ShouldBe([["No answer used a document in this range."]]);
        (await dashboard.RowsAsync("connections-table")).ShouldBe([["Nobody signed in during this range."]]);
    }

    [Fact]
    public async Task An_unreachable_server_shows_an_error_with_a_retry_that_recovers()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-30-days");

        // The browser's view of a server that is down: every API request fails at the network level.
        await dashboard.Page.RouteAsync("**/api/**", route => route.AbortAsync("connectionrefused"));
        await dashboard.Page.Locator("#range-preset").SelectOptionAsync("last-7-days");
        var status = dashboard.Page.Locator("#status[data-kind='error']");
        await status.WaitForAsync();
        (await status.InnerTextAsync()).ShouldContain($"Cannot reach the Tally server at {server.Address.ToString().TrimEnd('/')}");

        await dashboard.Page.UnrouteAllAsync();
        await dashboard.Page.Locator("#retry").ClickAsync();
        var week = await dashboard.WaitForViewAsync(view);
        week.Days.ShouldBe(7);
        (await dashboard.Page.Locator("#status").IsVisibleAsync()).ShouldBeFalse();
    }

    [Fact]
    public async Task A_failed_refresh_leaves_no_number_of_the_previous_range_under_the_new_label()
    {
        await using var dashboard = await server.OpenAsync();
        await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-30-days");
        (await dashboard.TileAsync("questions")).Value.ShouldNotBeNull();

        await dashboard.Page.RouteAsync("**/api/**", route => route.FulfillAsync(new()
        {
            Status = 500, ContentType = "application/problem+json", Body = """{"detail":"the store is unreachable"}""",
        }));
        await dashboard.Page.Locator("#range-preset").SelectOptionAsync("last-7-days");
        var status = dashboard.Page.Locator("#status[data-kind='error']");
        await status.WaitForAsync();
        (await status.InnerTextAsync()).ShouldContain("the store is unreachable");
        (await dashboard.Page.Locator("#range-label").InnerTextAsync()).ShouldContain("(7 days,");

        foreach (var name in new[] { "active-users", "sessions", "questions", "grounded", "satisfaction", "tool-calls" })
        {
            var tile = await dashboard.TileAsync(name);
            (tile.Value, tile.Text, tile.Change).ShouldBe((null, "—", ""), name);
        }

        foreach (var chart in DashboardPage.ChartIds)
        {
            (await dashboard.Page.Locator($"#{chart}").GetAttributeAsync("data-summary")).ShouldBeNull(chart);
        }

        foreach (var table in new[] { "documents-table", "tools-table", "users-table", "connections-table" })
        {
            (await dashboard.RowsAsync(table)).ShouldBe([["Not loaded: the last refresh failed."]], table);
        }

        (await dashboard.Page.Locator("[data-export]:enabled").CountAsync()).ShouldBe(0, "nothing to export until a range loads");
    }

    [Fact]
    public async Task A_slow_answer_shows_the_loading_state()
    {
        await using var dashboard = await server.OpenAsync();
        // From the previous month, a range "this month" never equals (the last 30 days do, on the 30th of a 30-day month).
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=previous-month");
        using var release = new SemaphoreSlim(0);
        await dashboard.Page.RouteAsync("**/api/v2/reporting/**", async route =>
        {
            await release.WaitAsync(TimeSpan.FromSeconds(10));
            await route.ContinueAsync();
        });

        await dashboard.Page.Locator("#range-preset").SelectOptionAsync("this-month");
        var loading = dashboard.Page.Locator("#status[data-kind='loading']");
        await loading.WaitForAsync();
        (await loading.InnerTextAsync()).ShouldBe("Loading…");
        (await dashboard.Page.Locator("body").GetAttributeAsync("aria-busy")).ShouldBe("true");

        release.Release(100);
        var month = await dashboard.WaitForViewAsync(view);
        month.From.ShouldEndWith("-01");
    }
}
