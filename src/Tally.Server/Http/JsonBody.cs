using System.Text.Json;
using Tally.Events;

namespace Tally.Server.Http;

/// <summary>Reads the small JSON object bodies of the admin endpoints, with field-level errors for wrong types.</summary>
public sealed class JsonBody
{
    private const int MaxBytes = 64 * 1024;

    private readonly JsonElement _root;

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

            return (new JsonBody(document.RootElement.Clone()), null);
        }
        catch (JsonException exception)
        {
            return (null, ErrorResponses.Detail(StatusCodes.Status400BadRequest, $"JSON parse error: {exception.Message}"));
        }
    }

    /// <summary>A string field; null when absent or null, recording an error when it is another type.</summary>
    public string? OptionalString(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
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
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
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
}
