using Tally.Storage;
using Tally.Server.Http;

namespace Tally.Server.Endpoints;

/// <summary>
/// <c>GET|HEAD /health</c> (liveness) and <c>GET|HEAD /health/ready</c> (readiness): answer without a key, for load
/// balancers, orchestrators and scripts waiting for start-up.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>How long readiness waits for the store before calling it unreachable.</summary>
    public static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", Live)
            .WithSummary("Liveness: 200 once the store is open and migrated (HEAD: the same without a body)")
            .WithTags("Health")
            .Produces<HealthResponse>();
        routes.MapGet("/health/ready", ReadyAsync)
            .WithSummary("Readiness: 200 while the store answers a query within 3 seconds, 503 otherwise (HEAD: the same without a body)")
            .WithTags("Health")
            .Produces<HealthResponse>()
            .Refuses(StatusCodes.Status503ServiceUnavailable, "The store is unreachable (a stopped database server) or did not answer in time.");
        // HEAD answers like GET without a body (the server drops it); the document describes GET, which says so.
        routes.MapMethods("/health", [HttpMethods.Head], Live).ExcludeFromDescription();
        routes.MapMethods("/health/ready", [HttpMethods.Head], ReadyAsync).ExcludeFromDescription();
        return routes;
    }

    private static IResult Live() => Results.Json(new HealthResponse("ok"));

    private static async Task<IResult> ReadyAsync(IApiKeyStore store, HttpContext context)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(ReadinessTimeout);
        try
        {
            // The cheapest query every engine has: an indexed existence check.
            await store.HasActiveInstanceAdminKeyAsync(timeout.Token).WaitAsync(timeout.Token);
            return Results.Json(new HealthResponse("ready"));
        }
#pragma warning disable CA1031 // Any failure of the store means "not ready"; its cause is for the logs, not the prober.
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return ErrorResponses.Detail(StatusCodes.Status503ServiceUnavailable, "The store is unreachable; the server cannot answer requests now.");
        }
    }

    public sealed record HealthResponse(string Status);
}
