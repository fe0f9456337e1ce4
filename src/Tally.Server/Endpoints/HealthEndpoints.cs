namespace Tally.Server.Endpoints;

/// <summary><c>GET /health</c>: answers without a key, for load balancers and scripts waiting for start-up.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", () => Results.Json(new HealthResponse("ok")))
            .WithSummary("Liveness: 200 once the store is open and migrated")
            .WithTags("Health")
            .Produces<HealthResponse>();
        return routes;
    }

    public sealed record HealthResponse(string Status);
}
