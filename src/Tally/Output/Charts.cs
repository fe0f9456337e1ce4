using System.Globalization;
using ScottPlot;
using Tally.Client.Reports;

namespace Tally.Cli.Output;

/// <summary>A chart ready to render: its file name (without extension), title and plot.</summary>
internal sealed record Chart(string Name, string Title, Plot Plot)
{
    public byte[] Png(int width, int height) => Plot.GetImageBytes(width, height, ImageFormat.Png);

    public string Svg(int width, int height) => Plot.GetSvgXml(width, height);
}

/// <summary>
/// The charts an administrator looks at first, for one company, drawn with ScottPlot from the same reports the
/// tables come from: sessions and questions, grounding, active users, feedback, tools over time, top documents.
/// A chart whose report the server lacks is left out.
/// </summary>
internal static class Charts
{
    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    public static List<Chart> For(UsageReports reports, long companyId, Granularity? granularity)
    {
        var charts = new List<Chart>();
        var per = PerPeriod(granularity);
        var scope = ScopeOf(reports, companyId);
        if (reports.ChatSessions is { } sessions && Days(sessions.Reporting, companyId) is { } chatDays)
        {
            var agentDays = Days(sessions.ReportingAgent ?? [], companyId) ?? [];
            var agentByDate = agentDays.ToDictionary(day => day.Date);
            var dates = chatDays.Select(day => new Period(day.Date, day.EndDate)).ToList();
            charts.Add(Lines("sessions-and-queries", $"Sessions and questions {per}", "count", dates,
                ("chat sessions", chatDays.Select(day => (double)(day.Sessions?.SessionsCount ?? 0))),
                ("agent threads", chatDays.Select(day => (double)(agentByDate.GetValueOrDefault(day.Date)?.Threads?.ThreadsCount ?? 0))),
                ("questions", chatDays.Select(day => (double)((day.Chats?.UserQueriesCount ?? 0) + (agentByDate.GetValueOrDefault(day.Date)?.Chats?.UserQueriesCount ?? 0))))));

            var grounded = chatDays.Select(day => (double)((day.Chats?.ModelResponsesWithDocsCount ?? 0) + (agentByDate.GetValueOrDefault(day.Date)?.Chats?.ModelResponsesWithDocsCount ?? 0))).ToList();
            var answers = chatDays.Select(day => (double)((day.Chats?.ModelResponsesCount ?? 0) + (agentByDate.GetValueOrDefault(day.Date)?.Chats?.ModelResponsesCount ?? 0))).ToList();
            charts.Add(Stacked("answers-with-documents", "Answers with and without documents", "answers", dates,
                ("with documents", grounded),
                ("without documents", answers.Zip(grounded, (all, with) => all - with).ToList())));
        }

        if (reports.UserActivities?.Reporting.FirstOrDefault(entry => entry.Company.Id == companyId) is { } activity)
        {
            var dates = activity.Dates.Select(day => new Period(day.Date, day.EndDate)).ToList();
            charts.Add(Lines("active-users", "Active users: daily, weekly, monthly", "users", dates,
                ("DAU", activity.Dates.Select(day => (double)(day.ActiveUsersCount ?? 0))),
                ("WAU", activity.Dates.Select(day => (double)(day.WeeklyActiveUsersCount ?? 0))),
                ("MAU", activity.Dates.Select(day => (double)(day.MonthlyActiveUsersCount ?? 0)))));
        }

        if (reports.ChatsFeedback is { } feedback && Days(feedback.Reporting, companyId) is { } feedbackDays)
        {
            var dates = feedbackDays.Select(day => new Period(day.Date, day.EndDate)).ToList();
            var likes = feedbackDays.Select(day => (double)(day.Feedbacks?.LikesCount ?? 0)).ToList();
            var dislikes = feedbackDays.Select(day => (double)(day.Feedbacks?.DislikesCount ?? 0)).ToList();
            var chart = Stacked("feedback", "Likes, dislikes and satisfaction", "ratings", dates, ("likes", likes), ("dislikes", dislikes));
            var rated = dates.Select((period, i) => (Period: period, Likes: likes[i], Total: likes[i] + dislikes[i])).Where(day => day.Total > 0).ToList();
            if (rated.Count > 0)
            {
                var rate = chart.Plot.Add.Scatter(rated.Select(day => day.Period.Middle).ToArray(), rated.Select(day => 100 * day.Likes / day.Total).ToArray());
                rate.LegendText = "satisfaction (%)";
                rate.Color = Palette.GetColor(3);
                rate.LineWidth = 2;
                rate.Axes.YAxis = chart.Plot.Axes.Right;
                chart.Plot.Axes.Right.Label.Text = "satisfaction (%)";
                chart.Plot.Axes.SetLimitsY(0, 100, chart.Plot.Axes.Right);
            }

            charts.Add(chart);
        }

        if (reports.Tools is { } tools && Days(tools.Reporting, companyId) is { } toolDays)
        {
            var dates = toolDays.Select(day => new Period(day.Date, day.EndDate)).ToList();
            var names = toolDays.SelectMany(day => day.Tools ?? []).GroupBy(tool => tool.ToolName)
                .OrderByDescending(group => group.Sum(tool => tool.UsageCount ?? 0)).ThenBy(group => group.Key, StringComparer.Ordinal)
                .Select(group => group.Key).ToList();
            charts.Add(Stacked("tools", $"Tool calls {per}, by tool", "calls", dates,
                [.. names.Select(name => (name, (IReadOnlyList<double>)toolDays.Select(day => (double)(day.Tools ?? []).Where(tool => tool.ToolName == name).Sum(tool => tool.UsageCount ?? 0)).ToList()))]));
        }

        if (reports.UsedDocuments is { } documents && Days(documents.Reporting, companyId) is { } documentDays)
        {
            var top = RangeTotals.Documents(documentDays).Take(10).Reverse().ToList();
            charts.Add(TopDocuments(top));
        }

        charts.AddRange(AnalyticsCharts.For(reports, companyId, per));

        // A chart copied into a mail or a slide still says whose numbers and which days it shows.
        foreach (var chart in charts)
        {
            chart.Plot.Title($"{chart.Title}\n{scope}");
        }

        return [.. charts.Select(chart => chart with { Title = $"{chart.Title}, {scope}" })];
    }

