using System.Net;
using System.Net.Sockets;
using DuckDB.NET.Data;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>A tally that cannot start says what and why in one line on stderr, exits with 1, and harms nothing.</summary>
public sealed class StartFailureTests : IDisposable
{
    private const string AdminKey = "start-failure-admin-key-0123456789";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("tally-start-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private static Task<(int ExitCode, string StandardOutput, string StandardError)> ServeOnceAsync(string dataDirectory, string urls = "http://127.0.0.1:0") =>
        TallyProcess.RunAsync(["serve", "--urls", urls, "--data", dataDirectory], new Dictionary<string, string?> { ["TALLY_ADMIN_KEY"] = AdminKey });

    private static void ShouldBeOneLine((int ExitCode, string StandardOutput, string StandardError) run, string expected)
    {
        run.ExitCode.ShouldBe(1, run.StandardError);
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, run.StandardError);
        lines[0].ShouldStartWith("tally: ");
        lines[0].ShouldContain(expected);
        run.StandardOutput.ShouldNotContain("   at ", Case.Sensitive, "no stack trace on stdout either");
        run.StandardOutput.ShouldNotContain("Exception");
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_folder_says_so_in_one_line_and_the_first_goes_on()
    {
        await using var first = await TallyProcess.ServeAsync(_dataDirectory, AdminKey);
        using var client = new HttpClient { BaseAddress = first.Address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        using var put = await client.PutAsync("/api/v2/admin/companies/7",
            new StringContent("""{"name": "Before"}""", System.Text.Encoding.UTF8, "application/json"));
        put.StatusCode.ShouldBe(HttpStatusCode.Created);

        var second = await ServeOnceAsync(_dataDirectory);
        var rebuild = await TallyProcess.RunAsync(["rebuild", "--data", _dataDirectory]);

        ShouldBeOneLine(second, "is in use by another process");
        ShouldBeOneLine(rebuild, "is in use by another process");
        (await client.GetStringAsync("/api/v2/admin/companies")).ShouldContain("Before");
    }

    [Fact]
    public async Task A_data_folder_whose_file_is_not_a_database_is_refused_in_one_line_and_left_as_it_was()
    {
        var file = Path.Combine(_dataDirectory, "tally.duckdb");
        await File.WriteAllTextAsync(file, "these are notes, not a database; they must survive a wrong --data");

        var run = await ServeOnceAsync(_dataDirectory);

        ShouldBeOneLine(run, "is not a Tally store");
        (await File.ReadAllTextAsync(file)).ShouldStartWith("these are notes");
    }

    [Fact]
    public async Task A_store_of_a_newer_schema_is_refused_in_one_line()
    {
        var file = Path.Combine(_dataDirectory, "tally.duckdb");
        await using (var connection = new DuckDBConnection($"Data Source={file}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL);
                INSERT INTO schema_migrations VALUES (9999, 'from a Tally of the future', now());
                """;
            await command.ExecuteNonQueryAsync();
        }

        var run = await ServeOnceAsync(_dataDirectory);

        ShouldBeOneLine(run, "schema version 9999, newer than this Tally knows");
    }

    [Fact]
    public async Task An_address_in_use_is_refused_in_one_line()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var run = await ServeOnceAsync(_dataDirectory, $"http://127.0.0.1:{port}");

        ShouldBeOneLine(run, $"http://127.0.0.1:{port}: address already in use");
    }
}
