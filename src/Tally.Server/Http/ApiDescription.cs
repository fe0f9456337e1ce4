using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;

namespace Tally.Server.Http;

/// <summary>The shapes of the JSON error bodies of spec/access.md, as an endpoint's refusals may carry them.</summary>
public enum ErrorBody
{
    /// <summary><c>{"detail": "..."}</c>.</summary>
    Detail,

    /// <summary>A field map listing every bad field: <c>{"start_date": ["This field is required."]}</c>.</summary>
    Fields,

    /// <summary>A field map, or a detail when the body is not a JSON object at all (not JSON, not gzip, not an object).</summary>
    FieldsOrDetail,

    /// <summary>events.md's list of problems, or a detail alone when the body could not be read (a malformed chunked body).</summary>
    EventsOrDetail,
}

/// <summary>Endpoint metadata: an error status the endpoint's own code can answer, and when.</summary>
public sealed record Refusal(int Status, string When, ErrorBody Body = ErrorBody.Detail);

/// <summary>
/// Endpoint metadata: a parameter the endpoint reads itself (the query string is parsed by the core, ids are
/// parsed so that a bad one gets the spec's answer), described for the OpenAPI document.
/// </summary>
public sealed record ApiParameter(string Name, ParameterLocation In, string Description, OpenApiSchema Schema, bool Required, string? Example)
{
    public static ApiParameter Query(string name, string description, OpenApiSchema schema, string? example = null, bool required = false) =>
        new(name, ParameterLocation.Query, description, schema, required, example);

    public static ApiParameter Path(string name, string description, OpenApiSchema schema, string example) =>
        new(name, ParameterLocation.Path, description, schema, Required: true, example);
}

/// <summary>
/// Endpoint metadata: the request body, its type as the document shows it and its content type. Not ASP.NET's
/// <c>Accepts</c>, whose metadata makes routing refuse other content types with a bodiless 415 before the key is
/// checked: the endpoints judge the content type themselves, in access.md's order.
/// </summary>
public sealed record RequestBodyType(Type Type, string ContentType, bool Required, bool Array);

/// <summary>Endpoint metadata: a request body's example in one of its content types.</summary>
public sealed record RequestExample(string ContentType, JsonNode Example);

/// <summary>Endpoint metadata: another content type a request body may have, as text (NDJSON), with an example.</summary>
public sealed record AlternativeRequest(string ContentType, string Description, string Example);

/// <summary>Endpoint metadata: another content type a success status can answer with, and its schema.</summary>
public sealed record AlternativeContent(int Status, string ContentType, OpenApiSchema Schema);

/// <summary>Endpoint metadata: a header a success status can carry.</summary>
public sealed record ResponseHeader(int Status, string Name, string Description);

/// <summary>
/// Makes <c>/openapi/v1.json</c> describe the API as it answers: every endpoint's refusals with the JSON error body
/// they carry (the access checks' 401, 403 and 429 from <see cref="RequiresRole"/>, the rest from
/// <see cref="Refusal"/>), the parameters and bodies the endpoints read themselves, and no server address, so
/// the document is the same wherever it is served (clients resolve its paths against its own address).
/// </summary>
public static class ApiDescription
{
    public const string ErrorSchema = "Error";
    public const string FieldErrorsSchema = "FieldErrors";
    public const string EventErrorsSchema = "EventErrors";

    private const string Server500 = "An unexpected failure (such as the store being unreachable): nothing of the request was stored, and it is safe to retry.";

