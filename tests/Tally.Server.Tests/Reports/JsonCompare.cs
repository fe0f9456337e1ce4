using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// Compares JSON exactly: the same keys in the same order, the same array lengths, strings equal, numbers
/// equal as decimals (2.5 and 2.50 are the same number). Reports every difference by its path.
/// </summary>
public static class JsonCompare
{
    public static void ShouldMatch(this JsonNode? actual, JsonNode? expected, string what)
    {
        var differences = new List<string>();
        Compare(expected, actual, "$", differences);
        if (differences.Count > 0)
        {
            throw new ShouldAssertException($"{what}: {differences.Count} difference(s)\n" + string.Join('\n', differences.Take(25)));
        }
    }

    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        if (expected is null || actual is null)
        {
            if (expected is not null || actual is not null)
            {
                differences.Add($"{path}: expected {Text(expected)}, got {Text(actual)}");
            }

            return;
        }

        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                var expectedKeys = e.Select(p => p.Key).ToList();
                var actualKeys = a.Select(p => p.Key).ToList();
                if (!expectedKeys.SequenceEqual(actualKeys, StringComparer.Ordinal))
                {
                    differences.Add($"{path}: expected keys [{string.Join(", ", expectedKeys)}], got [{string.Join(", ", actualKeys)}]");
                }

                foreach (var (key, value) in e)
                {
                    if (a.ContainsKey(key))
                    {
                        Compare(value, a[key], $"{path}.{key}", differences);
                    }
                }

                break;
            case JsonArray e when actual is JsonArray a:
                if (e.Count != a.Count)
                {
                    differences.Add($"{path}: expected {e.Count} items, got {a.Count}: expected {Text(e)}, got {Text(a)}");
                }

                for (var i = 0; i < Math.Min(e.Count, a.Count); i++)
                {
                    Compare(e[i], a[i], $"{path}[{i}]", differences);
                }

                break;
            case JsonValue e when actual is JsonValue a:
                var kind = e.GetValueKind();
                if (kind != a.GetValueKind())
                {
                    differences.Add($"{path}: expected {Text(e)}, got {Text(a)}");
                }
                else if (kind == JsonValueKind.Number
                    ? decimal.Parse(e.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) != decimal.Parse(a.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                    : e.ToJsonString() != a.ToJsonString())
                {
                    differences.Add($"{path}: expected {Text(e)}, got {Text(a)}");
                }

                break;
            default:
                differences.Add($"{path}: expected {Text(expected)}, got {Text(actual)}");
                break;
        }
    }

    private static string Text(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length > 400 ? text[..400] + "..." : text;
    }
}
