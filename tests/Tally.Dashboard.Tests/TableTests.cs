using System.Globalization;

namespace Tally.Dashboard.Tests;

/// <summary>The tables and their CSV exports hold the API's rows.</summary>
[Collection(DashboardCollection.Name)]
public sealed class TableTests(DashboardServer server)
{
    private const int ConnectionsPageSize = 25;

    [Fact]
    public async Task The_connections_table_pages_with_the_apis_cursor()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-30-days");
        var first = await server.Api.GetAsync("connections", $"{view.Query}&limit={ConnectionsPageSize}");
        var next = first.GetProperty("reporting")[0].GetProperty("next").GetString();
        next.ShouldNotBeNull("the demo has more than one page of connections in 30 days");
        var second = await server.Api.GetAsync("connections", $"{view.Query}&limit={ConnectionsPageSize}&cursor={Uri.EscapeDataString(next)}");

        (await WhenAndWhoAsync(dashboard)).ShouldBe(Expected(first));
        (await dashboard.Page.Locator("#connections-newer").IsDisabledAsync()).ShouldBeTrue();

        await dashboard.Page.Locator("#connections-older").ClickAsync();
        await dashboard.Page.Locator("#connections-page", new() { HasText = "Page 2" }).WaitForAsync();
        (await WhenAndWhoAsync(dashboard)).ShouldBe(Expected(second));

