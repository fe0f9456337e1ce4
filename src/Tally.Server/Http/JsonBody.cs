using System.Text.Json;
using Tally.Events;

namespace Tally.Server.Http;

/// <summary>Reads the small JSON object bodies of the admin endpoints, with field-level errors for wrong types.</summary>
public sealed class JsonBody
{
    private const int MaxBytes = 64 * 1024;

    // Django REST framework's key for a problem that belongs to no one field.
    private const string NonFieldErrors = "non_field_errors";

    private const string InvalidText = "Must be valid Unicode text (invalid UTF-8 or a lone surrogate).";

    private readonly JsonElement _root;

    // The fields whose names are text, by name (the last of a repeated name wins). Fields are looked up here, never
    // on the element: matching a name compares it with every field's, and reading a name that is not text throws.
    private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);

    private JsonBody(JsonElement root) => _root = root;

    public ValidationErrors Errors { get; } = new();

    /// <summary>The body as an object (an empty body is an empty object), or the response for a body that is not one.</summary>
    public static async Task<(JsonBody? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, failure) = await RequestBody.ReadAsync(request, MaxBytes, cancellationToken);
        if (failure is not null)
        {
            return (null, ErrorResponses.Detail(failure.Status, failure.Message));
        }

        using var _ = body;
        if (body!.Length == 0)
        {
            return (new JsonBody(JsonDocument.Parse("{}").RootElement), null);
        }

        if (RequestBody.EventFormat(request) != EventBodyFormat.JsonArray)
        {
            return (null, ErrorResponses.Detail(StatusCodes.Status415UnsupportedMediaType,
                $"Unsupported media type \"{request.ContentType}\" in request: use application/json."));
        }

        try
        {
            using var document = JsonDocument.Parse(body.Memory);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, ErrorResponses.Detail(StatusCodes.Status400BadRequest, "The body must be a JSON object."));
            }

            var read = new JsonBody(document.RootElement.Clone());
            read.CheckText();
            return (read, null);
        }
        catch (JsonException exception)
        {
            return (null, ErrorResponses.Detail(StatusCodes.Status400BadRequest, $"JSON parse error: {exception.Message}"));
        }
    }

    /// <summary>
    /// Records every field holding text that is not Unicode (invalid UTF-8, or an escaped lone surrogate such as
    /// <c>"\ud800"</c>), at any depth, under the top-level field's name; JSON parsing lets both through, and reading
    /// them later would throw. A field name that is not text is reported under <c>non_field_errors</c>, as it cannot
    /// be written back.
    /// </summary>
    private void CheckText()
    {
        foreach (var property in _root.EnumerateObject())
        {
            if (!TryGetName(property, out var name))
            {
                Errors.Add(NonFieldErrors, "A field name is not valid Unicode text (invalid UTF-8 or a lone surrogate).");
                continue;
            }

            _fields[name] = property.Value;
            if (!IsText(property.Value))
            {
                Errors.Add(name, InvalidText);
            }
        }
    }

    private static bool IsText(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    _ = value.GetString();
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }

            case JsonValueKind.Array:
                return value.EnumerateArray().All(IsText);
            case JsonValueKind.Object:
                return value.EnumerateObject().All(property => TryGetName(property, out _) && IsText(property.Value));
            default:
                return true;
        }
    }

    private static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    /// <summary>A string field; null when absent or null, recording an error when it is another type.</summary>
    public string? OptionalString(string name)
    {
        if (Errors.Has(name) || !_fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Errors.Add(name, "Not a valid string.");
            return null;
        }

        return value.GetString();
    }

    /// <summary>An integer field; null when absent or null, recording an error when it is not a JSON integer.</summary>
    public long? OptionalInteger(string name)
    {
        if (Errors.Has(name) || !_fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || value.GetRawText().AsSpan().IndexOfAny(".eE") >= 0)
        {
            Errors.Add(name, "A valid integer is required.");
            return null;
        }

        return number;
    }

    /// <summary>
    /// A number field as its JSON text, for callers that read it exactly (never through a double); null when absent or
    /// null, recording an error when it is another type.
    /// </summary>
    public string? OptionalNumberText(string name)
    {
        if (Errors.Has(name) || !_fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Errors.Add(name, "A valid number is required.");
            return null;
        }

        return value.GetRawText();
    }
}
