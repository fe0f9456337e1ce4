using System.Net;
using System.Security.Cryptography;
using System.Text;
using Tally.Testing;

namespace Tally.Dashboard.Tests;

/// <summary>The page is public and self-contained; the API behind it is not.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ServingTests(DashboardServer server)
{
    [Fact]
    public async Task The_page_and_its_assets_need_no_key_and_allow_no_other_origin_while_the_api_still_does()
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        var html = await page.Content.ReadAsStringAsync();
        csp.ShouldContain("default-src 'none'");
        // Scripts from this origin, and the one inline script, the import map, by its hash: never 'unsafe-inline'.
        var importMapHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(FileTests.ImportMapText(html))));
        csp.ShouldContain($"script-src 'self' 'sha256-{importMapHash}';");
        csp.ShouldContain("connect-src 'self';");
        csp.ShouldContain("frame-ancestors 'none'");
        html.ShouldNotContain("http://");
        html.ShouldNotContain("https://");

        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/[^\"]+\\.js)\"").Groups[1].Value;
        using var asset = await client.GetAsync(new Uri(script, UriKind.Relative));
        asset.StatusCode.ShouldBe(HttpStatusCode.OK);
        asset.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");

        using var api = await client.GetAsync(new Uri("/api/v2/reporting/users/?start_date=2026-01-01", UriKind.Relative));
        api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var unknown = await client.GetAsync(new Uri("/no-such-file.js", UriKind.Relative));
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_server_started_without_the_demo_serves_the_page_too()
    {
        var data = Directory.CreateTempSubdirectory("tally-dashboard-empty-").FullName;
        try
        {
            await using var empty = await TallyProcess.ServeAsync(data, DashboardServer.AdminKey);
            using var client = new HttpClient { BaseAddress = empty.Address };
            (await client.GetStringAsync(new Uri("/", UriKind.Relative))).ShouldContain("<title>Tally dashboard</title>");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
