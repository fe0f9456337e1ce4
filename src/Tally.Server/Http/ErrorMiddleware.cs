using Tally.Observability;
using Tally.Storage;

namespace Tally.Server.Http;

/// <summary>
/// The outermost middleware: turns the exceptions and the bodiless error statuses of everything after it into the
/// JSON error bodies of spec/access.md. Exceptions, while nothing of the response is sent: a core service's
/// <see cref="ValidationException"/> becomes a 400 field map, <see cref="ForbiddenException"/> a 403,
/// <see cref="NotFoundException"/> a 404 (a report's company scope), an outage of the store
/// (<see cref="ITallyStore.IsOutage"/>: a database server that does not answer) a 503 with <c>Retry-After</c>; a
/// <see cref="BadHttpRequestException"/> that
/// Kestrel throws while the body is read (a malformed chunked body, a body shorter than its Content-Length) keeps
/// its status (400, 408, 413...) with a detail; a request the client aborted gets no answer; anything else is
/// logged and becomes a 500 with a detail, never a stack trace (once the response has started, the exception is
/// rethrown and the connection cut). Then an error status set with no body (routing's 404 and 405) gets a detail.
/// What Kestrel refuses before the application runs (a malformed request line or header block) never reaches it.
/// Every refusal that leaves here is counted by its reason (<see cref="RejectionReason"/>).
/// </summary>
public sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger, TallyMetrics metrics, ITallyStore store)
{
    /// <summary>The wait a 503 suggests, in seconds: about what a database server takes to restart.</summary>
    private const string StoreRetryAfterSeconds = "5";

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            if (context.Response.StatusCode >= StatusCodes.Status400BadRequest && !context.RequestAborted.IsCancellationRequested)
            {
                metrics.RequestRejected(RejectionReason(context.Response.StatusCode));
            }
        }
    }

    /// <summary>The <c>reason</c> of <c>tally.requests.rejected</c>: a fixed word per status, so series stay few.</summary>
    public static string RejectionReason(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "invalid_request",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status408RequestTimeout => "request_timeout",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "headers_too_large",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        >= StatusCodes.Status500InternalServerError => "server_error",
        _ => "other",
    };

    private async Task AnswerAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ValidationException exception) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(exception.Errors.ToDictionary(), ErrorResponses.Json);
            return;
        }
        catch (ForbiddenException) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status403Forbidden, ErrorResponses.Forbidden);
            return;
        }
        catch (NotFoundException) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status404NotFound, ErrorResponses.NotFound);
            return;
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            // The client's fault, found by Kestrel while the body was read: its status (400, 408, 413...), not a 500.
            context.Response.Clear();
            await ErrorResponses.WriteDetailAsync(context, exception.StatusCode, $"The request could not be read: {exception.Message}");
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception exception) when (!context.Response.HasStarted && store.IsOutage(exception))
        {
            // A database server that is down or refuses the login is an outage for the operator, not a fault of
            // Tally: a 503 that load balancers and clients retry, its reason logged in one line without a stack.
            logger.LogWarning("The store is unavailable on {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = StoreRetryAfterSeconds;
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorResponses.StoreUnavailable);
            return;
        }
#pragma warning disable CA1031 // The last line of defence: any failure becomes a 500 body without internals.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted)
            {
                throw;
            }

            context.Response.Clear();
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status500InternalServerError,
                "A server error occurred; nothing of this request was stored. It is safe to retry.");
            return;
        }

        if (context.Response.HasStarted || context.Response.ContentLength > 0 || context.Response.StatusCode < StatusCodes.Status400BadRequest)
        {
            return;
        }

        await ErrorResponses.WriteDetailAsync(context, context.Response.StatusCode, context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ErrorResponses.NotFound,
            StatusCodes.Status405MethodNotAllowed => $"Method \"{context.Request.Method}\" not allowed.",
            var status => ErrorResponses.ForStatus(status),
        });
    }
}
