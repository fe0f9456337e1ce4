using System.Globalization;

namespace Tally.Dashboard.Tests;

/// <summary>The period switch: every dated chart, tile and the merged table read the API's weeks or months.</summary>
[Collection(DashboardCollection.Name)]
public sealed class PeriodTests(DashboardServer server)
{
    [Fact]
    public async Task Weeks_and_months_redraw_every_chart_and_tile_with_the_apis_periods_and_stay_in_the_url()
    {
        await using var dashboard = await server.OpenAsync();
        var days = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-90-days");
        days.Granularity.ShouldBe("day");

        await dashboard.Page.Locator("#granularity").SelectOptionAsync("week");
        var weeks = await dashboard.WaitForViewAsync(days);
        weeks.ShouldBe(days with { Granularity = "week" });
        new Uri(dashboard.Page.Url).Fragment.ShouldBe("#company=2&range=last-90-days&granularity=week");
        await ViewTests.ChartsShowAsync(server.Api, dashboard, weeks);
        await TilesShowAsync(dashboard, weeks);

        // The range ends on the company's today: the week that holds it is the partial period.
        var apiWeeks = await server.Api.DaysAsync("chat-sessions", weeks);
        apiWeeks.Count.ShouldBeInRange(13, 15);
        (await dashboard.ChartAsync("chart-activity")).GetProperty("partial").GetString().ShouldBe(apiWeeks[^1].GetProperty("date").GetString());
        (await dashboard.Page.Locator("#chart-activity-title").InnerTextAsync()).ShouldBe("Sessions, questions and answers per week");

        // The x axis shows each week's start; the tooltip names its end too.
        var chart = dashboard.Page.Locator("#chart-activity");
        var box = (await chart.BoundingBoxAsync())!;
        await dashboard.Page.Mouse.MoveAsync(box.X + (box.Width / 2), box.Y + (box.Height / 2));
        await dashboard.Page.WaitForFunctionAsync("() => / to \\d{4}-\\d{2}-\\d{2}[\\s\\S]*Sessions/.test(document.getElementById('chart-activity').innerText)");
        var tooltip = await chart.InnerTextAsync();
        apiWeeks.ShouldContain(w => tooltip.Contains($"{w.GetProperty("date").GetString()} to {w.GetProperty("end_date").GetString()}", StringComparison.Ordinal));

        var (fileName, csv) = await dashboard.ExportAsync("daily");
        fileName.ShouldBe($"tally-2-weekly-{weeks.From}-to-{weeks.To}.csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("company_id,company_name,date,end_date,chat_sessions_count,");
        lines.Skip(1).Select(line => string.Join(',', line.Split(',')[2..5]))
            .ShouldBe(apiWeeks.Select(w => $"{w.GetProperty("date").GetString()},{w.GetProperty("end_date").GetString()},{w.GetProperty("sessions").GetProperty("sessions_count").GetInt64()}"));

        await dashboard.Page.Locator("#granularity").SelectOptionAsync("month");
        var months = await dashboard.WaitForViewAsync(weeks);
        months.ShouldBe(days with { Granularity = "month" });
        await ViewTests.ChartsShowAsync(server.Api, dashboard, months);
        await TilesShowAsync(dashboard, months);

        // A shared link reopens the same periods.
        await using var shared = await server.OpenAsync();
        (await shared.SignInAsync(DashboardServer.AdminKey, new Uri(dashboard.Page.Url).Fragment)).ShouldBe(months);
        (await shared.Page.Locator("#granularity").InputValueAsync()).ShouldBe("month");
        dashboard.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_custom_range_keeps_its_weeks_clipped_to_the_range()
    {
        await using var dashboard = await server.OpenAsync();
        var recent = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-7-days");
        // A Wednesday to a Tuesday three weeks later: the first and the last week are clipped.
        var to = DateOnly.ParseExact(recent.To, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(-10);
        while (to.DayOfWeek != DayOfWeek.Tuesday)
        {
            to = to.AddDays(-1);
        }

        var from = to.AddDays(-20);
        await dashboard.GotoAsync($"#company=1&from={View.Day(from)}&to={View.Day(to)}&granularity=week");
        var view = await dashboard.WaitForViewAsync(recent);
        view.ShouldBe(new View(1, View.Day(from), View.Day(to), "week"));
        await ViewTests.ChartsShowAsync(server.Api, dashboard, view);
        var chart = await dashboard.ChartAsync("chart-tools");
        (chart.GetProperty("periods").GetInt32(), chart.GetProperty("partial").ValueKind).ShouldBe((4, System.Text.Json.JsonValueKind.Null));
    }

    private async Task TilesShowAsync(DashboardPage dashboard, View view)
    {
        var expected = await server.Api.TilesAsync(view);
        (await dashboard.TileAsync("active-users")).Value.ShouldBe(expected.ActiveUsers);
        (await dashboard.TileAsync("sessions")).Value.ShouldBe(expected.Sessions);
        (await dashboard.TileAsync("questions")).Value.ShouldBe(expected.Questions);
        (await dashboard.TileAsync("tool-calls")).Value.ShouldBe(expected.ToolCalls);
        var satisfaction = await dashboard.TileAsync("satisfaction");
        (satisfaction.Part, satisfaction.Whole).ShouldBe((expected.Likes, expected.Likes + expected.Dislikes));
    }
}
