using Tally.Client.Reports;
using static Tally.Client.Tables.ColumnType;

namespace Tally.Client.Tables;

/// <summary>
/// Flattens <c>models</c> and <c>satisfaction</c> into the rows of the server's own CSV (shared/spec/analytics.md), so a
/// file exported here loads in pandas like the server's <c>format=csv</c>; by week, month or total an <c>end_date</c>
/// column follows <c>date</c>.
/// </summary>
public static class AnalyticsTables
{
    /// <summary>The values of the <c>dimension</c> column of the satisfaction table.</summary>
    public static class Dimensions
    {
        /// <summary>The period's ratings, every answer together.</summary>
        public const string Total = "total";

        /// <summary>One model of the rated answers (an empty model: answers not stored).</summary>
        public const string Model = "model";

        /// <summary>One tool called for the rated answers.</summary>
        public const string Tool = "tool";

        /// <summary>One document listed by the rated answers.</summary>
        public const string Document = "document";
    }

    /// <summary>
    /// <c>models</c>: one row per company, period and model (a period without answers is one row with empty model cells),
    /// then the currency of the costs (the same on every row; empty when no price is stored).
    /// </summary>
    public static Table Models(ModelsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.Models, ReportTables.Columns(
            ("model", Text), ("responses_count", WholeNumber), ("responses_with_docs_count", WholeNumber), ("users_count", WholeNumber),
            ("input_tokens", WholeNumber), ("output_tokens", WholeNumber), ("responses_with_usage_count", WholeNumber),
            ("latency_ms_p50", DecimalNumber), ("latency_ms_p95", DecimalNumber), ("cost", DecimalNumber), ("currency", Text)));
        foreach (var entry in report.Reporting)
        {
            foreach (var period in entry.Dates)
            {
                if (period.Models is not { Count: > 0 } models)
                {
                    table.Add(entry.Company.Id, entry.Company.Name, period.Date, period.EndDate, null, null, null, null, null, null, null, null, null, null, report.Currency);
                    continue;
                }

                foreach (var model in models)
                {
                    table.Add(entry.Company.Id, entry.Company.Name, period.Date, period.EndDate, model.Model, model.ResponsesCount, model.ResponsesWithDocsCount,
                        model.UsersCount, model.InputTokens, model.OutputTokens, model.ResponsesWithUsageCount, model.LatencyMsP50, model.LatencyMsP95,
                        model.Cost, report.Currency);
                }
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary>
    /// <c>satisfaction</c> in one long table, one row per company, period and dimension value: the period's total, then
    /// each model, tool and document in the report's order, the <c>dimension</c> column saying which, and only that
    /// dimension's key cells filled. Filter on <c>dimension</c> to get one breakdown; the counts of different dimensions
    /// do not add up to each other (a rating counts once per tool of its answer).
    /// </summary>
    public static Table Satisfaction(SatisfactionReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.Satisfaction, ReportTables.Columns(
            ("dimension", Text), ("model", Text), ("tool_name", Text), ("tool_type", Text), ("document_id", WholeNumber), ("document_filename", Text),
            ("document_title", Text), ("likes_count", WholeNumber), ("dislikes_count", WholeNumber), ("satisfaction_rate", DecimalNumber)));
        foreach (var entry in report.Reporting)
        {
            foreach (var period in entry.Dates)
            {
                void Row(string dimension, string? model, string? toolName, string? toolType, long? documentId, string? filename, string? title,
                    long? likes, long? dislikes, decimal? rate) =>
                    table.Add(entry.Company.Id, entry.Company.Name, period.Date, period.EndDate, dimension, model, toolName, toolType, documentId, filename, title,
                        likes, dislikes, rate);

                Row(Dimensions.Total, null, null, null, null, null, null, period.LikesCount, period.DislikesCount, period.SatisfactionRate);
                foreach (var model in period.ByModel ?? [])
                {
                    Row(Dimensions.Model, model.Model, null, null, null, null, null, model.LikesCount, model.DislikesCount, model.SatisfactionRate);
                }

                foreach (var tool in period.ByTool ?? [])
                {
                    Row(Dimensions.Tool, null, tool.ToolName, tool.ToolType, null, null, null, tool.LikesCount, tool.DislikesCount, tool.SatisfactionRate);
                }

                foreach (var document in period.ByDocument ?? [])
                {
                    Row(Dimensions.Document, null, null, null, document.DocumentId, document.DocumentFilename, document.DocumentTitle,
                        document.LikesCount, document.DislikesCount, document.SatisfactionRate);
                }
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }
}
