using System.Globalization;
using System.Text;
using System.Text.Json;
using Parquet;

namespace Tally.Tests;

/// <summary>
/// Rows as column → cell text, read back from an exported file (CSV, JSON, Parquet) or flattened from the API's
/// JSON by hand here, independently of the client's own flattening, so the two can be compared cell by cell.
/// </summary>
public static class ExportedRows
{
    public static List<Dictionary<string, string>> FromCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(cell.ToString());
                cell.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else
            {
                cell.Append(c);
            }
        }

        var header = records[0];
        return [.. records.Skip(1).Select(values => header.Select((name, i) => (name, value: values[i])).ToDictionary(pair => pair.name, pair => pair.value))];
    }

    public static List<Dictionary<string, string>> FromJson(string text)
    {
        using var document = JsonDocument.Parse(text);
        return [.. document.RootElement.EnumerateArray().Select(row => row.EnumerateObject().ToDictionary(cell => cell.Name, cell => Cell(cell.Value)))];
    }

    public static async Task<List<Dictionary<string, string>>> FromParquetAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var rows = new List<Dictionary<string, string>>();
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            using var rowGroup = reader.OpenRowGroupReader(group);
            var count = (int)rowGroup.RowCount;
            var columns = new Dictionary<string, string[]>();
            foreach (var field in reader.Schema.DataFields)
            {
                columns[field.Name] = field.ClrType == typeof(long) ? await ReadAsync<long>(rowGroup, field, count, value => value.ToString(CultureInfo.InvariantCulture))
                    : field.ClrType == typeof(decimal) ? await ReadAsync<decimal>(rowGroup, field, count, value => value.ToString(CultureInfo.InvariantCulture))
                    : field.ClrType == typeof(DateTime) ? await ReadAsync<DateTime>(rowGroup, field, count, value => value.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
                    : await ReadTextAsync(rowGroup, field, count);
            }

            for (var i = 0; i < count; i++)
            {
                rows.Add(columns.ToDictionary(column => column.Key, column => column.Value[i]));
            }
        }

        return rows;
    }

    /// <summary>The API's JSON of <paramref name="report"/>, flattened as reports.md's CSV section says.</summary>
    public static List<Dictionary<string, string>> FromApi(string report, string json, bool perUser = false)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var rows = new List<Dictionary<string, string>>();
        foreach (var entry in root.GetProperty("reporting").EnumerateArray())
        {
            var company = entry.GetProperty("company");
            Dictionary<string, string> Row(params (string Column, JsonElement Value)[] cells) => new[]
            {
                ("company_id", company.GetProperty("id")), ("company_name", company.GetProperty("name")),
            }.Concat(cells).ToDictionary(cell => cell.Item1, cell => Cell(cell.Item2));

            switch (report)
            {
                case "users":
                    rows.Add(Row(("total_historical_members", entry.GetProperty("total_historical_members")), ("current_active_members", entry.GetProperty("current_active_members"))));
                    continue;
                case "connections":
                    rows.AddRange(entry.GetProperty("connections").EnumerateArray().Select(row => Row(Fields(row, "user_id", "user_name", "timestamp", "ip", "user_agent", "auth_method"))));
                    continue;
                case "user-activities" when perUser:
                    rows.AddRange(entry.GetProperty("users").EnumerateArray().Select(row => Row(Fields(row, "user_id", "user_name", "active_days_count", "sessions_count",
                        "user_queries_count", "feedbacks_count", "tool_calls_count", "first_activity_date", "last_activity_date", "last_connection",
                        "input_tokens", "output_tokens", "cost"))));
                    continue;
            }

            var agentDays = root.TryGetProperty("reporting_agent", out var agent)
                ? agent.EnumerateArray().Single(item => item.GetProperty("company").GetProperty("id").GetInt64() == company.GetProperty("id").GetInt64())
                    .GetProperty("dates").EnumerateArray().ToDictionary(day => day.GetProperty("date").GetString()!)
                : [];
            foreach (var day in entry.GetProperty("dates").EnumerateArray())
            {
                // By week, month or total, an element is a period and its end_date follows its date.
                (string, JsonElement)[] date = day.TryGetProperty("end_date", out var end)
                    ? [("date", day.GetProperty("date")), ("end_date", end)]
                    : [("date", day.GetProperty("date"))];
                switch (report)
                {
                    case "chat-sessions":
                        var other = agentDays[day.GetProperty("date").GetString()!];
                        rows.Add(Row([.. date,
                            .. Fields(day.GetProperty("sessions"), "sessions_count", "unique_models_count", "average_session_length"),
                            .. Fields(day.GetProperty("chats"), "user_queries_count", "model_responses_with_docs_count", "model_responses_count", "last_model_response_date"),
                            .. Fields(other.GetProperty("threads"), "threads_count", "unique_models_count", "average_thread_length").Select(cell => ("agent_" + cell.Column, cell.Value)),
                            .. Fields(other.GetProperty("chats"), "user_queries_count", "model_responses_with_docs_count", "model_responses_count", "last_model_response_date").Select(cell => ("agent_" + cell.Column, cell.Value))]));
                        break;
                    case "chats-feedback":
                        rows.Add(Row([.. date, ("model_responses_count", day.GetProperty("model_responses_count")),
                            .. Fields(day.GetProperty("feedbacks"), "likes_count", "dislikes_count", "copies_count", "flags_count")]));
                        break;
                    case "tools":
                        var tools = day.GetProperty("tools").EnumerateArray().ToList();
                        rows.AddRange(tools.Count == 0
                            ? [Row([.. date, ("tool_calls_count", day.GetProperty("tool_calls_count"))])]
                            : tools.Select(tool => Row([.. date, ("tool_calls_count", day.GetProperty("tool_calls_count")),
                                .. Fields(tool, "tool_name", "tool_type", "usage_count", "users_count", "errors_count")])));
                        break;
                    case "used-documents":
                        var documents = day.GetProperty("documents").EnumerateArray().ToList();
                        rows.AddRange(documents.Count == 0
                            ? [Row([.. date, ("documents_count", day.GetProperty("documents_count"))])]
                            : documents.Select(document => Row([.. date, ("documents_count", day.GetProperty("documents_count")), .. Fields(document, "document_id", "document_filename", "document_title", "usage_count")])));
                        break;
                    case "user-activities":
                        rows.Add(Row([.. date, .. Fields(day, "active_users_count", "new_active_users_count", "weekly_active_users_count", "monthly_active_users_count", "connections_count")]));
                        break;
                    default:
                        throw new ArgumentException($"Unknown report {report}.", nameof(report));
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Checks that <paramref name="actual"/> has the expected rows in order and, in each, every expected cell;
    /// a cell missing from the expected row (an item column of a day without items) must be empty.
    /// </summary>
    public static void ShouldMatch(List<Dictionary<string, string>> actual, List<Dictionary<string, string>> expected, string what)
    {
        actual.Count.ShouldBe(expected.Count, $"{what}: rows");
        for (var i = 0; i < expected.Count; i++)
        {
            foreach (var (column, value) in actual[i])
            {
                Normal(value).ShouldBe(Normal(expected[i].GetValueOrDefault(column, "")), $"{what}: row {i}, column {column}");
            }

            expected[i].Keys.ShouldBeSubsetOf(actual[i].Keys, $"{what}: row {i}");
        }
    }

    /// <summary>Numbers compare by value (2.5 = 2.50); instants and days by what they denote.</summary>
    private static string Normal(string cell)
    {
        if (decimal.TryParse(cell, NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
        {
            return number.ToString("0.############", CultureInfo.InvariantCulture);
        }

        return DateTime.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.ToString("O", CultureInfo.InvariantCulture)
            : cell;
    }

    private static (string Column, JsonElement Value)[] Fields(JsonElement element, params string[] names) =>
        [.. names.Select(name => (name, element.GetProperty(name)))];

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    private static async Task<string[]> ReadAsync<T>(ParquetRowGroupReader group, Parquet.Schema.DataField field, int count, Func<T, string> format)
        where T : struct
    {
        var values = new T?[count];
        await group.ReadAsync<T>(field, values);
        return [.. values.Select(value => value is { } present ? format(present) : "")];
    }

    private static async Task<string[]> ReadTextAsync(ParquetRowGroupReader group, Parquet.Schema.DataField field, int count)
    {
        var values = new string[count];
        await group.ReadAsync(field, values);
        return [.. values.Select(value => value ?? "")];
    }
}