        await dashboard.Page.Locator("#connections-newer").ClickAsync();
        await dashboard.Page.Locator("#connections-page", new() { HasText = "Page 1" }).WaitForAsync();
        (await WhenAndWhoAsync(dashboard)).ShouldBe(Expected(first));
    }

    [Fact]
    public async Task The_user_table_export_is_the_apis_own_csv_and_follows_search_and_sort()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-30-days");

        var (fileName, csv) = await dashboard.ExportAsync("users");
        fileName.ShouldBe($"tally-1-users-{view.From}-to-{view.To}.csv");
        csv.ShouldBe(await server.Api.GetTextAsync("user-activities", $"{view.Query}&table=users&format=csv"));

        var users = (await server.Api.GetAsync("user-activities", view.Query)).GetProperty("reporting")[0].GetProperty("users").EnumerateArray().ToList();
        (await dashboard.RowsAsync("users-table")).Count.ShouldBe(users.Count);

        var name = users[0].GetProperty("user_name").GetString()!;
        var query = name.Split(' ')[1];
        await dashboard.Page.Locator("#users-search").FillAsync(query);
        var found = await dashboard.RowsAsync("users-table");
        found.Count.ShouldBe(users.Count(u => (u.GetProperty("user_name").GetString() ?? "").Contains(query, StringComparison.OrdinalIgnoreCase)));
        found.ShouldAllBe(row => row[0].Contains(query, StringComparison.OrdinalIgnoreCase));
        (await dashboard.Page.Locator("#users-count").InnerTextAsync()).ShouldBe($"{found.Count} of {users.Count} users");
        var (_, filtered) = await dashboard.ExportAsync("users");
        filtered.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(found.Count + 1);

        await dashboard.Page.Locator("#users-search").FillAsync("");
        await dashboard.Page.Locator("[data-sort='sessions_count']").ClickAsync();
        var sessions = (await dashboard.RowsAsync("users-table")).Select(row => int.Parse(row[3], NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).ToList();
        sessions.ShouldBe(users.Select(u => u.GetProperty("sessions_count").GetInt32()).OrderByDescending(s => s).ToList());
        await dashboard.Page.Locator("[data-sort='sessions_count']").ClickAsync();
        (await dashboard.RowsAsync("users-table")).Select(row => int.Parse(row[3], NumberStyles.AllowThousands, CultureInfo.InvariantCulture))
            .ShouldBe(sessions.OrderBy(s => s));
    }

    [Fact]
    public async Task The_connections_export_holds_every_connection_of_the_range_as_the_apis_csv_pages()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-30-days");
        var (fileName, csv) = await dashboard.ExportAsync("connections");
        fileName.ShouldBe($"tally-2-connections-{view.From}-to-{view.To}.csv");

        // The API's CSV, page by page through its cursor: the header once, then every page's rows in order.
        var expected = new System.Text.StringBuilder();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = $"{view.Query}&limit={ConnectionsPageSize}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}";
            var text = await server.Api.GetTextAsync("connections", $"{page}&format=csv");
            expected.Append(pages == 0 ? text : text[(text.IndexOf("\r\n", StringComparison.Ordinal) + 2)..]);
            cursor = (await server.Api.GetAsync("connections", page)).GetProperty("reporting")[0].GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null);

        pages.ShouldBeGreaterThan(1, "the demo has more connections in 30 days than the table shows");
        csv.ShouldBe(expected.ToString());
    }

    [Fact]
    public async Task The_daily_export_merges_every_dated_report_day_by_day()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-30-days");
        var (fileName, csv) = await dashboard.ExportAsync("daily");
        fileName.ShouldBe($"tally-2-daily-{view.From}-to-{view.To}.csv");

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(line => header.Zip(line.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
        rows.Count.ShouldBe(view.Days);

        var (chat, agent) = await server.Api.SessionDaysAsync(view);
        var feedback = await server.Api.DaysAsync("chats-feedback", view);
        var tools = await server.Api.DaysAsync("tools", view);
        var activities = await server.Api.DaysAsync("user-activities", view);
        for (var i = 0; i < view.Days; i++)
        {
            var row = rows[i];
            (row["company_id"], row["company_name"]).ShouldBe(("2", "Acme Analytics"));
            row["date"].ShouldBe(chat[i].GetProperty("date").GetString());
            row["chat_sessions_count"].ShouldBe(chat[i].GetProperty("sessions").GetProperty("sessions_count").ToString());
            row["agent_threads_count"].ShouldBe(agent[i].GetProperty("threads").GetProperty("threads_count").ToString());
            row["agent_model_responses_with_docs_count"].ShouldBe(agent[i].GetProperty("chats").GetProperty("model_responses_with_docs_count").ToString());
            row["likes_count"].ShouldBe(feedback[i].GetProperty("feedbacks").GetProperty("likes_count").ToString());
            row["flags_count"].ShouldBe(feedback[i].GetProperty("feedbacks").GetProperty("flags_count").ToString());
            row["tool_calls_count"].ShouldBe(tools[i].GetProperty("tool_calls_count").ToString());
            row["tool_errors_count"].ShouldBe(tools[i].GetProperty("tools").EnumerateArray().Sum(t => t.GetProperty("errors_count").GetInt32()).ToString(CultureInfo.InvariantCulture));
            row["monthly_active_users_count"].ShouldBe(activities[i].GetProperty("monthly_active_users_count").ToString());
            row["connections_count"].ShouldBe(activities[i].GetProperty("connections_count").ToString());
        }
    }

    [Fact]
    public async Task The_document_table_and_its_export_are_the_apis_documents_of_the_range_by_use()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-30-days&granularity=week");
        var documents = (await server.Api.GetAsync("used-documents", (view with { Granularity = "total" }).Query))
            .GetProperty("reporting")[0].GetProperty("dates")[0].GetProperty("documents").EnumerateArray().ToList();
        documents.Count.ShouldBeGreaterThan(10, "the demo uses more documents than the table shows");

        string Text(System.Text.Json.JsonElement document, string name) => document.GetProperty(name).GetString() ?? "";
        (await dashboard.RowsAsync("documents-table")).ShouldBe(documents.Take(10).Select(d => new[]
        {
            d.GetProperty("document_title").GetString() ?? Text(d, "document_filename"), Text(d, "document_filename"),
            d.GetProperty("usage_count").GetInt64().ToString("N0", CultureInfo.GetCultureInfo("en-US")),
        }));
        var (_, csv) = await dashboard.ExportAsync("documents");
        csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => string.Join(',', line.Split(',')[2], line.Split(',')[^1]))
            .ShouldBe(documents.Select(d => $"{d.GetProperty("document_id").GetInt64()},{d.GetProperty("usage_count").GetInt64()}"));
    }

    [Fact]
    public async Task The_tool_table_sums_the_days_and_shows_error_rates()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-30-days");
        var calls = (await server.Api.DaysAsync("tools", view)).SelectMany(d => d.GetProperty("tools").EnumerateArray())
            .GroupBy(t => (Name: t.GetProperty("tool_name").GetString()!, Type: t.GetProperty("tool_type").GetString()!))
            .Select(g => (g.Key.Name, g.Key.Type, Calls: g.Sum(t => t.GetProperty("usage_count").GetInt64()), Errors: g.Sum(t => t.GetProperty("errors_count").GetInt64())))
            .OrderByDescending(t => t.Calls).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();

        var rows = await dashboard.RowsAsync("tools-table");
        rows.Select(r => r[0]).ShouldBe(calls.Select(t => t.Name));
        rows.Select(r => r[2]).ShouldBe(calls.Select(t => t.Calls.ToString("N0", CultureInfo.GetCultureInfo("en-US"))));
        rows.Select(r => r[4]).ShouldBe(calls.Select(t => (100.0 * t.Errors / t.Calls).ToString("0.0", CultureInfo.InvariantCulture) + " %"));
    }

    private static async Task<List<string>> WhenAndWhoAsync(DashboardPage dashboard) =>
        (await dashboard.RowsAsync("connections-table")).Select(row => $"{row[0]} {row[1]}").ToList();

    private static List<string> Expected(System.Text.Json.JsonElement page) =>
        page.GetProperty("reporting")[0].GetProperty("connections").EnumerateArray()
            .Select(c => $"{c.GetProperty("timestamp").GetString()!.Replace('T', ' ').TrimEnd('Z')} {c.GetProperty("user_name").GetString() ?? $"#{c.GetProperty("user_id").GetInt64()}"}")
            .ToList();
}
