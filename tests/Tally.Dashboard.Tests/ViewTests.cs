using System.Globalization;
using System.Text.Json;

namespace Tally.Dashboard.Tests;

/// <summary>The tiles and charts say what the API says, for the company and range the page shows.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ViewTests(DashboardServer server)
{
    [Fact]
    public async Task The_tiles_equal_the_api_for_the_range_shown_and_compare_with_the_previous_period()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-30-days");
        view.Days.ShouldBe(30);

        var expected = await server.Api.TilesAsync(view);
        expected.Questions.ShouldBeGreaterThan(0, "the demo has questions in the last 30 days");
        (await dashboard.TileAsync("active-users")).Value.ShouldBe(expected.ActiveUsers);
        (await dashboard.TileAsync("sessions")).Value.ShouldBe(expected.Sessions);
        (await dashboard.TileAsync("questions")).Value.ShouldBe(expected.Questions);
        (await dashboard.TileAsync("tool-calls")).Value.ShouldBe(expected.ToolCalls);
        var questions = await dashboard.TileAsync("questions");
        questions.Text.ShouldBe(expected.Questions.ToString("N0", CultureInfo.GetCultureInfo("en-US")));

        var grounded = await dashboard.TileAsync("grounded");
        (grounded.Part, grounded.Whole).ShouldBe((expected.GroundedAnswers, expected.Answers));
        grounded.Text.ShouldBe((100.0 * expected.GroundedAnswers / expected.Answers).ToString("0.0", CultureInfo.InvariantCulture) + " %");
        var satisfaction = await dashboard.TileAsync("satisfaction");
        (satisfaction.Part, satisfaction.Whole).ShouldBe((expected.Likes, expected.Likes + expected.Dislikes));

        var previous = await server.Api.TilesAsync(view.Previous);
        var sessions = await dashboard.TileAsync("sessions");
        var change = 100.0 * (expected.Sessions - previous.Sessions) / previous.Sessions;
        sessions.Change.ShouldBe(Math.Abs(change) < 0.05 ? "No change vs previous 30 days"
            : $"{(change > 0 ? "▲ up" : "▼ down")} {Math.Abs(change).ToString("0.0", CultureInfo.InvariantCulture)} % vs previous 30 days");
        (await dashboard.Page.Locator("#range-label").InnerTextAsync()).ShouldContain($"compared with {view.Previous.From} to {view.Previous.To}");
    }

    [Fact]
    public async Task Changing_the_range_and_then_the_company_redraws_every_chart_with_the_apis_numbers()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=1&range=last-90-days");
        view.Days.ShouldBe(90);
        await ChartsShowAsync(server.Api, dashboard, view);

        await dashboard.Page.Locator("#range-preset").SelectOptionAsync("last-7-days");
        var week = await dashboard.WaitForViewAsync(view);
        (week.CompanyId, week.Days, week.To).ShouldBe((1, 7, view.To));
        dashboard.Page.Url.ShouldContain("range=last-7-days");
        await ChartsShowAsync(server.Api, dashboard, week);

        await dashboard.Page.Locator("#company-picker").SelectOptionAsync("3");
        var other = await dashboard.WaitForViewAsync(week);
        (other.CompanyId, other.Days).ShouldBe((3, 7));
        await ChartsShowAsync(server.Api, dashboard, other);
        dashboard.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_custom_range_goes_into_the_url_and_the_url_reopens_the_same_view()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-30-days");
        var from = DateOnly.ParseExact(view.To, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(-20);
        var to = from.AddDays(9);
        await dashboard.Page.Locator("#range-from").FillAsync(View.Day(from));
        await dashboard.Page.Locator("#range-to").FillAsync(View.Day(to));
        await dashboard.Page.Locator("#range-apply").ClickAsync();
        var custom = await dashboard.WaitForViewAsync(view);
        custom.ShouldBe(new View(2, View.Day(from), View.Day(to)));
        (await dashboard.Page.Locator("#range-preset").InputValueAsync()).ShouldBe("custom");
        var url = new Uri(dashboard.Page.Url);
        url.Fragment.ShouldBe($"#company=2&from={custom.From}&to={custom.To}");
        url.Query.ShouldBeEmpty();

        await using var shared = await server.OpenAsync();
        (await shared.SignInAsync(DashboardServer.AdminKey, url.Fragment)).ShouldBe(custom);
        (await shared.TileAsync("sessions")).Value.ShouldBe((await server.Api.TilesAsync(custom)).Sessions);
    }

    [Fact]
    public async Task Hovering_a_chart_shows_the_days_values_and_the_legend_hides_a_series_from_the_keyboard()
    {
        await using var dashboard = await server.OpenAsync();
        var view = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-7-days");
        var chart = dashboard.Page.Locator("#chart-activity");
        var box = (await chart.BoundingBoxAsync())!;
        await dashboard.Page.Mouse.MoveAsync(box.X + (box.Width / 2), box.Y + (box.Height / 2));

        // The axis tooltip names the day and every series with its value.
        var day = (await server.Api.SessionDaysAsync(view)).Chat.Select(d => d.GetProperty("date").GetString()!).ToList();
        await dashboard.Page.WaitForFunctionAsync("() => /Sessions[\\s\\S]*Questions[\\s\\S]*Answers/.test(document.getElementById('chart-activity').innerText)");
        var tooltip = await chart.InnerTextAsync();
        day.ShouldContain(d => tooltip.Contains(d, StringComparison.Ordinal));

        var answers = dashboard.Page.Locator("#chart-activity-legend [data-series='Answers']");
        await answers.FocusAsync();
        await dashboard.Page.Keyboard.PressAsync("Enter");
        (await answers.GetAttributeAsync("aria-pressed")).ShouldBe("false");
        (await chart.GetAttributeAsync("data-hidden")).ShouldBe("[\"Answers\"]");
        await dashboard.Page.Keyboard.PressAsync("Space");
        (await answers.GetAttributeAsync("aria-pressed")).ShouldBe("true");
        (await chart.GetAttributeAsync("data-hidden")).ShouldBe("[]");
    }

    [Fact]
    public async Task Today_s_partial_day_is_marked_on_every_chart_and_a_past_range_has_no_mark()
    {
        await using var dashboard = await server.OpenAsync();
        // A preset ending today: its last day, the company's today, is still being counted.
        var week = await dashboard.SignInAsync(DashboardServer.AdminKey, "#company=2&range=last-7-days");
        foreach (var id in DashboardPage.ChartIds)
        {
            (await dashboard.ChartAsync(id)).GetProperty("partial").GetString().ShouldBe(week.To, id);
        }

        (await dashboard.Page.Locator("#range-label").InnerTextAsync()).ShouldContain("today is not over yet");
        await dashboard.ScreenshotAsync("partial-day.png");

        await dashboard.GotoAsync("#company=2&range=previous-month");
        await dashboard.WaitForViewAsync(week);
        foreach (var id in DashboardPage.ChartIds)
        {
            (await dashboard.ChartAsync(id)).GetProperty("partial").ValueKind.ShouldBe(JsonValueKind.Null, id);
        }

        (await dashboard.Page.Locator("#range-label").InnerTextAsync()).ShouldNotContain("today");
    }

    /// <summary>Every chart covers exactly the view's periods, and its series add up to the API's totals.</summary>
    internal static async Task ChartsShowAsync(ReportApi api, DashboardPage dashboard, View view)
    {
        var (chat, agent) = await api.SessionDaysAsync(view);
        foreach (var id in DashboardPage.ChartIds)
        {
            var chart = await dashboard.ChartAsync(id);
            (chart.GetProperty("from").GetString(), chart.GetProperty("to").GetString(), chart.GetProperty("periods").GetInt32(), chart.GetProperty("unit").GetString())
                .ShouldBe((view.From, view.To, chat.Count, view.Granularity), id);
        }

        var feedback = await api.DaysAsync("chats-feedback", view);
        var tools = await api.DaysAsync("tools", view);
        var activities = await api.DaysAsync("user-activities", view);
        static double Sum(IEnumerable<JsonElement> days, params string[] path) => ReportApi.Sum(days, path);
        static double Total(JsonElement chart, string series) => chart.GetProperty("totals").GetProperty(series).GetDouble();

        var activity = await dashboard.ChartAsync("chart-activity");
        Total(activity, "Sessions").ShouldBe(Sum(chat, "sessions", "sessions_count") + Sum(agent, "threads", "threads_count"));
        Total(activity, "Questions").ShouldBe(Sum(chat, "chats", "user_queries_count") + Sum(agent, "chats", "user_queries_count"));
        Total(activity, "Answers").ShouldBe(Sum(chat, "chats", "model_responses_count") + Sum(agent, "chats", "model_responses_count"));

        var modes = await dashboard.ChartAsync("chart-modes");
        Total(modes, "Chat questions").ShouldBe(Sum(chat, "chats", "user_queries_count"));
        Total(modes, "Agent questions").ShouldBe(Sum(agent, "chats", "user_queries_count"));
        Total(modes, "Chat sessions").ShouldBe(Sum(chat, "sessions", "sessions_count"));
        Total(modes, "Agent threads").ShouldBe(Sum(agent, "threads", "threads_count"));

        var users = await dashboard.ChartAsync("chart-active-users");
        Total(users, view.Granularity == "day" ? "DAU" : $"Active in the {view.Granularity}").ShouldBe(Sum(activities, "active_users_count"));
        Total(users, "WAU").ShouldBe(Sum(activities, "weekly_active_users_count"));
        Total(users, "MAU").ShouldBe(Sum(activities, "monthly_active_users_count"));

        var ratings = await dashboard.ChartAsync("chart-feedback");
        Total(ratings, "Likes").ShouldBe(Sum(feedback, "feedbacks", "likes_count"));
        Total(ratings, "Dislikes").ShouldBe(Sum(feedback, "feedbacks", "dislikes_count"));

        var toolChart = await dashboard.ChartAsync("chart-tools");
        toolChart.GetProperty("totals").EnumerateObject().Sum(series => series.Value.GetDouble()).ShouldBe(Sum(tools, "tool_calls_count"));
        var toolNames = tools.SelectMany(d => d.GetProperty("tools").EnumerateArray())
            .Select(t => $"{t.GetProperty("tool_name").GetString()} ({t.GetProperty("tool_type").GetString()})").ToHashSet();
        toolChart.GetProperty("totals").EnumerateObject().Select(series => series.Name).ToHashSet().SetEquals(toolNames).ShouldBeTrue();

        var grounding = await dashboard.ChartAsync("chart-grounding");
        grounding.GetProperty("totals").TryGetProperty("Grounding rate", out _).ShouldBeTrue();

        // A model's cost over the periods: null where it has no price, so null over the range when it never has one.
        var models = await api.DaysAsync("models", view);
        var costChart = (await dashboard.ChartAsync("chart-cost")).GetProperty("totals");
        var modelNames = models.SelectMany(d => d.GetProperty("models").EnumerateArray()).Select(m => m.GetProperty("model").GetString()!).ToHashSet();
        costChart.EnumerateObject().Select(series => series.Name).ToHashSet().SetEquals(modelNames).ShouldBeTrue();
        foreach (var series in costChart.EnumerateObject())
        {
            var costs = models.Select(d => d.GetProperty("models").EnumerateArray().Where(m => m.GetProperty("model").GetString() == series.Name)
                .Select(m => m.GetProperty("cost")).FirstOrDefault()).Where(c => c.ValueKind != JsonValueKind.Undefined).ToList();
            if (costs.All(c => c.ValueKind == JsonValueKind.Null))
            {
                series.Value.ValueKind.ShouldBe(JsonValueKind.Null, series.Name);
            }
            else
            {
                series.Value.GetDouble().ShouldBe(costs.Where(c => c.ValueKind == JsonValueKind.Number).Sum(c => c.GetDouble()), 1e-6, series.Name);
            }
        }
    }
}
