using System.Diagnostics;
using System.Net.Http.Headers;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// <c>tally</c> as an operator installs it: packed as a .NET tool, installed into a temporary tool path from that
/// folder alone, and run from there: it answers <c>--version</c>, and its server serves the dashboard and the API.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tally-tool-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_packed_tool_installs_into_a_tool_path_and_serves_the_dashboard_and_the_api()
    {
        var packages = Path.Combine(_folder, "packages");
        var tools = Path.Combine(_folder, "tools");
        // The build the tests already made, packed as it is: the package is what `dotnet pack src/Tally` makes.
        var pack = await RunAsync("dotnet", ["pack", Path.Combine(TallyExecutable.RepositoryRoot, "src", "Tally"), "-c", TallyExecutable.Configuration, "--no-build", "-o", packages]);
        pack.ExitCode.ShouldBe(0, pack.Output);
        var package = Directory.GetFiles(packages, "Tally.*.nupkg").ShouldHaveSingleItem();
        using (var archive = System.IO.Compression.ZipFile.OpenRead(package))
        {
            archive.Entries.Select(entry => entry.FullName).ShouldContain("THIRD-PARTY-NOTICES.md", "the licences of what the tool carries (ECharts...) travel with it");
            archive.Entries.Select(entry => entry.FullName).ShouldContain("LICENSE");
        }

        var version = Path.GetFileNameWithoutExtension(package)["Tally.".Length..];

        var install = await RunAsync("dotnet", ["tool", "install", "Tally", "--version", version, "--tool-path", tools, "--add-source", packages]);
        install.ExitCode.ShouldBe(0, install.Output);
        var tally = Path.Combine(tools, "tally");

        var versionRun = await RunAsync(tally, ["--version"]);
        versionRun.ExitCode.ShouldBe(0, versionRun.Output);
        versionRun.Output.Trim().ShouldStartWith(version);

        var port = TallyExecutable.FreeLoopbackPort();
        using var server = Process.Start(new ProcessStartInfo(tally, ["serve", "--data", Path.Combine(_folder, "data"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["TALLY_ADMIN_KEY"] = "tool-test-admin-key-0123456789abcdef" },
        })!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await WaitForHealthAsync(http, server);
            using var page = await http.GetAsync("/");
            page.IsSuccessStatusCode.ShouldBeTrue("the dashboard is inside the tool");
            page.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "tool-test-admin-key-0123456789abcdef");
            (await http.GetStringAsync("/api/v2/admin/companies")).ShouldBe("[]");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static async Task WaitForHealthAsync(HttpClient http, Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                using var health = await http.GetAsync("/health");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The installed tally did not answer /health (exited: {server.HasExited}).");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }
}
