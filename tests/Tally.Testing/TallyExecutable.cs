using System.Net;
using System.Net.Sockets;

namespace Tally.Testing;

/// <summary>
/// Where this build's <c>tally</c> executable is, for what runs it as a child process (the CLI tests, the soak
/// benchmark, which compiles this file in), and a free loopback port to serve it on.
/// </summary>
public static class TallyExecutable
{
    /// <summary>The build configuration (Debug or Release) of the program asking, which is also the one tally was built in.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The repository's root folder (where Tally.slnx is).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "Tally.slnx")))
            {
                root = root.Parent;
            }

            return root?.FullName ?? throw new InvalidOperationException($"Tally.slnx not found above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>src/Tally's tally.dll, built in the configuration of the program asking.</summary>
    public static string Path
    {
        get
        {
            var path = System.IO.Path.Combine(RepositoryRoot, "src", "Tally", "bin", Configuration, "net10.0", "tally.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Tally first.", path);
        }
    }

    /// <summary>A loopback port free at the time of asking.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
