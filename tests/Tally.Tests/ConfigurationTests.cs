using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// The settings of <c>tally serve</c> from a configuration file, the environment and the command line, in that
/// order of precedence (the command line wins), the log level and format among them; a bad setting at any level is
/// told with its source, exit 2.
/// </summary>
public sealed class ConfigurationTests : IDisposable
{
    private const string AdminKey = "configuration-test-admin-key-0123456789";
    private readonly string _folder = Directory.CreateTempSubdirectory("tally-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_command_line_wins_over_the_environment_which_wins_over_the_file()
    {
        var fromFlag = Path.Combine(_folder, "from-flag");
        var config = await WriteAsync("tally.json", $$"""
            {
              // Comments are allowed, as in appsettings.json.
              "urls": "http://127.0.0.1:9",
              "data": "{{Path.Combine(_folder, "from-file")}}",
              "logLevel": "debug",
              "logFormat": "text",
              "adminKey": "{{AdminKey}}"
            }
            """);

        // --urls (ServeAsync's own) beats the file's unusable port, --data beats the file's folder, TALLY_LOG_FORMAT
        // beats the file's format; the file's level and admin key hold where nothing else speaks.
        await using var server = await TallyProcess.ServeAsync(["--data", fromFlag], new Dictionary<string, string?> { ["TALLY_LOG_FORMAT"] = "json" }, "--config", config);
        using var client = new HttpClient { BaseAddress = server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var companies = await client.GetAsync("/api/v2/admin/companies");
        await server.StopAsync();

        companies.IsSuccessStatusCode.ShouldBeTrue("the file's admin key is accepted");
        Directory.Exists(fromFlag).ShouldBeTrue();
        Directory.Exists(Path.Combine(_folder, "from-file")).ShouldBeFalse();
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        entries.ShouldContain(entry => entry.GetProperty("Message").GetString()!.StartsWith($"Tally is listening on {server.Address.ToString().TrimEnd('/')}", StringComparison.Ordinal));
        var requests = entries.Where(entry => entry.GetProperty("Category").GetString() == "Tally.Server.Http.RequestLog").Select(entry => entry.GetProperty("Message").GetString()!).ToList();
        requests.Count.ShouldBeGreaterThanOrEqualTo(2, "debug logs one line per request (health checks and the companies request)");
        requests.ShouldContain(message => Regex.IsMatch(message, @"^GET /api/v2/admin/companies 200 in \d+\.\d ms$"));
        entries.ShouldNotContain(entry => entry.GetProperty("Category").GetString()!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal),
            "ASP.NET Core's five entries per request are not written");
    }

    [Fact]
    public async Task At_the_default_level_a_request_writes_no_log_line()
    {
        await using var server = await TallyProcess.ServeAsync(["--data", Path.Combine(_folder, "data")], AdminKey);
        using var client = new HttpClient { BaseAddress = server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var before = server.Output;
        for (var i = 0; i < 5; i++)
        {
            (await client.GetAsync("/api/v2/admin/companies")).EnsureSuccessStatusCode();
        }

        await Task.Delay(200);
        server.Output.ShouldBe(before);
    }

    [Fact]
    public async Task A_bad_setting_at_any_level_is_named_with_its_source_and_exits_2()
    {
        var unknownKey = await WriteAsync("typo.json", """{"url": "http://127.0.0.1:8080"}""");
        var notJson = await WriteAsync("broken.json", "{\n  \"urls\": \n}");
        var badValues = await WriteAsync("values.json", """{"demo": true, "seed": "many", "rateLimits": {"ingest": "fast"}, "trustedProxies": ["10.0.0.0/8", "10.1.2.3/8", "192.0.2.7"]}""");

        var typo = await TallyProcess.RunAsync(["serve", "--config", unknownKey]);
        var broken = await TallyProcess.RunAsync(["serve", "--config", notJson]);
        var values = await TallyProcess.RunAsync(["serve", "--config", badValues], new Dictionary<string, string?> { ["TALLY_LOG_LEVEL"] = "loud" });
        var missing = await TallyProcess.RunAsync(["rebuild", "--config", Path.Combine(_folder, "absent.json")]);

        typo.ExitCode.ShouldBe(2, typo.StandardError);
        typo.StandardError.ShouldStartWith("typo.json: unknown setting 'url'; the settings are urls, data, store,");
        broken.ExitCode.ShouldBe(2, broken.StandardError);
        broken.StandardError.Trim().ShouldBe("broken.json is not valid JSON (line 3, byte 1).");
        values.ExitCode.ShouldBe(2, values.StandardError);
        values.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(
        [
            "values.json: rateLimits 'ingest=fast': the limit must be PERMITS[/BURST], positive whole numbers.",
            "TALLY_LOG_LEVEL 'loud': expected trace, debug, information, warning, error, critical or none.",
            "values.json: seed 'many': expected a whole number.",
            "values.json: trustedProxies '10.1.2.3/8': expected an IP address (such as 10.0.0.5) or a network (such as 10.0.0.0/8, no bits set past the prefix).",
        ], ignoreOrder: true);
        missing.ExitCode.ShouldBe(2, missing.StandardError);
        missing.StandardError.ShouldStartWith("--config: cannot read ");
    }

    private async Task<string> WriteAsync(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllTextAsync(path, content);
        return path;
    }
}
