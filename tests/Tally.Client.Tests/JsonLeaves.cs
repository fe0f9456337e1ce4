using System.Globalization;
using System.Text.Json;

namespace Tally.Client.Tests;

/// <summary>Every leaf of a JSON document as path → value, numbers compared by value (2.5 equals 2.50).</summary>
public static class JsonLeaves
{
    public static Dictionary<string, string> Of(string json)
    {
        using var document = JsonDocument.Parse(json);
        var leaves = new Dictionary<string, string>();
        Walk(document.RootElement, "$", leaves);
        return leaves;
    }

    /// <summary>Checks that <paramref name="actual"/> has exactly the leaves of <paramref name="expected"/>, with the same values.</summary>
    public static void ShouldEqual(Dictionary<string, string> actual, Dictionary<string, string> expected)
    {
        foreach (var (path, value) in expected)
        {
            actual.ShouldContainKey(path);
            actual[path].ShouldBe(value, path);
        }

        actual.Keys.Except(expected.Keys).ShouldBeEmpty();
    }

    private static void Walk(JsonElement element, string path, Dictionary<string, string> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, $"{path}.{property.Name}", leaves);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{index++}]", leaves);
                }

                leaves[path + ".length"] = index.ToString(CultureInfo.InvariantCulture);
                break;
            case JsonValueKind.Number:
                leaves[path] = element.GetDecimal().ToString("0.############", CultureInfo.InvariantCulture);
                break;
            case JsonValueKind.String:
                // Timestamps compare as instants: the server writes whole seconds, a re-serialised DateTime may add zeros.
                var text = element.GetString()!;
                leaves[path] = DateTime.TryParseExact(text, ["yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.FFFFFFFZ"], CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var instant)
                    ? instant.ToString("O", CultureInfo.InvariantCulture)
                    : text;
                break;
            default:
                leaves[path] = element.ValueKind.ToString();
                break;
        }
    }
}
