using System.Net;
using Tally.Server.Http;

namespace Tally.Server.Endpoints;

/// <summary>
/// <c>GET /metrics</c>: Tally's meter in the Prometheus text format. It needs no key (a scraper holds no API key), so
/// by default it answers only loopback clients, 403 otherwise: a Prometheus on the same host, or a reverse proxy
/// the operator chooses to expose it through; <see cref="TallyServerOptions.MetricsFromAnyAddress"/> opens it.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapPrometheusScrapingEndpoint(Path)
            .WithSummary("Metrics in the Prometheus text format (no key; loopback clients only unless configured)")
            .WithTags("Health")
            .AlsoAnswers(StatusCodes.Status200OK, "text/plain", ApiDescription.TextSchema())
            .Refuses(StatusCodes.Status403Forbidden, "A client that is not on loopback, while metrics are open to loopback only.");
        return routes;
    }

    public static IApplicationBuilder UseMetricsAccess(this IApplicationBuilder app, TallyServerOptions options) =>
        app.Use(async (context, next) =>
        {
            if (!options.MetricsFromAnyAddress && context.Request.Path.Equals(Path, StringComparison.Ordinal)
                && context.Connection.RemoteIpAddress is { } address && !IPAddress.IsLoopback(address))
            {
                await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status403Forbidden, ErrorResponses.Forbidden);
                return;
            }

            await next(context);
        });
}
