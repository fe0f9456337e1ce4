using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace Tally.Server.Http;

/// <summary>
/// Serves the dashboard (src/Tally.Dashboard, embedded as committed) at <c>/</c>. Its files are public, like
/// <c>/health</c>: the page holds no data and signs in with a key itself. They are served before routing, so the
/// access pipeline never sees them and every <c>/api</c> path still requires a key.
/// </summary>
public static partial class DashboardFiles
{
    /// <summary>Third-party files, each in a folder named after its version: a URL there never changes content.</summary>
    private static readonly PathString VendorFolder = "/vendor";

    private const string Page = "/index.html";

    public static IApplicationBuilder UseDashboardFiles(this IApplicationBuilder app)
    {
        var files = new DashboardResources();
        var contentSecurityPolicy = ContentSecurityPolicyFor(ReadPage(files));
        var compression = CompressionFor(app.ApplicationServices);
        app.UseWhen(context => context.Request.Path == "/" || files.Contains(context.Request.Path), dashboard =>
        {
            dashboard.UseMiddleware<ResponseCompressionMiddleware>(compression);
            dashboard.Use((context, next) =>
            {
                if (context.Request.Path == "/")
                {
                    context.Request.Path = Page;
                }

                return next(context);
            });
            dashboard.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                // The licences beside a vendor file have no extension: plain text (only embedded files are served).
                ServeUnknownFileTypes = true,
                DefaultContentType = "text/plain; charset=utf-8",
                OnPrepareResponse = file =>
                {
                    var headers = file.Context.Response.Headers;
                    headers.ContentSecurityPolicy = contentSecurityPolicy;
                    headers.XContentTypeOptions = "nosniff";
                    headers["Referrer-Policy"] = "no-referrer";
                    // The page and its own modules keep their URLs from one release to the next, so the browser
                    // revalidates them (a 304 without a body while their ETag holds); a vendor URL names its version.
                    headers.CacheControl = file.Context.Request.Path.StartsWithSegments(VendorFolder)
                        ? "public, max-age=31536000, immutable"
                        : "no-cache";
                },
            });
        });
        return app;
    }

    /// <summary>
    /// Only this origin, and the page's one inline script, its import map, by its hash: a script injected into the
    /// page would not run. ECharts writes its tooltips as HTML with style attributes, hence inline styles.
    /// </summary>
    private static string ContentSecurityPolicyFor(string page)
    {
        var importMap = ImportMap().Match(page);
        if (!importMap.Success)
        {
            throw new InvalidOperationException("The embedded dashboard page has no import map.");
        }

        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(importMap.Groups["map"].Value)));
        return $"default-src 'none'; script-src 'self' 'sha256-{hash}'; style-src 'self' 'unsafe-inline'; " +
            "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; " +
            "frame-ancestors 'none'";
    }

    [GeneratedRegex("""<script type="importmap">(?<map>.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex ImportMap();

    private static string ReadPage(DashboardResources files)
    {
        using var page = new StreamReader(files.GetFileInfo(Page).CreateReadStream(), Encoding.UTF8);
        return page.ReadToEnd();
    }

    /// <summary>
    /// Brotli, else gzip, for the text files: the chart library alone is about 1 MB as distributed, a third of that
    /// compressed. Only the page's own files go through this (the branch above): public, without a secret, so over
    /// HTTPS too; an API answer, which holds data and echoes input (what a side channel such as BREACH needs), never.
    /// </summary>
    private static ResponseCompressionProvider CompressionFor(IServiceProvider services)
    {
        var options = new ResponseCompressionOptions
        {
            EnableForHttps = true,
            MimeTypes = ["text/html", "text/css", "text/javascript"],
        };
        options.Providers.Add(new BrotliCompressionProvider(Options.Create(new BrotliCompressionProviderOptions { Level = CompressionLevel.Optimal })));
        options.Providers.Add(new GzipCompressionProvider(Options.Create(new GzipCompressionProviderOptions { Level = CompressionLevel.Optimal })));
        return new ResponseCompressionProvider(services, Options.Create(options));
    }
}
