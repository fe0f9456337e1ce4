using System.Text.Json;

namespace Tally.Server.Tests.OpenApi;

/// <summary>
/// Checks a JSON value against a schema of the OpenAPI document, for the keywords the document uses: <c>$ref</c>,
/// <c>oneOf</c>, <c>type</c> (one or several), <c>required</c>, <c>properties</c> (a key the schema does not name
/// is a problem: the document would not describe it), <c>additionalProperties</c>, <c>items</c> and <c>enum</c>.
/// </summary>
public static class SchemaCheck
{
    public static List<string> Problems(JsonElement value, JsonElement schema, JsonElement document)
    {
        var problems = new List<string>();
        Check(value, schema, document, "$", problems);
        return problems;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement document, string at, List<string> problems)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(value, Resolve(reference.GetString()!, document), document, at, problems);
            return;
        }

        if (schema.TryGetProperty("oneOf", out var alternatives))
        {
            var matching = alternatives.EnumerateArray().Count(alternative => Problems(value, alternative, document).Count == 0);
            if (matching != 1)
            {
                problems.Add($"{at}: matches {matching} of the oneOf alternatives, not exactly one: {value.GetRawText()}");
            }

            return;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!types.Any(name => IsOfType(value, name)))
            {
                problems.Add($"{at}: {value.ValueKind} where the schema says {string.Join(" or ", types)}: {value.GetRawText()}");
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var choices) && !choices.EnumerateArray().Any(choice => choice.GetRawText() == value.GetRawText()))
        {
            problems.Add($"{at}: {value.GetRawText()} is not one of {choices.GetRawText()}");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, document, at, problems);
                break;
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items):
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(item, items, document, $"{at}[{index++}]", problems);
                }

                break;
        }
    }

    private static void CheckObject(JsonElement value, JsonElement schema, JsonElement document, string at, List<string> problems)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!).Where(name => !value.TryGetProperty(name, out _)))
            {
                problems.Add($"{at}: the required \"{name}\" is missing");
            }
        }

        var hasProperties = schema.TryGetProperty("properties", out var properties);
        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, document, $"{at}.{property.Name}", problems);
            }
            else if (hasAdditional && additional.ValueKind == JsonValueKind.Object)
            {
                Check(property.Value, additional, document, $"{at}.{property.Name}", problems);
            }
            else if (hasProperties)
            {
                problems.Add($"{at}: \"{property.Name}\" is answered but not in the schema");
            }
        }
    }

    private static bool IsOfType(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => throw new InvalidOperationException($"The schema names a type this check does not know: {type}."),
    };

    public static JsonElement Resolve(string reference, JsonElement document)
    {
        const string prefix = "#/components/schemas/";
        reference.ShouldStartWith(prefix);
        document.GetProperty("components").GetProperty("schemas").TryGetProperty(reference[prefix.Length..], out var schema)
            .ShouldBeTrue($"{reference} names no schema of the document");
        return schema;
    }
}
