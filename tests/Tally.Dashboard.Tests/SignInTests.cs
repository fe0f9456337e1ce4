namespace Tally.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class SignInTests(DashboardServer server)
{
    [Fact]
    public async Task An_instance_admin_picks_among_every_company_and_the_url_names_the_choice()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey);

        var companies = await server.Api.CompaniesAsync();
        var options = await dashboard.Page.Locator("#company-picker option").AllAsync();
        var values = new List<string>();
        foreach (var option in options)
        {
            values.Add((await option.GetAttributeAsync("value"))!);
        }

        values.ShouldBe(companies.Select(c => c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        (await dashboard.Page.Locator("#company-picker").IsVisibleAsync()).ShouldBeTrue();
        view.CompanyId.ShouldBe(companies[0].Id);

        await dashboard.Page.Locator("#company-picker").SelectOptionAsync("2");
        var second = await dashboard.WaitForViewAsync(view);
        second.CompanyId.ShouldBe(2);
        dashboard.Page.Url.ShouldContain("company=2");
        dashboard.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_company_admin_sees_its_own_company_without_a_picker_even_when_the_url_names_another()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(server.CompanyAdminKey, "#company=1&range=last-7-days");

        view.CompanyId.ShouldBe(DashboardServer.CompanyAdminCompanyId);
        (await dashboard.Page.Locator("#company-picker").IsVisibleAsync()).ShouldBeFalse();
        (await dashboard.Page.Locator("#company-name").InnerTextAsync()).ShouldBe("Lumen Systems India");
        view.Days.ShouldBe(7);
        var expected = await server.Api.TilesAsync(view);
        (await dashboard.TileAsync("questions")).Value.ShouldBe(expected.Questions);
    }

    [Fact]
    public async Task A_wrong_key_gets_a_clear_message_and_is_not_kept()
    {
        await using var dashboard = await server.OpenAsync();
        await dashboard.GotoAsync();
        await dashboard.Page.Locator("#api-key").FillAsync("tally_not-a-key-of-this-server");
        await dashboard.Page.Locator("#sign-in-button").ClickAsync();

        var error = dashboard.Page.Locator("#sign-in-error");
        await error.WaitForAsync();
        (await error.InnerTextAsync()).ShouldContain("This API key was not accepted (Invalid API key.)");
        (await dashboard.Page.Locator("#dashboard").IsVisibleAsync()).ShouldBeFalse();
        (await dashboard.Page.EvaluateAsync<string?>("sessionStorage.getItem('tally.apiKey')")).ShouldBeNull();
    }

    [Fact]
    public async Task The_key_lives_in_session_storage_only_never_in_the_url_and_survives_a_reload()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(server.CompanyAdminKey);

        dashboard.Page.Url.ShouldNotContain(server.CompanyAdminKey);
        (await dashboard.Page.EvaluateAsync<string?>("sessionStorage.getItem('tally.apiKey')")).ShouldBe(server.CompanyAdminKey);
        (await dashboard.Page.EvaluateAsync<int>("localStorage.length")).ShouldBe(0);
        (await dashboard.Page.EvaluateAsync<string>("document.cookie")).ShouldBeEmpty();

        await dashboard.Page.ReloadAsync();
        (await dashboard.WaitForViewAsync()).ShouldBe(view);

        await dashboard.Page.Locator("#sign-out").ClickAsync();
        (await dashboard.Page.Locator("#sign-in").IsVisibleAsync()).ShouldBeTrue();
        (await dashboard.Page.EvaluateAsync<string?>("sessionStorage.getItem('tally.apiKey')")).ShouldBeNull();
    }

    [Fact]
    public async Task A_person_signs_in_and_sorts_a_table_with_the_keyboard_only()
    {
        await using var dashboard = await server.OpenAsync();
        await dashboard.GotoAsync();
        // The key field has the focus on arrival.
        await dashboard.Page.Keyboard.TypeAsync(DashboardServer.AdminKey);
        await dashboard.Page.Keyboard.PressAsync("Enter");
        await dashboard.WaitForViewAsync();

        await dashboard.Page.Locator("[data-sort='active_days_count']").FocusAsync();
        await dashboard.Page.Keyboard.PressAsync("Enter");
        (await dashboard.Page.Locator("th:has([data-sort='active_days_count'])").GetAttributeAsync("aria-sort")).ShouldBe("descending");
        await dashboard.Page.Keyboard.PressAsync("Tab");
        (await dashboard.Page.EvaluateAsync<string>("document.activeElement.dataset.sort")).ShouldBe("sessions_count");
    }
}
