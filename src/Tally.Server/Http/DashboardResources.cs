using System.Reflection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Embedded;
using Microsoft.Extensions.Primitives;

namespace Tally.Server.Http;

/// <summary>
/// The dashboard's files as Tally.Server.csproj embeds them: the resource <c>Tally.Server.Dashboard/src/main.js</c>
/// answers the path <c>/src/main.js</c>, exactly (case-sensitive, no other spelling). No other resource of the assembly
/// can be reached, and no folder is listed.
/// </summary>
// Not EmbeddedFileProvider: it finds a file in a folder named like "echarts-5.6.0" under another resource name
// (the one MSBuild would derive), and answers "/a.b.js" and "/a/b.js" alike.
internal sealed class DashboardResources : IFileProvider
{
    private const string Prefix = "Tally.Server.Dashboard/";

    private readonly Assembly _assembly = typeof(DashboardResources).Assembly;
    private readonly Dictionary<string, string> _resourceByPath;
    private readonly DateTimeOffset _lastModified;

    public DashboardResources()
    {
        _resourceByPath = _assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(name => "/" + name[Prefix.Length..].Replace('\\', '/'), StringComparer.Ordinal);
        // Static files derive each file's ETag from this and its length: a new build is revalidated as changed. Inside
        // a single-file executable the assembly has no path, and the time the server started stands in.
        _lastModified = string.IsNullOrEmpty(_assembly.Location) ? DateTimeOffset.UtcNow : File.GetLastWriteTimeUtc(_assembly.Location);
    }

    public bool Contains(PathString path) => path.HasValue && _resourceByPath.ContainsKey(path.Value);

    public IFileInfo GetFileInfo(string subpath) =>
        _resourceByPath.TryGetValue(subpath, out var resource)
            ? new EmbeddedResourceFileInfo(_assembly, resource, Path.GetFileName(subpath), _lastModified)
            : new NotFoundFileInfo(subpath);

    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;
}
