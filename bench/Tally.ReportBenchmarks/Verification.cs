using System.Globalization;
using System.Text.Json;

namespace Tally.ReportBenchmarks;

/// <summary>
/// Checks that Tally's HTTP answer and the baseline's rows carry the same numbers: both sides are flattened to
/// "key = value" pairs (zeros and nulls left out, as the dense report has them on days the baseline has no row)
/// and compared. A benchmark whose two sides disagree measures nothing, so a difference is reported.
/// </summary>
internal static class Verification
{
    /// <summary>Differences (at most a few), empty when the two sides agree.</summary>
    public static List<string> Compare(string report, byte[] json, List<object?[]> rows)
    {
        using var document = JsonDocument.Parse(json);
        var tally = Flatten(report, document.RootElement);
        var baseline = Flatten(report, rows);
        var differences = new List<string>();
        foreach (var key in tally.Keys.Union(baseline.Keys).Order(StringComparer.Ordinal))
        {
            var a = tally.GetValueOrDefault(key);
            var b = baseline.GetValueOrDefault(key);
            if (a != b)
            {
                differences.Add($"{key}: Tally {a ?? "(none)"}, baseline {b ?? "(none)"}");
            }
        }

        return differences;
    }

    private static Dictionary<string, string> Flatten(string report, JsonElement root)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string key, string? value)
        {
            if (value is not (null or "" or "0"))
            {
                values[key] = value;
            }
        }

        var company = root.GetProperty("reporting")[0];
        switch (report)
        {
            case "chat-sessions":
                foreach (var (mode, section, sessions, sessionsCount, average) in new[]
                {
                    ("chat", "reporting", "sessions", "sessions_count", "average_session_length"),
                    ("agent", "reporting_agent", "threads", "threads_count", "average_thread_length"),
                })
                {
                    foreach (var day in root.GetProperty(section)[0].GetProperty("dates").EnumerateArray())
                    {
                        var d = day.GetProperty("date").GetString();
                        var s = day.GetProperty(sessions);
                        var c = day.GetProperty("chats");
                        Set($"{d}|{mode}|sessions", Number(s.GetProperty(sessionsCount)));
                        Set($"{d}|{mode}|models", Number(s.GetProperty("unique_models_count")));
                        Set($"{d}|{mode}|average", Number(s.GetProperty(average)));
                        Set($"{d}|{mode}|queries", Number(c.GetProperty("user_queries_count")));
                        Set($"{d}|{mode}|responses_with_docs", Number(c.GetProperty("model_responses_with_docs_count")));
                        Set($"{d}|{mode}|responses", Number(c.GetProperty("model_responses_count")));
                        Set($"{d}|{mode}|last_response", c.GetProperty("last_model_response_date").GetString());
                    }
                }

                break;
            case "chats-feedback":
                foreach (var day in company.GetProperty("dates").EnumerateArray())
                {
                    var d = day.GetProperty("date").GetString();
                    var f = day.GetProperty("feedbacks");
                    Set($"{d}|responses", Number(day.GetProperty("model_responses_count")));
                    Set($"{d}|likes", Number(f.GetProperty("likes_count")));
                    Set($"{d}|dislikes", Number(f.GetProperty("dislikes_count")));
                    Set($"{d}|copies", Number(f.GetProperty("copies_count")));
                    Set($"{d}|flags", Number(f.GetProperty("flags_count")));
                }

                break;
            case "tools":
                foreach (var day in company.GetProperty("dates").EnumerateArray())
                {
                    var d = day.GetProperty("date").GetString();
                    Set($"{d}|calls", Number(day.GetProperty("tool_calls_count")));
                    var position = 0;
                    foreach (var tool in day.GetProperty("tools").EnumerateArray())
                    {
                        var key = $"{d}|{tool.GetProperty("tool_name").GetString()}|{tool.GetProperty("tool_type").GetString()}";
                        Set($"{key}|usage", Number(tool.GetProperty("usage_count")));
                        Set($"{key}|users", Number(tool.GetProperty("users_count")));
                        Set($"{key}|errors", Number(tool.GetProperty("errors_count")));
                        Set($"{d}|position {position++}", key);
                    }
                }

                break;
            case "used-documents":
                foreach (var day in company.GetProperty("dates").EnumerateArray())
                {
                    var d = day.GetProperty("date").GetString();
                    var position = 0;
                    foreach (var document in day.GetProperty("documents").EnumerateArray())
                    {
                        var id = Number(document.GetProperty("document_id"));
                        Set($"{d}|{id}|usage", Number(document.GetProperty("usage_count")));
                        Set($"{id}|filename", document.GetProperty("document_filename").GetString());
                        Set($"{id}|title", document.GetProperty("document_title").GetString());
                        Set($"{d}|position {position++}", id);
                    }
                }

                break;
            case "users":
                Set("total_historical_members", Number(company.GetProperty("total_historical_members")));
                Set("current_active_members", Number(company.GetProperty("current_active_members")));
                break;
            case "user-activities":
                foreach (var day in company.GetProperty("dates").EnumerateArray())
                {
                    var d = day.GetProperty("date").GetString();
                    Set($"{d}|active", Number(day.GetProperty("active_users_count")));
                    Set($"{d}|new", Number(day.GetProperty("new_active_users_count")));
                    Set($"{d}|weekly", Number(day.GetProperty("weekly_active_users_count")));
                    Set($"{d}|monthly", Number(day.GetProperty("monthly_active_users_count")));
                    Set($"{d}|connections", Number(day.GetProperty("connections_count")));
                }

                var rank = 0;
                foreach (var user in company.GetProperty("users").EnumerateArray())
                {
                    var key = $"user {Number(user.GetProperty("user_id"))}";
                    Set($"rank {rank++:D5}", key);
                    Set($"{key}|name", user.GetProperty("user_name").GetString());
                    Set($"{key}|active days", Number(user.GetProperty("active_days_count")));
                    Set($"{key}|sessions", Number(user.GetProperty("sessions_count")));
                    Set($"{key}|queries", Number(user.GetProperty("user_queries_count")));
                    Set($"{key}|feedbacks", Number(user.GetProperty("feedbacks_count")));
                    Set($"{key}|tool calls", Number(user.GetProperty("tool_calls_count")));
                    Set($"{key}|first", user.GetProperty("first_activity_date").GetString());
                    Set($"{key}|last", user.GetProperty("last_activity_date").GetString());
                    Set($"{key}|last connection", user.GetProperty("last_connection").GetString());
                }

                break;
            case "satisfaction":
                foreach (var day in company.GetProperty("dates").EnumerateArray())
                {
                    var d = day.GetProperty("date").GetString();
                    foreach (var (list, dimension, first, second) in new[]
                    {
                        ("by_model", "model", "model", ""), ("by_tool", "tool", "tool_name", "tool_type"), ("by_document", "document", "document_id", ""),
                    })
                    {
                        foreach (var entry in day.GetProperty(list).EnumerateArray())
                        {
                            var key = $"{d}|{dimension}|{Number(entry.GetProperty(first))}|{(second.Length == 0 ? "" : entry.GetProperty(second).GetString())}";
                            Set($"{key}|likes", Number(entry.GetProperty("likes_count")));
                            Set($"{key}|dislikes", Number(entry.GetProperty("dislikes_count")));
                        }
                    }
                }

                break;
            case "connections":
                var row = 0;
                foreach (var connection in company.GetProperty("connections").EnumerateArray())
                {
                    Set($"{row:D3}|user", Number(connection.GetProperty("user_id")));
                    Set($"{row:D3}|name", connection.GetProperty("user_name").GetString());
                    Set($"{row:D3}|timestamp", connection.GetProperty("timestamp").GetString());
                    Set($"{row:D3}|ip", connection.GetProperty("ip").GetString());
                    row++;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(report), report, "Unknown report.");
        }

        return values;
    }

    private static Dictionary<string, string> Flatten(string report, List<object?[]> rows)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string key, string? value)
        {
            if (value is not (null or "" or "0"))
            {
                values[key] = value;
            }
        }

        switch (report)
        {
            case "chat-sessions":
                foreach (var r in rows)
                {
                    var key = $"{Text(r[0])}|{Text(r[1])}";
                    var queries = Convert.ToInt64(r[4], CultureInfo.InvariantCulture);
                    var querySessions = Convert.ToInt64(r[5], CultureInfo.InvariantCulture);
                    Set($"{key}|sessions", Text(r[2]));
                    Set($"{key}|models", Text(r[3]));
                    Set($"{key}|average", querySessions == 0 ? null : Decimal(Math.Round((decimal)queries / querySessions, 2, MidpointRounding.AwayFromZero)));
                    Set($"{key}|queries", Text(r[4]));
                    Set($"{key}|responses_with_docs", Text(r[7]));
                    Set($"{key}|responses", Text(r[6]));
                    Set($"{key}|last_response", r[8] is DateTime last ? last.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null);
                }

                break;
            case "chats-feedback":
                foreach (var r in rows)
                {
                    var d = Text(r[0]);
                    Set($"{d}|responses", Text(r[1]));
                    Set($"{d}|likes", Text(r[2]));
                    Set($"{d}|dislikes", Text(r[3]));
                    Set($"{d}|copies", Text(r[4]));
                    Set($"{d}|flags", Text(r[5]));
                }

                break;
            case "tools":
                foreach (var day in rows.GroupBy(r => Text(r[0])))
                {
                    Set($"{day.Key}|calls", Text(day.Sum(r => Convert.ToInt64(r[3], CultureInfo.InvariantCulture))));
                    var position = 0;
                    foreach (var r in day)
                    {
                        var key = $"{day.Key}|{Text(r[1])}|{Text(r[2])}";
                        Set($"{key}|usage", Text(r[3]));
                        Set($"{key}|users", Text(r[4]));
                        Set($"{key}|errors", Text(r[5]));
                        Set($"{day.Key}|position {position++}", key);
                    }
                }

                break;
            case "used-documents":
                foreach (var day in rows.GroupBy(r => Text(r[0])))
                {
                    var position = 0;
                    foreach (var r in day)
                    {
                        var id = Text(r[1]);
                        Set($"{day.Key}|{id}|usage", Text(r[4]));
                        Set($"{id}|filename", Text(r[2]));
                        Set($"{id}|title", Text(r[3]));
                        Set($"{day.Key}|position {position++}", id);
                    }
                }

                break;
            case "users":
                Set("total_historical_members", Text(rows[0][0]));
                Set("current_active_members", Text(rows[0][1]));
                break;
            case "user-activities":
                // The day rows (6 columns), then the user rows (10), in the report's order.
                var rank = 0;
                foreach (var r in rows)
                {
                    if (r.Length == 6)
                    {
                        Set($"{Text(r[0])}|active", Text(r[1]));
                        Set($"{Text(r[0])}|new", Text(r[2]));
                        Set($"{Text(r[0])}|weekly", Text(r[3]));
                        Set($"{Text(r[0])}|monthly", Text(r[4]));
                        Set($"{Text(r[0])}|connections", Text(r[5]));
                        continue;
                    }

                    var key = $"user {Text(r[0])}";
                    Set($"rank {rank++:D5}", key);
                    Set($"{key}|name", Text(r[1]));
                    Set($"{key}|active days", Text(r[2]));
                    Set($"{key}|sessions", Text(r[3]));
                    Set($"{key}|queries", Text(r[4]));
                    Set($"{key}|feedbacks", Text(r[5]));
                    Set($"{key}|tool calls", Text(r[6]));
                    Set($"{key}|first", Text(r[7]));
                    Set($"{key}|last", Text(r[8]));
                    Set($"{key}|last connection", r[9] is DateTime connected ? connected.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null);
                }

                break;
            case "satisfaction":
                foreach (var r in rows)
                {
                    var key = $"{Text(r[0])}|{Text(r[1])}|{Text(r[2])}|{Text(r[3])}";
                    Set($"{key}|likes", Text(r[4]));
                    Set($"{key}|dislikes", Text(r[5]));
                }

                break;
            case "connections":
                for (var row = 0; row < Math.Min(100, rows.Count); row++)
                {
                    var r = rows[row];
                    Set($"{row:D3}|user", Text(r[0]));
                    Set($"{row:D3}|name", Text(r[1]));
                    Set($"{row:D3}|timestamp", r[2] is DateTime t ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null);
                    Set($"{row:D3}|ip", Text(r[4]));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(report), report, "Unknown report.");
        }

        return values;
    }

    private static string Number(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out var whole) => whole.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => Decimal(element.GetDecimal()),
        JsonValueKind.Null => "",
        _ => element.ToString(),
    };

    private static string Decimal(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Text(object? value) => value switch
    {
        null => "",
        DateTime day when day.TimeOfDay == TimeSpan.Zero => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime instant => instant.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
