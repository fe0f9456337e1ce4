namespace Tally.Server.Http;

/// <summary>
/// Gives every error the JSON body of spec/access.md: unknown paths (404) and methods (405) that routing
/// answered with an empty body, validation exceptions from core services (400), and anything unexpected (500,
/// never a stack trace). Also lets <c>/api/...</c> paths be called with or without a trailing slash.
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

        if (context.Response.HasStarted || context.Response.ContentLength > 0)
        {
            return;
        }

        if (context.Response.StatusCode == StatusCodes.Status404NotFound)
        {
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status404NotFound, ErrorResponses.NotFound);
        }
        else if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed)
        {
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status405MethodNotAllowed, $"Method \"{context.Request.Method}\" not allowed.");
        }
    }
}
