using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>The tally commands an operator types, against a real running server.</summary>
public sealed partial class CommandLineTests : IAsyncLifetime
{
    private const string AdminKey = "cli-test-admin-key-0123456789abcdef";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("tally-cli-").FullName;
    private TallyProcess _server = null!;

    public async Task InitializeAsync() => _server = await TallyProcess.ServeAsync(_dataDirectory, AdminKey);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private Task<(int ExitCode, string StandardOutput, string StandardError)> TallyAsync(params string[] arguments) =>
        TallyProcess.RunAsync(arguments, new Dictionary<string, string?> { ["TALLY_URL"] = _server.Address.ToString(), ["TALLY_KEY"] = AdminKey });

    [Fact]
    public async Task Keys_are_created_listed_and_revoked_from_the_command_line()
    {
        var created = await TallyAsync("keys", "create", "--name", "feeder", "--role", "ingest", "--company", "3");
        var secret = KeyPattern().Match(created.StandardOutput).Value;
        var listed = await TallyAsync("keys", "list");
        var id = Regex.Match(created.StandardOutput, @"Created key (\d+)").Groups[1].Value;
        var revoked = await TallyAsync("keys", "revoke", id);
        var unknown = await TallyAsync("keys", "revoke", "999");

        created.ExitCode.ShouldBe(0, created.StandardError);
        secret.ShouldNotBeEmpty();
        listed.ExitCode.ShouldBe(0);
        listed.StandardOutput.ShouldContain("feeder");
        listed.StandardOutput.ShouldNotContain(secret);
        revoked.ExitCode.ShouldBe(0);
        unknown.ExitCode.ShouldBe(1, "the server refused: exit 1");
        unknown.StandardError.ShouldStartWith("No API key with id 999. (404 from ");

        using var client = new HttpClient { BaseAddress = _server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await client.PostAsync("/api/v2/events", new StringContent("[]", Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized, "the key was revoked");
    }

    [Fact]
    public async Task Companies_are_set_and_listed_from_the_command_line()
    {
        var set = await TallyAsync("companies", "set", "2", "--name", "Acme", "--timezone", "Asia/Kolkata");
        var bad = await TallyAsync("companies", "set", "2", "--timezone", "Mars/Olympus");
        var list = await TallyAsync("companies", "list");

        set.ExitCode.ShouldBe(0, set.StandardError);
        bad.ExitCode.ShouldBe(1, "the server refused: exit 1");
        bad.StandardError.ShouldContain("timezone");
        list.StandardOutput.ShouldContain("Asia/Kolkata");
        list.StandardOutput.ShouldContain("Acme");
    }

    [Fact]
    public async Task Model_prices_are_set_listed_and_deleted_from_the_command_line()
    {
        var set = await TallyAsync("prices", "set", "alfred/4", "--from", "2025-01-01", "--currency", "EUR", "--input", "2.500000", "--output", "0.000001");
        var later = await TallyAsync("prices", "set", "alfred/4", "--from", "2025-03-01", "--currency", "EUR", "--input", "3", "--output", "1000000");
        var tooPrecise = await TallyAsync("prices", "set", "b", "--from", "2025-01-01", "--currency", "EUR", "--input", "0.0000001", "--output", "1");
        var otherCurrency = await TallyAsync("prices", "set", "b", "--from", "2025-01-01", "--currency", "USD", "--input", "1", "--output", "1");
        var deleted = await TallyAsync("prices", "delete", "alfred/4", "--from", "2025-03-01");
        var unknown = await TallyAsync("prices", "delete", "alfred/4", "--from", "2025-03-01");
        var list = await TallyAsync("prices", "list");

        set.ExitCode.ShouldBe(0, set.StandardError);
        set.StandardOutput.ShouldContain("alfred/4 from 2025-01-01: 2.5 EUR per million input tokens, 0.000001 per million output tokens.");
        later.ExitCode.ShouldBe(0, later.StandardError);
        tooPrecise.ExitCode.ShouldBe(1);
        tooPrecise.StandardError.ShouldContain("no more than 6 decimal places");
        otherCurrency.ExitCode.ShouldBe(1);
        otherCurrency.StandardError.ShouldContain("one currency");
        deleted.ExitCode.ShouldBe(0, deleted.StandardError);
        unknown.ExitCode.ShouldBe(1);
        unknown.StandardError.ShouldStartWith("alfred/4 has no price entry from 2025-03-01.");
        list.StandardOutput.ReplaceLineEndings("\n").ShouldBe(
            "FROM       CURRENCY        INPUT/M       OUTPUT/M MODEL\n2025-01-01 EUR                 2.5       0.000001 alfred/4\n");
    }

    [Fact]
    public async Task Bad_arguments_and_connections_fail_with_a_clear_message()
    {
        var noKey = await TallyProcess.RunAsync(["companies", "list", "--server", _server.Address.ToString()]);
        var wrongKey = await TallyProcess.RunAsync(["companies", "list", "--server", _server.Address.ToString(), "--key", "nope"]);
        var unreachable = await TallyProcess.RunAsync(["companies", "list", "--server", "http://127.0.0.1:9", "--key", AdminKey]);
        var badRole = await TallyAsync("keys", "create", "--name", "x", "--role", "root");
        var badLimit = await TallyProcess.RunAsync(["serve", "--rate-limit", "ingest=fast"]);
        var badProxy = await TallyProcess.RunAsync(["serve", "--trusted-proxy", "10.0.0.5", "--trusted-proxy", "10"]);

        noKey.ExitCode.ShouldBe(2, "no key is a bad setting: exit 2");
        noKey.StandardError.ShouldContain("TALLY_KEY");
        wrongKey.ExitCode.ShouldBe(1);
        wrongKey.StandardError.ShouldContain("Invalid API key");
        wrongKey.StandardOutput.ShouldBeEmpty("a refusal is not preceded by a table's header");
        unreachable.ExitCode.ShouldBe(1);
        unreachable.StandardError.ShouldContain("Cannot reach");
        badRole.ExitCode.ShouldBe(1);
        badRole.StandardError.ShouldContain("root");
        badLimit.ExitCode.ShouldBe(1, "a bad argument: exit 1");
        badLimit.StandardError.ShouldContain("--rate-limit");
        badProxy.ExitCode.ShouldBe(1, "a bad argument: exit 1");
        badProxy.StandardError.ShouldContain("--trusted-proxy '10': expected an IP address (such as 10.0.0.5)", Case.Sensitive, "'10' would read as 0.0.0.10");
        badProxy.StandardError.ShouldNotContain("'10.0.0.5'");
    }

    [Fact]
    public async Task A_first_start_without_a_bootstrap_key_prints_an_admin_key_once_and_data_survives_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("tally-first-").FullName;
        try
        {
            string secret;
            await using (var first = await TallyProcess.ServeAsync(directory, adminKey: null))
            {
                secret = KeyPattern().Match(first.Output).Value;
                secret.ShouldNotBeEmpty(first.Output);
                using var client = new HttpClient { BaseAddress = first.Address };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var put = await client.PutAsync("/api/v2/admin/companies/5",
                    new StringContent("""{"name": "Kept", "timezone": "America/New_York"}""", Encoding.UTF8, "application/json"));
                put.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
                await first.StopAsync();
            }

            await using var second = await TallyProcess.ServeAsync(directory, adminKey: null);
            KeyPattern().IsMatch(second.Output).ShouldBeFalse("an instance-admin key already exists");
            using var again = new HttpClient { BaseAddress = second.Address };
            again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var companies = JsonDocument.Parse(await again.GetStringAsync("/api/v2/admin/companies"));
            companies.RootElement[0].GetProperty("name").GetString().ShouldBe("Kept");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Rebuild_recomputes_the_aggregates_of_a_stopped_store_and_keeps_the_reports()
    {
        var directory = Directory.CreateTempSubdirectory("tally-rebuild-").FullName;
        try
        {
            string before;
            await using (var server = await TallyProcess.ServeAsync(directory, AdminKey, "--demo", "--seed", "3"))
            {
                before = await ReportsAsync(server);
                await server.StopAsync();
            }

            var rebuilt = await TallyProcess.RunAsync(["rebuild", "--data", directory]);
            var missing = await TallyProcess.RunAsync(["rebuild", "--data", Path.Combine(directory, "nothing-here")]);

            rebuilt.ExitCode.ShouldBe(0, rebuilt.StandardError);
            rebuilt.StandardOutput.ShouldContain("rebuilt");
            missing.ExitCode.ShouldBe(2, "no store at --data is a bad setting: exit 2");
            missing.StandardError.ShouldContain("No Tally store");
            await using var again = await TallyProcess.ServeAsync(directory, AdminKey);
            (await ReportsAsync(again)).ShouldBe(before);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> ReportsAsync(TallyProcess server)
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var start = DateTime.UtcNow.AddDays(-100).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var reports = new List<string>();
        foreach (var report in new[] { "chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities" })
        {
            reports.Add(await client.GetStringAsync($"/api/v2/reporting/{report}/?start_date={start}&end_date={end}&format=csv"));
        }

        return string.Join("\n", reports);
    }

    [GeneratedRegex("tally_[A-Za-z0-9_-]{40,}")]
    private static partial Regex KeyPattern();
}
