using System.Net;
using System.Net.Sockets;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// Choosing the store from the command line: <c>--store</c>/<c>TALLY_STORE</c> for a PostgreSQL database,
/// <c>--data</c> for the embedded store. A bad setting is one line and exit 2; a store that cannot be used, one line and exit 1.
/// </summary>
public sealed class StoreOptionTests
{
    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Theory]
    [InlineData("serve")]
    [InlineData("rebuild")]
    public async Task A_store_that_is_neither_a_url_nor_key_value_pairs_is_one_line_and_exit_2(string command)
    {
        var words = await TallyProcess.RunAsync([command, "--store", "db.example.com"]);
        var otherScheme = await TallyProcess.RunAsync([command, "--store", "mysql://user:secret@db.example.com/tally"]);
        var fromEnvironment = await TallyProcess.RunAsync([command], new Dictionary<string, string?> { ["TALLY_STORE"] = "just-a-name" });

        foreach (var (result, source) in new[] { (words, "--store"), (otherScheme, "--store"), (fromEnvironment, "TALLY_STORE") })
        {
            result.ExitCode.ShouldBe(2, result.StandardError);
            Lines(result.StandardError).ShouldHaveSingleItem().ShouldStartWith(source);
            result.StandardError.ShouldContain("postgres://");
            result.StandardError.ShouldNotContain("secret");
        }
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("rebuild")]
    public async Task A_store_and_a_data_folder_together_are_refused(string command)
    {
        var folder = Directory.CreateTempSubdirectory("tally-both-").FullName;
        try
        {
            var both = await TallyProcess.RunAsync([command, "--store", "Host=127.0.0.1;Database=tally", "--data", folder]);
            var bothVariables = await TallyProcess.RunAsync([command],
                new Dictionary<string, string?> { ["TALLY_STORE"] = "Host=127.0.0.1;Database=tally", ["TALLY_DATA"] = folder });

            both.ExitCode.ShouldBe(2, both.StandardError);
            Lines(both.StandardError).ShouldHaveSingleItem().ShouldContain("--store and --data");
            bothVariables.ExitCode.ShouldBe(2, bothVariables.StandardError);
            Lines(bothVariables.StandardError).ShouldHaveSingleItem().ShouldContain("TALLY_STORE and TALLY_DATA");
            Directory.EnumerateFileSystemEntries(folder).ShouldBeEmpty("nothing was opened");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("rebuild")]
    [Trait("Engine", "PostgreSQL")]
    public async Task A_database_server_that_does_not_answer_is_one_clear_line_and_exit_1(string command)
    {
        var port = ClosedPort();
        var store = $"Host=127.0.0.1;Port={port};Database=tally;Username=tally;Password=hunter2-secret;Timeout=5";

        var result = await TallyProcess.RunAsync([command, "--store", store]);

        result.ExitCode.ShouldBe(1, result.StandardError);
        var line = Lines(result.StandardError).ShouldHaveSingleItem("one line, no stack trace");
        line.ShouldContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), customMessage: "the operator is told which server did not answer");
        result.StandardError.ShouldNotContain("hunter2-secret");
        result.StandardOutput.ShouldNotContain("hunter2-secret");
    }

    [Fact]
    [Trait("Engine", "PostgreSQL")]
    public async Task Serve_on_a_postgres_url_names_the_store_without_its_password()
    {
        await using var database = await StoreEngine.PostgreSqlAsync("serve-url");
        var cluster = await PostgresCluster.SharedAsync();
        var name = new Npgsql.NpgsqlConnectionStringBuilder(database.Location).Database;
        // The cluster trusts loopback, so any password is accepted: it is here to be masked.
        var url = $"postgres://{PostgresCluster.Superuser}:hunter2-secret@127.0.0.1:{cluster.Port}/{name}";

        await using (var server = await TallyProcess.ServeOnStoreAsync(url, "store-test-admin-key-0123456789abcdef"))
        {
            server.Output.ShouldContain("PostgreSQL");
            server.Output.ShouldNotContain("hunter2-secret");
            await server.StopAsync();
        }
    }

    private static int ClosedPort()
    {
        // A port just freed by the system: nothing listens on it for the few seconds of the test.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
