using System.Text;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>An RFC 4180 reader, and the reference's JSON flattened into the rows the CSV form must have.</summary>
public static class Csv
{
    public static List<List<string>> Read(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                for (i++; !(text[i] == '"' && (i + 1 == text.Length || text[i + 1] != '"')); i++)
                {
                    cell.Append(text[i]);
                    i += text[i] == '"' ? 1 : 0;
                }

                i++;
            }
            else if (text[i] == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
                i++;
            }
            else if (text[i] == '\r' && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i += 2;
            }
            else
            {
                text[i].ShouldNotBe('\n', "a bare LF outside quotes");
                cell.Append(text[i++]);
            }
        }

        row.ShouldBeEmpty("the last row ends with CRLF");
        return rows;
    }

    private static string Cell(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static IEnumerable<(JsonNode Company, JsonNode Day)> Days(JsonArray reporting) =>
        reporting.SelectMany(c => c!["dates"]!.AsArray().Select(d => (c["company"]!, d!)));

    private static List<string> Row(JsonNode company, params JsonNode?[] cells) =>
        [Cell(company["id"]), Cell(company["name"]), .. cells.Select(Cell)];

    /// <summary>A dated row: date, then end_date when the element has one (every granularity but day).</summary>
    private static List<string> Dated(JsonNode company, JsonNode day, params JsonNode?[] cells) =>
        Row(company, [day["date"], .. day["end_date"] is { } end ? [end] : Array.Empty<JsonNode?>(), .. cells]);

    /// <summary>A dated table's header: end_date after date when the report's elements have one.</summary>
    private static List<string> Header(JsonArray reporting, params string[] columns)
    {
        var periods = Days(reporting).Any(x => x.Day["end_date"] is not null);
        return ["company_id", "company_name", "date", .. periods ? ["end_date"] : Array.Empty<string>(), .. columns];
    }

    /// <summary>The rows (header first) of a report's CSV, from the reference's JSON.</summary>
    public static List<List<string>> Expected(string report, JsonArray reporting) => report switch
    {
        "tools" => [
            Header(reporting, "tool_calls_count", "tool_name", "tool_type", "usage_count", "users_count", "errors_count"),
            .. Days(reporting).SelectMany(x => x.Day["tools"]!.AsArray().Count == 0
                ? [Dated(x.Company, x.Day, x.Day["tool_calls_count"], null, null, null, null, null)]
                : x.Day["tools"]!.AsArray().Select(t => Dated(x.Company, x.Day, x.Day["tool_calls_count"], t!["tool_name"], t["tool_type"], t["usage_count"], t["users_count"], t["errors_count"]))),
        ],
        "used-documents" => [
            Header(reporting, "documents_count", "document_id", "document_filename", "document_title", "usage_count"),
            .. Days(reporting).SelectMany(x => x.Day["documents"]!.AsArray().Count == 0
                ? [Dated(x.Company, x.Day, x.Day["documents_count"], null, null, null, null)]
                : x.Day["documents"]!.AsArray().Select(d => Dated(x.Company, x.Day, x.Day["documents_count"], d!["document_id"], d["document_filename"], d["document_title"], d["usage_count"]))),
        ],
        "user-activities-dates" => [
            Header(reporting, "active_users_count", "new_active_users_count", "weekly_active_users_count", "monthly_active_users_count", "connections_count"),
            .. Days(reporting).Select(x => Dated(x.Company, x.Day, x.Day["active_users_count"], x.Day["new_active_users_count"],
                x.Day["weekly_active_users_count"], x.Day["monthly_active_users_count"], x.Day["connections_count"])),
        ],
        "users" => [
            ["company_id", "company_name", "total_historical_members", "current_active_members"],
            .. reporting.Select(c => Row(c!["company"]!, c["total_historical_members"], c["current_active_members"])),
        ],
        "user-activities" => [
            ["company_id", "company_name", "user_id", "user_name", "active_days_count", "sessions_count", "user_queries_count", "feedbacks_count", "tool_calls_count", "first_activity_date", "last_activity_date", "last_connection", "input_tokens", "output_tokens", "cost"],
            .. reporting.SelectMany(c => c!["users"]!.AsArray().Select(u => Row(c["company"]!, u!["user_id"], u["user_name"], u["active_days_count"], u["sessions_count"],
                u["user_queries_count"], u["feedbacks_count"], u["tool_calls_count"], u["first_activity_date"], u["last_activity_date"], u["last_connection"], u["input_tokens"], u["output_tokens"], u["cost"]))),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(report)),
    };

    /// <summary>The rows (header first) of the models CSV, from the reference's JSON; end_date for every granularity but day.</summary>
    public static List<List<string>> ExpectedModels(JsonArray reporting, bool periods)
    {
        string[] numbers = ["responses_count", "responses_with_docs_count", "users_count", "input_tokens", "output_tokens",
            "responses_with_usage_count", "latency_ms_p50", "latency_ms_p95", "cost"];
        List<List<string>> rows = [["company_id", "company_name", "date", .. periods ? ["end_date"] : Array.Empty<string>(), "model", .. numbers]];
        foreach (var (company, day) in Days(reporting))
        {
            JsonNode?[] dated = periods ? [day["date"], day["end_date"]] : [day["date"]];
            var models = day["models"]!.AsArray();
            if (models.Count == 0)
            {
                rows.Add(Row(company, [.. dated, null, .. numbers.Select(_ => (JsonNode?)null)]));
            }

            rows.AddRange(models.Select(m => Row(company, [.. dated, m!["model"], .. numbers.Select(n => m[n])])));
        }

        return rows;
    }
}
