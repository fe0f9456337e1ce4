namespace Tally.Server.Http;

/// <summary>
/// The outermost middleware: turns the exceptions and the bodiless error statuses of everything after it into the
/// JSON error bodies of spec/access.md. Exceptions, while nothing of the response is sent: a core service's
/// <see cref="ValidationException"/> becomes a 400 field map, <see cref="ForbiddenException"/> a 403 and
/// <see cref="NotFoundException"/> a 404 (a report's company scope); a <see cref="BadHttpRequestException"/> that
/// Kestrel throws while the body is read (a malformed chunked body, a body shorter than its Content-Length) keeps
/// its status (400, 408, 413...) with a detail; a request the client aborted gets no answer; anything else is
/// logged and becomes a 500 with a detail, never a stack trace (once the response has started, the exception is
/// rethrown and the connection cut). Then an error status set with no body (routing's 404 and 405) gets a detail.
/// What Kestrel refuses before the application runs (a malformed request line or header block) never reaches it.
/// </summary>
public sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
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
