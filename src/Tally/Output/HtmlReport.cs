using System.Globalization;
using System.Net;
using System.Text;
using Tally.Client.Reports;
using Tally.Client.Tables;

namespace Tally.Cli.Output;

/// <summary>
/// One self-contained HTML file per range: a summary, the charts (SVG as data URIs) and the tables, with inline
/// styles and no script or external reference, so it opens offline and survives being mailed.
/// </summary>
internal static class HtmlReport
{
    private const int ChartWidth = 900;
    private const int ChartHeight = 360;

    /// <summary>
    /// The report of <paramref name="reports"/> (merged into <paramref name="merged"/>), with <paramref name="monthly"/>,
    /// the same range by month, as its monthly view, and <paramref name="wholeRange"/>, the models report of the range
    /// as one period (null on a server without it), for the cost tile.
    /// </summary>
    public static string Render(UsageReports reports, Table merged, Table monthly, ReportRequest request, DateTime generatedAt, ModelsReport? wholeRange)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
            <title>Tally usage report</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;margin:2rem auto;max-width:1100px;padding:0 1rem;line-height:1.4}
            h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}h3{margin-top:1.8rem}
            .meta{color:#57606a}.tiles{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
            .tile{border:1px solid #d0d7de;border-radius:8px;padding:.6rem .9rem;min-width:9rem}.tile b{display:block;font-size:1.4rem}
            .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
            th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;white-space:nowrap}th{background:#f6f8fa}td.n{text-align:right}
            .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:.6rem;margin:.8rem 0}
            img{max-width:100%;height:auto;display:block}
            details{margin:.4rem 0}summary{cursor:pointer;font-weight:600;padding:.2rem 0}summary span{font-weight:normal;color:#57606a}
            </style></head><body>
            <h1>Tally usage report</h1>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">From {request.StartDate:yyyy-MM-dd} to {(request.EndDate is { } end ? end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "today")}, generated {generatedAt:yyyy-MM-dd HH:mm} UTC.</p>\n");

        var companyColumn = merged.IndexOf("company_id");
        foreach (var company in merged.Rows.Select(row => (long)row[companyColumn]!).Distinct())
        {
            var rows = merged.Rows.Where(row => (long)row[companyColumn]! == company).ToList();
            var name = rows[0][merged.IndexOf("company_name")] as string ?? $"Company {company}";
            html.Append(CultureInfo.InvariantCulture, $"<section id=\"company-{company}\"><h2>{Encode(name)} <span class=\"meta\">(company {company})</span></h2>\n");
            AppendSummary(html, merged, rows, reports.Users?.Reporting.FirstOrDefault(entry => entry.Company.Id == company), CostTile(wholeRange, company));
            // Two charts a row and every table folded (its row count in the summary): three companies fit in a few
            // screens instead of tens of thousands of pixels, and a reader opens the table they need.
            html.Append("<div class=\"charts\">\n");
            foreach (var chart in Charts.For(reports, company, request.Granularity))
            {
                var svg = Convert.ToBase64String(Encoding.UTF8.GetBytes(chart.Svg(ChartWidth, ChartHeight)));
                html.Append(CultureInfo.InvariantCulture, $"<img alt=\"{Encode(chart.Title)}\" src=\"data:image/svg+xml;base64,{svg}\" width=\"{ChartWidth}\" height=\"{ChartHeight}\">\n");
            }

            html.Append("</div>\n");

            AppendTopDocuments(html, reports.UsedDocuments, company);
            AppendTools(html, reports.Tools, company);
            if (reports.UserActivities is { } activities)
            {
                var users = ReportTables.ActiveUsers(activities with { Reporting = [.. activities.Reporting.Where(entry => entry.Company.Id == company)] });
                AppendTable(html, "Users", "users", users, users.Rows, skipColumns: 2);
            }

            AppendTable(html, PeriodTitle(request.Granularity), "daily", merged, rows, skipColumns: 2);
            if (request.Granularity is not Granularity.Month)
            {
                var monthColumn = monthly.IndexOf("company_id");
                AppendTable(html, "Every month", "monthly", monthly, monthly.Rows.Where(row => (long)row[monthColumn]! == company), skipColumns: 2);
            }

            html.Append("</section>\n");
        }

        if (merged.Rows.Count == 0)
        {
            html.Append("<p>No company has data in this range.</p>\n");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string PeriodTitle(Granularity? granularity) => granularity switch
    {
        Granularity.Week => "Every week",
        Granularity.Month => "Every month",
        Granularity.Total => "The whole range",
        _ => "Every day",
    };

    /// <summary>
    /// The company's cost over the range, as the dashboard's tile says it: the amount in the prices' currency (every
    /// decimal the API gives), or why there is none. Null on a server without the models report.
    /// </summary>
    private static (string Label, string Value)? CostTile(ModelsReport? wholeRange, long company)
    {
        if (wholeRange is null)
        {
            return null;
        }

        var period = wholeRange.Reporting.FirstOrDefault(entry => entry.Company.Id == company)?.Dates is { Count: > 0 } dates ? dates[0] : null;
        var unpriced = (period?.Models ?? []).Where(model => model.Cost is null).Select(model => model.Model).ToList();
        return wholeRange.Currency is not { } currency ? ("Cost: no model has a price yet", "No price")
            : unpriced.Count > 0 ? ($"Cost: no price for {string.Join(", ", unpriced)}", "No price")
            : ($"Cost ({currency})", (period?.Cost ?? 0m).ToString("#,##0.######", CultureInfo.InvariantCulture));
    }

    private static void AppendSummary(StringBuilder html, Table merged, List<object?[]> rows, CompanyMembers? members, (string Label, string Value)? cost)
    {
        long Total(string column) => merged.IndexOf(column) is var index and >= 0 ? rows.Sum(row => row[index] as long? ?? 0) : 0;
        var queries = Total("user_queries_count") + Total("agent_user_queries_count");
        var answers = Total("model_responses_count") + Total("agent_model_responses_count");
        var grounded = Total("model_responses_with_docs_count") + Total("agent_model_responses_with_docs_count");
        var likes = Total("likes_count");
        var dislikes = Total("dislikes_count");
        var toolCalls = Total("tool_calls_count");
        var tiles = new List<(string Label, string Value)>
        {
            ("Sessions", Number(Total("sessions_count") + Total("agent_threads_count"))),
            ("Questions", Number(queries)),
            ("Answers with documents", HtmlColumns.Percent(MergedTable.Ratio(grounded, answers))),
            ("Satisfaction", HtmlColumns.Percent(MergedTable.Ratio(likes, likes + dislikes))),
            ("Tool calls", Number(toolCalls)),
            ("Tool error rate", HtmlColumns.Percent(MergedTable.Ratio(Total("tool_errors_count"), toolCalls))),
        };
        if (members is not null)
        {
            tiles.Add(("Current members", Number(members.CurrentActiveMembers ?? 0)));
        }

        if (cost is { } tile)
        {
            tiles.Add(tile);
        }

        html.Append("<div class=\"tiles\">");
        foreach (var (label, value) in tiles)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"tile\"><b>{Encode(value)}</b>{Encode(label)}</div>");
        }

        html.Append("</div>\n");
    }

    private static void AppendTopDocuments(StringBuilder html, DocumentsReport? report, long company)
    {
        if (report?.Reporting.FirstOrDefault(entry => entry.Company.Id == company) is not { } entry)
        {
            return;
        }

        var table = new Table("top-documents", [new("document_id", ColumnType.WholeNumber), new("document", ColumnType.Text), new("answers_using_it", ColumnType.WholeNumber)]);
        foreach (var document in RangeTotals.Documents(entry.Dates).Take(20))
        {
            table.Add(document.Id, document.Name, document.Uses);
        }

        AppendTable(html, "Top documents", "top-documents", table, table.Rows, skipColumns: 0);
    }

    private static void AppendTools(StringBuilder html, ToolsReport? report, long company)
    {
        if (report?.Reporting.FirstOrDefault(entry => entry.Company.Id == company) is not { } entry)
        {
            return;
        }

        var table = new Table("tools", [new("tool_name", ColumnType.Text), new("tool_type", ColumnType.Text), new("calls", ColumnType.WholeNumber),
            new("errors", ColumnType.WholeNumber), new("error_rate", ColumnType.DecimalNumber)]);
        foreach (var tool in entry.Dates.SelectMany(day => day.Tools ?? []).GroupBy(tool => (tool.ToolName, tool.ToolType))
            .Select(group => (group.Key.ToolName, group.Key.ToolType, Calls: group.Sum(tool => tool.UsageCount ?? 0), Errors: group.Sum(tool => tool.ErrorsCount ?? 0)))
            .OrderByDescending(tool => tool.Calls).ThenBy(tool => tool.ToolName, StringComparer.Ordinal))
        {
            table.Add(tool.ToolName, tool.ToolType, tool.Calls, tool.Errors, MergedTable.Ratio(tool.Errors, tool.Calls));
        }

        AppendTable(html, "Tools", "tools", table, table.Rows, skipColumns: 0);
    }

    private static void AppendTable(StringBuilder html, string title, string id, Table table, IEnumerable<object?[]> rows, int skipColumns)
    {
        var shown = rows.ToList();
        html.Append(CultureInfo.InvariantCulture, $"<details><summary>{Encode(title)} <span>({shown.Count:N0} row{(shown.Count == 1 ? "" : "s")})</span></summary>\n");
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table data-table=\"{id}\"><thead><tr>");
        foreach (var column in table.Columns.Skip(skipColumns))
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{Encode(HtmlColumns.Header(column.Name))}</th>");
        }

        html.Append("</tr></thead><tbody>\n");
        foreach (var row in shown)
        {
            html.Append("<tr>");
            for (var i = skipColumns; i < row.Length; i++)
            {
                var numeric = table.Columns[i].Type is ColumnType.WholeNumber or ColumnType.DecimalNumber;
                html.Append(numeric ? "<td class=\"n\">" : "<td>").Append(Encode(HtmlColumns.Cell(table.Columns[i].Name, row[i]))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></div></details>\n");
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
