using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tally.Server.Http;

/// <summary>The error bodies of spec/access.md, in the style of a Django REST framework service.</summary>
public static class ErrorResponses
{
    public const string NotProvided = "Authentication credentials were not provided.";
    public const string InvalidKey = "Invalid API key.";
    public const string Forbidden = "You do not have permission to perform this action.";
    public const string NotFound = "Not found.";
    public const string StoreUnavailable = "The store is unreachable; nothing of this request was stored. It is safe to retry.";

    /// <summary>
    /// Read-only from the start: Results.Json sets a missing TypeInfoResolver on options that are not yet read-only,
    /// and two first requests at once race that check against the serializer freezing the options (a 500 seen
    /// when two servers took their first batches together). Options complete and frozen here leave nothing to set.
    /// </summary>
    public static readonly JsonSerializerOptions Json = Frozen(new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Messages quote values ('x', "POST"): keep them readable rather than \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    });

    private static JsonSerializerOptions Frozen(JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A detail for an error status set without a message (by the framework, not by Tally's own code).</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed.",
        StatusCodes.Status401Unauthorized => NotProvided,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status408RequestTimeout => "The request took too long to arrive.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type.",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "The request headers are too large.",
        >= StatusCodes.Status500InternalServerError => "A server error occurred; nothing of this request was stored. It is safe to retry.",
        _ => "The request was refused.",
    };

    public static IResult Detail(int status, string detail) =>
        Results.Json(new { detail }, Json, statusCode: status);

    public static IResult FieldErrors(IReadOnlyDictionary<string, string[]> errors) =>
        Results.Json(errors, Json, statusCode: StatusCodes.Status400BadRequest);

    public static IResult FieldError(string field, string message) =>
        FieldErrors(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Writes a detail body straight to the response, for middleware that runs outside endpoints.</summary>
    public static Task WriteDetailAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { detail }, Json);
    }
}
