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
            .WithTags("Events")
            .WithSummary("Send a batch of events (JSON array or NDJSON)")
            .WithDescription("All or nothing: every event is validated first. 200 only once every event is durably committed; events already stored (same company and id) count as duplicates. At most 10,000 events and 16 MiB after decompression; Content-Encoding: gzip is accepted. The fields of each type are in spec/events.md.")
            .WithRequestBody<EventRequest>("application/json", array: true)
            .WithRequestExample("application/json", $"[{string.Join(", ", ExampleEvents)}]")
            .AlsoAccepts("application/x-ndjson", "One event object per line.", string.Join("\n", ExampleEvents) + "\n")
            .AlsoAccepts("application/jsonl", "One event object per line.", string.Join("\n", ExampleEvents) + "\n")
            .Produces<IngestionResponse>()
            .Refuses(StatusCodes.Status400BadRequest, "An invalid event (every problem listed) or a body that is not a JSON array or NDJSON, or not whole (invalid gzip); nothing was stored.", ErrorBody.EventsOrDetail)
            .Refuses(StatusCodes.Status403Forbidden, "A key bound to a company sending another company's events; nothing was stored.")
            .Refuses(StatusCodes.Status413PayloadTooLarge, "More than 10,000 events, or a body over 16 MiB after decompression; nothing was stored.")
            .Refuses(StatusCodes.Status415UnsupportedMediaType, "A content type other than application/json, application/x-ndjson or application/jsonl, or a content encoding other than gzip.")
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

    /// <summary>A member's first morning: the example of the OpenAPI document.</summary>
    private static readonly string[] ExampleEvents =
    [
        """{"id": "evt-1", "type": "member_joined", "timestamp": "2026-03-02T08:58:00Z", "company_id": 2, "user_id": 17, "user_name": "Ada Lovelace", "email": "ada@example.com"}""",
        """{"id": "evt-2", "type": "connection", "timestamp": "2026-03-02T08:59:00Z", "company_id": 2, "user_id": 17, "ip": "203.0.113.7", "user_agent": "Mozilla/5.0", "auth_method": "sso"}""",
        """{"id": "evt-3", "type": "session_started", "timestamp": "2026-03-02T09:00:00Z", "company_id": 2, "user_id": 17, "session_id": "s-1", "mode": "chat"}""",
        """{"id": "evt-4", "type": "user_query", "timestamp": "2026-03-02T09:00:05Z", "company_id": 2, "user_id": 17, "session_id": "s-1"}""",
        """{"id": "evt-5", "type": "tool_call", "timestamp": "2026-03-02T09:00:06Z", "company_id": 2, "user_id": 17, "session_id": "s-1", "tool_name": "document_search", "duration_ms": 420}""",
        """{"id": "evt-6", "type": "model_response", "timestamp": "2026-03-02T09:00:09Z", "company_id": 2, "user_id": 17, "session_id": "s-1", "response_id": "r-1", "model": "alfred-4", "documents": [{"id": 12, "filename": "policy.pdf", "title": "Travel policy"}], "latency_ms": 3100}""",
        """{"id": "evt-7", "type": "feedback", "timestamp": "2026-03-02T09:01:00Z", "company_id": 2, "user_id": 17, "response_id": "r-1", "kind": "like"}""",
    ];

    public sealed record IngestionResponse(int Accepted, int Duplicates);

    // For the OpenAPI document only: the endpoint reads the bytes itself (EventBodyReader).

    /// <summary>An event: the common fields, then those of its type (spec/events.md); fields of other types are ignored.</summary>
    public sealed record EventRequest(
        string Id,
        string Type,
        string Timestamp,
        long CompanyId,
        long UserId,
        string? SessionId = null,
        string? Mode = null,
        string? ResponseId = null,
        string? Model = null,
        IReadOnlyList<EventDocument>? Documents = null,
        long? LatencyMs = null,
        long? InputTokens = null,
        long? OutputTokens = null,
        string? ToolName = null,
        string? ToolType = null,
        string? Status = null,
        long? DurationMs = null,
        string? Kind = null,
        string? UserName = null,
        string? Email = null,
        string? Ip = null,
        string? UserAgent = null,
        string? AuthMethod = null);

    /// <summary>A document a <c>model_response</c> used.</summary>
    public sealed record EventDocument(long Id, string Filename, string? Title = null);

    public sealed record InvalidResponse(string Detail, IReadOnlyList<object> Errors)
    {
        public static InvalidResponse From(EventBatch batch, EventBodyFormat format) => new(
            batch.Describe(),
            batch.Errors.Select(error => format == EventBodyFormat.Ndjson
                ? (object)new { index = error.Index, line = error.Line, id = error.Id, field = error.Field, message = error.Message }
                : new { index = error.Index, id = error.Id, field = error.Field, message = error.Message }).ToList());
    }
}
