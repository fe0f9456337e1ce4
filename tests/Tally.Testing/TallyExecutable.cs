using System.Net;
using System.Net.Sockets;

namespace Tally.Testing;

/// <summary>
/// Where this build's <c>tally</c> executable is, for what runs it as a child process (the CLI tests, the soak
/// benchmark, which compiles this file in), and a free loopback port to serve it on.
/// </summary>
public static class TallyExecutable
{
    /// <summary>src/Tally's tally.dll, built in the configuration (Debug or Release) of the program asking.</summary>
    public static string Path
    {
        get
        {
            var baseDirectory = AppContext.BaseDirectory;
            var separator = System.IO.Path.DirectorySeparatorChar;
            var configuration = baseDirectory.Contains($"{separator}Release{separator}", StringComparison.Ordinal) ? "Release" : "Debug";
            var root = new DirectoryInfo(baseDirectory);
            while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "Tally.slnx")))
            {
                root = root.Parent;
            }

            var path = System.IO.Path.Combine(root?.FullName ?? throw new InvalidOperationException($"Tally.slnx not found above {baseDirectory}."),
                "src", "Tally", "bin", configuration, "net10.0", "tally.dll");
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
