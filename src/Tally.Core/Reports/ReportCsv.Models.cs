namespace Tally.Reports;

/// <summary>The CSV of <c>/reporting/models/</c>: one row per period and model, a period without responses one row with empty model cells.</summary>
public static partial class ReportCsv
{
    public static string Models(ModelsReport report, Granularity granularity)
    {
        var periods = granularity != Granularity.Day;
        string[] header = ["company_id", "company_name", "date", .. periods ? ["end_date"] : Array.Empty<string>(), "model", "responses_count",
            "responses_with_docs_count", "users_count", "input_tokens", "output_tokens", "responses_with_usage_count", "latency_ms_p50", "latency_ms_p95", "cost"];
        var csv = new Writer(header);
        foreach (var company in report.Reporting)
        {
            foreach (var d in company.Dates)
            {
                object?[] dated = periods ? [company.Company.Id, company.Company.Name, d.Date, d.EndDate] : [company.Company.Id, company.Company.Name, d.Date];
                if (d.Models.Count == 0)
                {
                    csv.Row([.. dated, null, null, null, null, null, null, null, null, null, null]);
                }

                foreach (var m in d.Models)
                {
                    csv.Row([.. dated, m.Model, m.ResponsesCount, m.ResponsesWithDocsCount, m.UsersCount, m.InputTokens, m.OutputTokens,
                        m.ResponsesWithUsageCount, m.LatencyMsP50, m.LatencyMsP95, m.Cost]);
                }
            }
        }

        return csv.ToString();
    }
}