    /// <summary>"per day", "per week", "per month", or "over the range" for one period.</summary>
    private static string PerPeriod(Granularity? granularity) => granularity switch
    {
        Granularity.Week => "per week",
        Granularity.Month => "per month",
        Granularity.Total => "over the range",
        _ => "per day",
    };

    /// <summary>"Acme Analytics (company 2), 2026-11-01 to 2026-11-30": the company and the days its reports cover.</summary>
    private static string ScopeOf(UsageReports reports, long companyId)
    {
        var name = reports.Companies().FirstOrDefault(company => company.Id == companyId)?.Name ?? "Company";
        // A period's first and last days (the last is its end_date by week, month or total).
        var dates = (Days(reports.ChatSessions?.Reporting ?? [], companyId)?.SelectMany(day => new[] { day.Date, day.EndDate ?? day.Date }) ?? [])
            .Concat(reports.UserActivities?.Reporting.FirstOrDefault(entry => entry.Company.Id == companyId)?.Dates.SelectMany(day => new[] { day.Date, day.EndDate ?? day.Date }) ?? [])
            .Concat(Days(reports.ChatsFeedback?.Reporting ?? [], companyId)?.SelectMany(day => new[] { day.Date, day.EndDate ?? day.Date }) ?? [])
            .Concat(Days(reports.Tools?.Reporting ?? [], companyId)?.SelectMany(day => new[] { day.Date, day.EndDate ?? day.Date }) ?? [])
            .ToList();
        var range = dates.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", {dates.Min():yyyy-MM-dd} to {dates.Max():yyyy-MM-dd}");
        return $"{name} (company {companyId}){range}";
    }

    internal static IReadOnlyList<TDay>? Days<TDay>(IReadOnlyList<CompanyDays<TDay>> entries, long companyId) =>
        entries.FirstOrDefault(entry => entry.Company.Id == companyId)?.Dates;

    /// <summary>A day, or a week or month cut to the range: <see cref="Middle"/> is where its point or bar goes.</summary>
    internal readonly record struct Period(DateOnly First, DateOnly? EndDate)
    {
        public DateOnly Last => EndDate ?? First;

        public int Days => Last.DayNumber - First.DayNumber + 1;

        public double Middle => First.ToDateTime(TimeOnly.MinValue).ToOADate() + ((Days - 1) / 2.0);
    }

    private static Chart Lines(string name, string title, string unit, List<Period> dates, params (string Label, IEnumerable<double> Values)[] series)
    {
        var plot = NewPlot(title, unit);
        var xs = dates.Select(period => period.Middle).ToArray();
        for (var i = 0; i < series.Length; i++)
        {
            var line = plot.Add.Scatter(xs, series[i].Values.ToArray());
            line.LegendText = series[i].Label;
            line.Color = Palette.GetColor(i);
            line.LineWidth = 2;
            line.MarkerSize = dates.Count > 60 ? 0 : 4;
        }

        DaysAndCounts(plot);
        return new Chart(name, title, plot);
    }

    internal static Chart Stacked(string name, string title, string unit, List<Period> dates, params (string Label, IReadOnlyList<double> Values)[] series)
    {
        var plot = NewPlot(title, unit);
        var bars = new List<Bar>();
        var bottoms = new double[dates.Count];
        for (var i = 0; i < series.Length; i++)
        {
            var color = Palette.GetColor(i % Palette.Colors.Length);
            for (var day = 0; day < dates.Count; day++)
            {
                var value = series[i].Values[day];
                // A bar spans 80 % of its period: a day, a week, a month (or the part of it inside the range).
                bars.Add(new Bar { Position = dates[day].Middle, ValueBase = bottoms[day], Value = bottoms[day] + value, FillColor = color, LineWidth = 0, Size = 0.8 * dates[day].Days });
                bottoms[day] += value;
            }

            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[i].Label, FillColor = color });
        }

        plot.Add.Bars(bars);
        DaysAndCounts(plot);
        plot.Axes.Margins(bottom: 0);
        return new Chart(name, title, plot);
    }

    private static Chart TopDocuments(List<DocumentTotal> documents) =>
        HorizontalBars("top-documents", "Top documents over the range", "answers that used the document",
            [.. documents.Select(document => (document.Name, (double)document.Uses))]);

    /// <summary>One horizontal bar per item, the first at the bottom, names cut to 40 characters, values from zero.</summary>
    internal static Chart HorizontalBars(string name, string title, string valueLabel, IReadOnlyList<(string Label, double Value)> items, double? maximum = null)
    {
        var plot = NewPlot(title, "");
        var bars = items.Select((item, i) => new Bar { Position = i, Value = item.Value, FillColor = Palette.GetColor(0), LineWidth = 0 }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. items.Select((_, i) => (double)i)],
            [.. items.Select(item => item.Label.Length > 40 ? item.Label[..39] + "…" : item.Label)]);
        plot.XLabel(valueLabel);
        plot.Axes.Rules.Add(new ScottPlot.AxisRules.LockedLeft(plot.Axes.Bottom, 0));
        if (maximum is { } right)
        {
            plot.Axes.Rules.Add(new ScottPlot.AxisRules.LockedRight(plot.Axes.Bottom, right));
        }

        plot.HideLegend();
        return new Chart(name, title, plot);
    }

    /// <summary>
    /// Days on the bottom axis as yyyy-MM-dd, whatever the culture or the zoom; counts (and shares of counts) on
    /// the left axis from zero, never below, however small the values.
    /// </summary>
    private static void DaysAndCounts(Plot plot)
    {
        plot.Axes.Rules.Add(new ScottPlot.AxisRules.LockedBottom(plot.Axes.Left, 0));
        plot.Axes.DateTimeTicksBottom();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.DateTimeAutomatic
        {
            LabelFormatter = date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }

    private static Plot NewPlot(string title, string unit)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.YLabel(unit);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
