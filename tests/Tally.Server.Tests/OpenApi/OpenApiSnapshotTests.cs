using System.Runtime.CompilerServices;

namespace Tally.Server.Tests.OpenApi;

/// <summary>
/// The wire contract as the server describes it: the served <c>/openapi/v1.json</c> must equal the committed
/// <c>openapi.v1.json</c> beside this file, so a change to a route, a parameter, a response or a report's JSON shows
/// up as a failing test and a reviewed diff, never by accident. When the API changes on purpose, rewrite the
/// snapshot and commit it with the change:
/// <code>TALLY_UPDATE_OPENAPI_SNAPSHOT=1 dotnet test tests/Tally.Server.Tests --filter "FullyQualifiedName~OpenApi"</code>
/// </summary>
public sealed class OpenApiSnapshotTests : IAsyncLifetime
{
    public const string UpdateVariable = "TALLY_UPDATE_OPENAPI_SNAPSHOT";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The committed snapshot, in the source tree (not the build output), so that it can be rewritten.</summary>
    public static string SnapshotPath([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "openapi.v1.json");

    public static async Task<string> ServedAsync(TestServer server)
    {
        using var client = server.Client(null);
        return (await client.GetStringAsync("/openapi/v1.json")).ReplaceLineEndings("\n").TrimEnd('\n') + "\n";
    }

    [Fact]
    public async Task The_served_openapi_document_is_the_committed_snapshot()
    {
        var served = await ServedAsync(_server);
        var path = SnapshotPath();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, served);
        }

        File.Exists(path).ShouldBeTrue($"No snapshot at {path}: write it with {UpdateVariable}=1 (see this test's comment).");
        var committed = (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n");
        if (committed == served)
        {
            return;
        }

        var servedCopy = Path.Combine(AppContext.BaseDirectory, "openapi.v1.served.json");
        await File.WriteAllTextAsync(servedCopy, served);
        var servedLines = served.Split('\n');
        var committedLines = committed.Split('\n');
        var line = Enumerable.Range(0, Math.Max(servedLines.Length, committedLines.Length))
            .First(i => i >= servedLines.Length || i >= committedLines.Length || servedLines[i] != committedLines[i]);
        Assert.Fail(
            $"The served /openapi/v1.json differs from the committed snapshot {path}, first at line {line + 1}:\n" +
            $"  committed: {(line < committedLines.Length ? committedLines[line].Trim() : "(end of file)")}\n" +
            $"  served:    {(line < servedLines.Length ? servedLines[line].Trim() : "(end of file)")}\n" +
            $"The whole served document is in {servedCopy}. If the API changed on purpose, rewrite the snapshot with " +
            $"{UpdateVariable}=1 dotnet test tests/Tally.Server.Tests --filter \"FullyQualifiedName~OpenApi\" and commit it; " +
            "otherwise the change to the wire contract is a mistake.");
    }
}
