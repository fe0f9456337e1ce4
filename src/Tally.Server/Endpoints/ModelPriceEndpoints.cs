using Microsoft.AspNetCore.Http.Features;
using Tally.Access;
using Tally.Prices;
using Tally.Server.Http;

namespace Tally.Server.Endpoints;

/// <summary>The model prices (instance administrators only): create or replace, list, delete.</summary>
public static class ModelPriceEndpoints
{
    private const string Prefix = "/api/v2/admin/model-prices/";

    public static IEndpointRouteBuilder MapModelPriceEndpoints(this IEndpointRouteBuilder routes)
    {
        var prices = routes.MapGroup("/api/v2/admin/model-prices").RequireRole(Role.InstanceAdmin).WithTags("Admin");
        var model = ApiParameter.Path("model", "The model's name as events carry it, URL-encoded.", ApiDescription.TextSchema(), "alfred-4");
        prices.MapPut("/{model}", SetAsync)
            .WithSummary("Create or replace a model's price entry starting on a date")
            .WithDescription("Prices are per million tokens: JSON numbers from 0 to 1000000 with at most 6 decimals, read exactly. Every entry is in one currency (three upper-case letters); the entry of the same model and effective_from is replaced. Reports use the prices stored when they are asked.")
            .WithParameters(model)
            .WithRequestBody<PriceRequest>("application/json")
            .WithRequestExample("application/json", """{"effective_from": "2025-01-01", "currency": "EUR", "input_per_million": 2.5, "output_per_million": 10}""")
            .Produces<PriceResponse>(StatusCodes.Status200OK)
            .Produces<PriceResponse>(StatusCodes.Status201Created)
            .Refuses(StatusCodes.Status400BadRequest, "A missing or bad effective_from, currency (or one other than the stored prices'), input_per_million or output_per_million (every one listed), or a body that is not a JSON object.", ErrorBody.FieldsOrDetail)
            .Refuses(StatusCodes.Status413PayloadTooLarge, "A body over 64 KiB (after decompression).")
            .Refuses(StatusCodes.Status415UnsupportedMediaType, "A content type other than application/json, or a content encoding other than gzip.");
        prices.MapGet("", async (PriceService service, CancellationToken cancellationToken) =>
            Results.Json(new PriceList((await service.ListAsync(cancellationToken)).Select(PriceResponse.From).ToList()), ErrorResponses.Json))
            .WithSummary("List the model prices, by model (code point), then effective_from")
            .Produces<PriceList>();
        prices.MapDelete("/{model}", DeleteAsync)
            .WithSummary("Delete a model's price entry")
            .WithParameters(model, ApiParameter.Query("effective_from", "The entry's first day, YYYY-MM-DD.", ApiDescription.TextSchema("date"), "2025-01-01", required: true))
            .Produces(StatusCodes.Status204NoContent)
            .Refuses(StatusCodes.Status400BadRequest, "effective_from is missing, given twice or not a date.", ErrorBody.Fields)
            .Refuses(StatusCodes.Status404NotFound, "The model has no entry starting on that date.");
        return routes;
    }

    private static async Task<IResult> SetAsync(HttpContext context, PriceService service)
    {
        var (body, problem) = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var effectiveFrom = body!.OptionalString("effective_from");
        var currency = body.OptionalString("currency");
        var input = body.OptionalNumberText("input_per_million");
        var output = body.OptionalNumberText("output_per_million");
        var (price, created) = await service.SetAsync(ModelOf(context), effectiveFrom, currency, input, output, body.Errors, context.RequestAborted);
        return Results.Json(PriceResponse.From(price), ErrorResponses.Json, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, PriceService service)
    {
        var values = context.Request.Query["effective_from"];
        if (values.Count > 1)
        {
            return ErrorResponses.FieldError("effective_from", "This parameter may be given only once.");
        }

        return await service.DeleteAsync(ModelOf(context), values.Count == 1 ? values[0] : null, context.RequestAborted)
            ? Results.NoContent()
            : ErrorResponses.Detail(StatusCodes.Status404NotFound, ErrorResponses.NotFound);
    }

    /// <summary>
    /// The model named in the path, decoded from the request's raw target: routing leaves an encoded slash (%2F) encoded
    /// and decodes the rest, so its value cannot be decoded again without changing a name holding "%".
    /// </summary>
    private static string ModelOf(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        var start = path.IndexOf(Prefix, StringComparison.Ordinal);
        var segment = start < 0 ? "" : path[(start + Prefix.Length)..].TrimEnd('/');
        return Uri.UnescapeDataString(segment);
    }

    // The request body, for the OpenAPI document only: the endpoint reads the bytes itself (JsonBody), prices exactly.

    /// <summary>A price entry to store: its first day, currency and amounts per million input and output tokens.</summary>
    public sealed record PriceRequest(DateOnly EffectiveFrom, string Currency, decimal InputPerMillion, decimal OutputPerMillion);

    public sealed record PriceResponse(string Model, DateOnly EffectiveFrom, string Currency, decimal InputPerMillion, decimal OutputPerMillion)
    {
        public static PriceResponse From(ModelPrice price) =>
            new(price.Model, price.EffectiveFrom, price.Currency, price.InputPerMillion, price.OutputPerMillion);
    }

    public sealed record PriceList(IReadOnlyList<PriceResponse> Prices);
}
