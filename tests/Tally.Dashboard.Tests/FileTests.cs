using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tally.Dashboard.Tests;

/// <summary>
/// The page needs no build step: every file it loads, the chart library through the import map included, is a file of
/// src/Tally.Dashboard served as committed, with its type, its caching and its compression.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed partial class FileTests(DashboardServer server)
{
    private static readonly string DashboardFolder = typeof(FileTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "DashboardFolder").Value!;

    [Fact]
    public async Task Every_module_the_page_loads_and_the_import_mapped_library_are_the_committed_files_with_their_types()
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        var html = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var importMap = ImportMapOf(html);
        importMap.Keys.ShouldBe(["echarts"]);
        importMap["echarts"].ShouldStartWith("/vendor/");

        var loaded = new SortedSet<string>(StringComparer.Ordinal) { "/index.html" };
        var pending = new Queue<string>(ReferencesOf(html));
        while (pending.TryDequeue(out var path))
        {
            if (!loaded.Add(path))
            {
                continue;
            }

            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(path.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript", path);
            var body = await response.Content.ReadAsByteArrayAsync();
            body.ShouldBe(await File.ReadAllBytesAsync(CommittedPath(path)), $"{path} is served as committed");
            // A vendor file is the library's own bundle, read by the browser alone; the page's modules are followed.
            if (path.StartsWith("/src/", StringComparison.Ordinal) && path.EndsWith(".js", StringComparison.Ordinal))
            {
                foreach (var import in ImportsOf(System.Text.Encoding.UTF8.GetString(body)))
                {
                    pending.Enqueue(import.StartsWith('.') ? new Uri(new Uri(server.Address, path), import).AbsolutePath
                        : importMap.TryGetValue(import, out var mapped) ? mapped
                        : throw new ShouldAssertException($"{path} imports '{import}', which the import map does not name"));
                }
            }
        }

        loaded.ShouldContain(importMap["echarts"]);
        loaded.ShouldBe(CommittedFiles(), "the page loads every committed file and only those");
    }

    [Fact]
    public async Task The_library_is_cached_for_good_the_page_and_its_modules_are_revalidated_and_text_is_compressed()
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        var library = ImportMapOf(await client.GetStringAsync(new Uri("/", UriKind.Relative)))["echarts"];

        using var cached = await client.GetAsync(new Uri(library, UriKind.Relative));
        cached.Headers.CacheControl!.ToString().ShouldBe("public, max-age=31536000, immutable");
        foreach (var path in new[] { "/", "/src/main.js", "/src/styles.css" })
        {
            using var first = await client.GetAsync(new Uri(path, UriKind.Relative));
            first.Headers.CacheControl!.NoCache.ShouldBeTrue(path);
            using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            using var revalidated = await client.SendAsync(again);
            revalidated.StatusCode.ShouldBe(HttpStatusCode.NotModified, path);
        }

        var identity = await File.ReadAllBytesAsync(CommittedPath(library));
        foreach (var encoding in new[] { "br", "gzip" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(library, UriKind.Relative));
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
            using var compressed = await client.SendAsync(request);
            compressed.Content.Headers.ContentEncoding.ShouldBe([encoding]);
            compressed.Headers.Vary.ShouldContain("Accept-Encoding");
            var body = await compressed.Content.ReadAsByteArrayAsync();
            body.Length.ShouldBeLessThan(identity.Length / 2, encoding);
            Decompress(body, encoding).ShouldBe(identity, encoding);
        }

        // The API's answers hold data and echo input: never compressed, whatever the browser accepts.
        using var api = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v2/reporting/users/?start_date=2026-01-01", UriKind.Relative));
        api.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DashboardServer.AdminKey);
        api.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        using var answer = await client.SendAsync(api);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Content.Headers.ContentEncoding.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_library_s_licences_are_served_beside_it_as_text()
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        var library = ImportMapOf(await client.GetStringAsync(new Uri("/", UriKind.Relative)))["echarts"];
        var folder = Path.GetDirectoryName(CommittedPath(library))!;
        var licences = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetFileName(file) is "NOTICE" || Path.GetFileName(file).StartsWith("LICENSE", StringComparison.Ordinal))
            .ToList();
        licences.Select(Path.GetFileName).ShouldContain("LICENSE");
        licences.Select(Path.GetFileName).ShouldContain("NOTICE");
        foreach (var licence in licences)
        {
            var path = UrlOf(licence);
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain", path);
            (await response.Content.ReadAsByteArrayAsync()).ShouldBe(await File.ReadAllBytesAsync(licence), path);
        }
    }

    /// <summary>The page's import map, from the one inline script the page has.</summary>
    public static Dictionary<string, string> ImportMapOf(string html) =>
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(ImportMapText(html))!["imports"];

    /// <summary>The import map's text, exactly as the page holds it (what a Content-Security-Policy hash covers).</summary>
    public static string ImportMapText(string html)
    {
        var script = ImportMapScript().Match(html);
        script.Success.ShouldBeTrue("the page has an import map");
        return script.Groups["map"].Value;
    }

    [GeneratedRegex("""<script type="importmap">(?<map>.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex ImportMapScript();

    /// <summary>What the page itself loads: its module script, style sheets and preloaded modules.</summary>
    private static IEnumerable<string> ReferencesOf(string html) =>
        PageReference().Matches(html).Select(match => match.Groups["path"].Value);

    [GeneratedRegex("""<(?:script type="module" src|link rel="(?:stylesheet|modulepreload)" href)="(?<path>/[^"]+)">""")]
    private static partial Regex PageReference();

    /// <summary>The specifiers of a module's static imports and re-exports.</summary>
    private static IEnumerable<string> ImportsOf(string module) =>
        ModuleImport().Matches(module).Select(match => match.Groups["specifier"].Value);

    [GeneratedRegex("""^\s*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*['"](?<specifier>[^'"]+)['"]\s*;""", RegexOptions.Multiline)]
    private static partial Regex ModuleImport();

    private static string CommittedPath(string path) => Path.Combine(DashboardFolder, path.TrimStart('/'));

    private static string UrlOf(string committedFile) => "/" + Path.GetRelativePath(DashboardFolder, committedFile).Replace('\\', '/');

    /// <summary>The page, the modules and styles under src/, and the vendor scripts: what Tally.Server embeds.</summary>
    private static SortedSet<string> CommittedFiles()
    {
        var files = Directory.EnumerateFiles(Path.Combine(DashboardFolder, "src"), "*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(".js", StringComparison.Ordinal) || file.EndsWith(".css", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(Path.Combine(DashboardFolder, "vendor"), "*.js", SearchOption.AllDirectories))
            .Append(Path.Combine(DashboardFolder, "index.html"));
        return new SortedSet<string>(files.Select(UrlOf), StringComparer.Ordinal);
    }

    private static byte[] Decompress(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decompressing = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decompressing.CopyTo(output);
        return output.ToArray();
    }
}
