namespace Tally.Server.Http;

/// <summary>
/// Gives every error the JSON body of spec/access.md: any error status the framework set with an empty body
/// (routing's 404 and 405, a parameter binding's 400), validation exceptions from core services (400), requests
/// Kestrel refuses while the application reads them (a malformed chunked body, a body shorter than its
/// Content-Length), and anything unexpected (500, never a stack trace).
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
