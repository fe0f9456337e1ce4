using System.Diagnostics;

namespace Tally.Server.Http;

/// <summary>
/// One log line per request, at Debug: method, path and query (as sent, percent-encoded, so that no request can
/// write a line break into the log), status and time taken. ASP.NET Core's own per-request entries (five per
/// request at Information) are filtered out below Warning unless the level is Trace.
/// </summary>
internal sealed partial class RequestLog(RequestDelegate next, ILogger<RequestLog> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var request = context.Request;
            Served(logger, request.Method, request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
                context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Method} {Path} {Status} in {ElapsedMs:0.0} ms")]
    private static partial void Served(ILogger logger, string method, string path, int status, double elapsedMs);
}