    public static TBuilder Refuses<TBuilder>(this TBuilder builder, int status, string when, ErrorBody body = ErrorBody.Detail)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new Refusal(status, when, body));

    public static TBuilder WithParameters<TBuilder>(this TBuilder builder, params ApiParameter[] parameters)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata([.. parameters]);

    /// <summary>A body of one <typeparamref name="TBody"/>, or with <paramref name="array"/> a JSON array of them.</summary>
    public static RouteHandlerBuilder WithRequestBody<TBody>(this RouteHandlerBuilder builder, string contentType, bool required = true, bool array = false) =>
        builder.WithMetadata(new RequestBodyType(typeof(TBody), contentType, required, array));

    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, string contentType, string json)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequestExample(contentType, JsonNode.Parse(json)!));

    public static TBuilder AlsoAccepts<TBuilder>(this TBuilder builder, string contentType, string description, string example)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AlternativeRequest(contentType, description, example));

    public static TBuilder AlsoAnswers<TBuilder>(this TBuilder builder, int status, string contentType, OpenApiSchema schema)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AlternativeContent(status, contentType, schema));

    public static TBuilder WithResponseHeader<TBuilder>(this TBuilder builder, int status, string name, string description)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new ResponseHeader(status, name, description));

    public static OpenApiSchema TextSchema(string? format = null) => new() { Type = JsonSchemaType.String, Format = format };

    public static OpenApiSchema IntegerSchema(long minimum, long maximum, long? byDefault = null) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Default = byDefault is { } value ? JsonValue.Create(value) : null,
    };

    public static OpenApiSchema ChoiceSchema(params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Enum = [.. values.Select(value => (JsonNode)JsonValue.Create(value))],
        Default = JsonValue.Create(values[0]),
    };

    public static IServiceCollection AddTallyOpenApi(this IServiceCollection services) => services.AddOpenApi(openApi =>
    {
        openApi.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<RequestBodyType>().LastOrDefault() is { } body)
            {
                // A named component, as the response types are, rather than a schema inlined in the operation.
                var document = context.Document!;
                document.Components ??= new OpenApiComponents();
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                document.Components.Schemas[body.Type.Name] = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
                var schema = new OpenApiSchemaReference(body.Type.Name, document);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = body.Required,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        [body.ContentType] = new() { Schema = body.Array ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = schema } : schema },
                    },
                };
            }

            Describe(operation, metadata, context.Document!);
        });
        openApi.AddSchemaTransformer((schema, context, _) =>
        {
            // A key left out when null (a day's end_date) is not required, although its record's constructor takes it.
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                if (property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true) is [JsonIgnoreAttribute { Condition: JsonIgnoreCondition.WhenWritingNull }, ..])
                {
                    schema.Required?.Remove(property.Name);
                }
            }

            return Task.CompletedTask;
        });
        openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Tally API";
            document.Info.Description = "Usage reporting for enterprise generative-AI chat platforms. Reporting endpoints are wire-compatible with Paradigm's /api/v2/reporting. Errors are JSON, as in Paradigm (a Django REST framework service).";
            document.Servers?.Clear();
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            foreach (var (name, schema) in ErrorSchemas())
            {
                document.Components.Schemas[name] = schema;
            }

            return Task.CompletedTask;
        });
    });

    private static void Describe(OpenApiOperation operation, IList<object> metadata, OpenApiDocument document)
    {
        foreach (var parameter in metadata.OfType<ApiParameter>())
        {
            operation.Parameters ??= [];
            var existing = operation.Parameters.FirstOrDefault(p => p.Name == parameter.Name && p.In == parameter.In);
            if (existing is not null)
            {
                operation.Parameters.Remove(existing);
            }

            operation.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = parameter.In,
                Description = parameter.Description,
                Required = parameter.Required,
                Schema = parameter.Schema,
                Example = parameter.Example is null ? null : JsonValue.Create(parameter.Example),
            });
        }

        if (operation.RequestBody is OpenApiRequestBody request)
        {
            request.Content ??= new Dictionary<string, OpenApiMediaType>();
            foreach (var example in metadata.OfType<RequestExample>())
            {
                if (request.Content.TryGetValue(example.ContentType, out var body))
                {
                    body.Example = example.Example.DeepClone();
                }
            }

            foreach (var alternative in metadata.OfType<AlternativeRequest>())
            {
                request.Content[alternative.ContentType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = alternative.Description },
                    Example = JsonValue.Create(alternative.Example),
                };
            }
        }

        operation.Responses ??= [];
        foreach (var alternative in metadata.OfType<AlternativeContent>())
        {
            if (operation.Responses.TryGetValue(Code(alternative.Status), out var response) && response is OpenApiResponse success)
            {
                success.Content ??= new Dictionary<string, OpenApiMediaType>();
                success.Content[alternative.ContentType] = new OpenApiMediaType { Schema = alternative.Schema };
            }
        }

        foreach (var header in metadata.OfType<ResponseHeader>())
        {
            if (operation.Responses.TryGetValue(Code(header.Status), out var response) && response is OpenApiResponse success)
            {
                success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                success.Headers[header.Name] = new OpenApiHeader { Description = header.Description, Schema = TextSchema() };
            }
        }

        foreach (var refusals in Refusals(metadata).GroupBy(refusal => refusal.Status).OrderBy(group => group.Key))
        {
            var status = refusals.Key;
            var response = new OpenApiResponse
            {
                Description = string.Join(" Or: ", refusals.Select(refusal => refusal.When)),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = Schema(refusals.First().Body, document) },
                },
            };
            if (status == StatusCodes.Status401Unauthorized)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["WWW-Authenticate"] = new OpenApiHeader { Description = "Bearer", Schema = TextSchema() },
                };
            }
            else if (status == StatusCodes.Status429TooManyRequests)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Whole seconds to wait before trying again.", Schema = IntegerSchema(1, int.MaxValue) },
                };
            }

            operation.Responses[Code(status)] = response;
        }
    }

    /// <summary>The endpoint's own refusals, after those of the access pipeline when it requires a role.</summary>
    private static IEnumerable<Refusal> Refusals(IList<object> metadata)
    {
        if (metadata.OfType<RequiresRole>().Any())
        {
            yield return new Refusal(StatusCodes.Status401Unauthorized,
                "No key, a scheme other than Bearer (\"not provided\"), or an unknown or revoked key (\"invalid\").");
            yield return new Refusal(StatusCodes.Status403Forbidden, "The key's role may not call this endpoint.");
            yield return new Refusal(StatusCodes.Status429TooManyRequests,
                "Over the key's rate limit, or too many failed authentications from this client address.");
            yield return new Refusal(StatusCodes.Status500InternalServerError, Server500);
        }

        foreach (var refusal in metadata.OfType<Refusal>())
        {
            yield return refusal;
        }
    }

    private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static IOpenApiSchema Schema(ErrorBody body, OpenApiDocument document) => body switch
    {
        ErrorBody.Detail => new OpenApiSchemaReference(ErrorSchema, document),
        ErrorBody.Fields => new OpenApiSchemaReference(FieldErrorsSchema, document),
        ErrorBody.FieldsOrDetail => new OpenApiSchema { OneOf = [new OpenApiSchemaReference(FieldErrorsSchema, document), new OpenApiSchemaReference(ErrorSchema, document)] },
        ErrorBody.EventsOrDetail => new OpenApiSchema { OneOf = [new OpenApiSchemaReference(EventErrorsSchema, document), new OpenApiSchemaReference(ErrorSchema, document)] },
        _ => throw new ArgumentOutOfRangeException(nameof(body)),
    };

    private static IEnumerable<(string Name, OpenApiSchema Schema)> ErrorSchemas()
    {
        var nullableText = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null };
        yield return (ErrorSchema, new OpenApiSchema
        {
            Description = "spec/access.md's error body: what was wrong, for a person to read.",
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "detail" },
            Properties = new Dictionary<string, IOpenApiSchema> { ["detail"] = TextSchema() },
        });
        yield return (FieldErrorsSchema, new OpenApiSchema
        {
            Description = "Every bad field or parameter with its messages, e.g. {\"start_date\": [\"This field is required.\"]}; a problem with no one field is under non_field_errors.",
            Type = JsonSchemaType.Object,
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = TextSchema() },
        });
        yield return (EventErrorsSchema, new OpenApiSchema
        {
            Description = "spec/events.md's 400: the count in detail, then one entry per (event, field), at most 1,000; nothing of the request was stored.",
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "detail", "errors" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["detail"] = TextSchema(),
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "index", "id", "field", "message" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["index"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Description = "0-based (non-blank NDJSON lines); null for a problem with the whole body or an NDJSON line that is not an object." },
                            ["line"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "NDJSON only: the 1-based line." },
                            ["id"] = nullableText,
                            ["field"] = nullableText,
                            ["message"] = TextSchema(),
                        },
                    },
                },
            },
        });
    }
}
