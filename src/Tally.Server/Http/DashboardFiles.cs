using Microsoft.Extensions.FileProviders;

namespace Tally.Server.Http;

/// <summary>
/// Serves the dashboard (src/Tally.Dashboard, embedded at build time) at <c>/</c>. Its files are public, like
/// <c>/health</c>: the page holds no data and signs in with a key itself. They are served before routing, so the
/// access pipeline never sees them and every <c>/api</c> path still requires a key.
/// </summary>
public static class DashboardFiles
{
    /// <summary>Only this origin: the page's scripts, styles and API calls are all same-origin and nothing is framed.</summary>
    // ECharts writes its tooltips as HTML with style attributes, hence 'unsafe-inline' for styles only; scripts stay 'self'.
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseDashboardFiles(this IApplicationBuilder app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardFiles).Assembly, "Tally.Server.Dashboard");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = file =>
            {
                var headers = file.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Scripts and styles carry a content hash in their names; the page itself must be revalidated to pick up a new build.
                headers.CacheControl = file.File.Name == "index.html" ? "no-cache" : "public, max-age=31536000, immutable";
            },
        });
        return app;
    }
}
