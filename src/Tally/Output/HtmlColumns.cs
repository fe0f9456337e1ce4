using System.Globalization;
using Tally.Client.Tables;

namespace Tally.Cli.Output;

/// <summary>
/// How the HTML report shows a table's columns to a reader rather than to a script: human headers ("Sessions",
/// not sessions_count) and rates as percentages with one decimal, as the dashboard shows them. The files for
/// scripts (CSV, JSON, Parquet, xlsx) keep the API's names and ratios.
/// </summary>
internal static class HtmlColumns
{
    private static readonly Dictionary<string, string> Headers = new(StringComparer.Ordinal)
    {
        ["date"] = "Day",
        ["end_date"] = "Last day",
        ["user_queries_count"] = "Questions",
        ["agent_user_queries_count"] = "Agent questions",
        ["model_responses_count"] = "Answers",
        ["agent_model_responses_count"] = "Agent answers",
        ["model_responses_with_docs_count"] = "Answers with documents",
        ["agent_model_responses_with_docs_count"] = "Agent answers with documents",
        ["feedbacks_count"] = "Feedback",
        ["grounding_rate"] = "Answers with documents (%)",
        ["satisfaction_rate"] = "Satisfaction (%)",
        ["tool_error_rate"] = "Tool error rate (%)",
        ["error_rate"] = "Error rate (%)",
        ["queries_per_active_user"] = "Questions per active user",
        ["tool_calls_per_query"] = "Tool calls per question",
        ["ip"] = "IP",
        ["user_id"] = "User id",
        ["document_id"] = "Document id",
    };

    /// <summary>The header a reader sees: a known name, else the API name without "_count" and underscores.</summary>
    public static string Header(string column)
    {
        if (Headers.TryGetValue(column, out var header))
        {
            return header;
        }

        if (column.StartsWith(MergedTable.ToolColumnPrefix, StringComparison.Ordinal))
        {
            return $"Calls to {column[MergedTable.ToolColumnPrefix.Length..]}";
        }

        var words = (column.EndsWith("_count", StringComparison.Ordinal) ? column[..^"_count".Length] : column).Replace('_', ' ');
        return words.Length == 0 ? column : char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>A rate column holds a ratio (0.25) the reader sees as a percentage (25.0 %).</summary>
    public static bool IsRate(string column) => column.EndsWith("_rate", StringComparison.Ordinal);

    public static string Cell(string column, object? value) =>
        IsRate(column) && value is decimal or double ? Percent(Convert.ToDecimal(value, CultureInfo.InvariantCulture)) : TableFormats.Format(value);

    /// <summary>One decimal and a spaced percent sign, as the dashboard writes shares; a dash when there is nothing to divide.</summary>
    public static string Percent(decimal? ratio) => ratio is { } value ? (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";
}
