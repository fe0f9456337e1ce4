namespace Tally.Reports;

/// <summary>The CSV of the satisfaction report: per period, its totals, then its models, tools and documents, each row filling its own dimension's cells.</summary>
public static partial class ReportCsv
{
    public static string Satisfaction(SatisfactionReport report, Granularity granularity)
    {
        string[] dated = granularity == Granularity.Day ? ["date"] : ["date", "end_date"];
        var csv = new Writer(["company_id", "company_name", .. dated, "dimension", "model", "tool_name", "tool_type", "document_id", "document_filename",
            "document_title", "likes_count", "dislikes_count", "satisfaction_rate"]);
        foreach (var company in report.Reporting)
        {
            foreach (var p in company.Dates)
            {
                object?[] Row(string dimension, string? model, string? toolName, string? toolType, long? documentId, string? filename, string? title,
                    long likes, long dislikes, decimal? rate) =>
                    granularity == Granularity.Day
                        ? [company.Company.Id, company.Company.Name, p.Date, dimension, model, toolName, toolType, documentId, filename, title, likes, dislikes, rate]
                        : [company.Company.Id, company.Company.Name, p.Date, p.EndDate, dimension, model, toolName, toolType, documentId, filename, title, likes, dislikes, rate];

                csv.Row(Row("total", null, null, null, null, null, null, p.LikesCount, p.DislikesCount, p.SatisfactionRate));
                foreach (var m in p.ByModel)
                {
                    csv.Row(Row("model", m.Model, null, null, null, null, null, m.LikesCount, m.DislikesCount, m.SatisfactionRate));
                }

                foreach (var t in p.ByTool)
                {
                    csv.Row(Row("tool", null, t.ToolName, t.ToolType, null, null, null, t.LikesCount, t.DislikesCount, t.SatisfactionRate));
                }

                foreach (var d in p.ByDocument)
                {
                    csv.Row(Row("document", null, null, null, d.DocumentId, d.DocumentFilename, d.DocumentTitle, d.LikesCount, d.DislikesCount, d.SatisfactionRate));
                }
            }
        }

        return csv.ToString();
    }
}
