using Tally.Access;
using Tally.Events;
using Tally.Ingestion;
using Tally.Server.Http;

namespace Tally.Server.Endpoints;

/// <summary><c>POST /api/v2/events</c>: the platform's events in, durably and idempotently.</summary>
public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v2/events", IngestAsync)
            .RequireRole(Role.Ingest, Role.InstanceAdmin)
            .WithName("IngestEvents")
            .WithSummary("Send a batch of events (JSON array or NDJSON)")
            .WithDescription("All or nothing: every event is validated first. 200 only once every event is durably committed; events already stored (same company and id) count as duplicates.")
            .Produces<IngestionResponse>()
            .DisableRequestTimeout();
        return routes;
    }

    private static async Task<IResult> IngestAsync(HttpContext context, IngestionService ingestion)
    {
        // 413 comes before 415 in spec/access.md's order, so the body is read before its type is judged.
        var (body, failure) = await RequestBody.ReadAsync(context.Request, EventBatch.MaxBytes, context.RequestAborted);
        if (failure is { Status: StatusCodes.Status400BadRequest })
        {
            // A body that cannot be read is a problem with the whole body: events.md's shape, one entry with index null.
            return Results.Json(new InvalidResponse("The request body is invalid; nothing was stored",
                [new { index = (int?)null, id = (string?)null, field = (string?)null, message = failure.Message }]),
                ErrorResponses.Json, statusCode: StatusCodes.Status400BadRequest);
        }

        if (failure is not null)
        {
            return ErrorResponses.Detail(failure.Status, failure.Message);
        }

        using var _ = body;
        if (RequestBody.EventFormat(context.Request) is not { } format)
        {
            return ErrorResponses.Detail(StatusCodes.Status415UnsupportedMediaType,
                $"Unsupported media type \"{context.Request.ContentType}\" in request: use application/json (an array of events) or application/x-ndjson (one event per line).");
        }

        var outcome = await ingestion.IngestAsync(context.Caller(), body!.Memory, format, context.RequestAborted);
        return outcome switch
        {
            IngestionOutcome.Stored stored => Results.Json(new IngestionResponse(stored.Result.Accepted, stored.Result.Duplicates), ErrorResponses.Json),
            IngestionOutcome.Invalid invalid => Results.Json(InvalidResponse.From(invalid.Batch, format), ErrorResponses.Json, statusCode: StatusCodes.Status400BadRequest),
            IngestionOutcome.TooManyEvents => ErrorResponses.Detail(StatusCodes.Status413PayloadTooLarge,
                $"The request holds more than {EventBatch.MaxEvents:N0} events; nothing was stored. Split it into smaller requests."),
            IngestionOutcome.ForbiddenCompany => ErrorResponses.Detail(StatusCodes.Status403Forbidden, ErrorResponses.Forbidden),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome}."),
        };
    }

    public sealed record IngestionResponse(int Accepted, int Duplicates);

    public sealed record InvalidResponse(string Detail, IReadOnlyList<object> Errors)
    {
        public static InvalidResponse From(EventBatch batch, EventBodyFormat format) => new(
            batch.Describe(),
            batch.Errors.Select(error => format == EventBodyFormat.Ndjson
                ? (object)new { index = error.Index, line = error.Line, id = error.Id, field = error.Field, message = error.Message }
                : new { index = error.Index, id = error.Id, field = error.Field, message = error.Message }).ToList());
    }
}
