using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// A Paradigm user's Python + pandas script (shared/spec/README.md, extended to feedback and tools and merged on
/// date) runs unchanged against a <c>tally serve --demo</c>, and its totals are the API's.
/// </summary>
public sealed partial class PandasScriptTests : IAsyncLifetime
{
    private const string AdminKey = "pandas-test-admin-key-0123456789abcdef";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("tally-pandas-").FullName;
    private TallyProcess _server = null!;

    public async Task InitializeAsync() => _server = await TallyProcess.ServeAsync(_dataDirectory, AdminKey, "--demo", "--seed", "7");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task The_paradigm_script_runs_unchanged_against_the_demo_and_builds_a_merged_frame()
    {
        // Debian's python3-pandas installs for /usr/bin/python3 (.ci/run installs it), not for another python3 on the PATH.
        File.Exists("/usr/bin/python3").ShouldBeTrue("/usr/bin/python3 is needed (apt-get install python3-pandas python3-requests)");
        var startDate = DateTime.UtcNow.AddDays(-60).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Scripts", "paradigm_report.py")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PARADIGM_API_KEY"] = AdminKey;
        start.Environment["PARADIGM_BASE_URL"] = new Uri(_server.Address, "/api/v2").ToString();
        start.Environment["REPORT_START_DATE"] = startDate;

        using var python = Process.Start(start)!;
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();

        python.ExitCode.ShouldBe(0, $"{output}\n{error}");
        var totals = Totals().Match(output);
        totals.Success.ShouldBeTrue(output);
        using var client = new HttpClient { BaseAddress = _server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var sessions = JsonDocument.Parse(await client.GetStringAsync($"/api/v2/reporting/chat-sessions?company_id=2&start_date={startDate}"));
        var days = sessions.RootElement.GetProperty("reporting")[0].GetProperty("dates").EnumerateArray().ToList();
        int.Parse(totals.Groups["rows"].Value, CultureInfo.InvariantCulture).ShouldBe(days.Count);
        long.Parse(totals.Groups["queries"].Value, CultureInfo.InvariantCulture)
            .ShouldBe(days.Sum(d => d.GetProperty("chats").GetProperty("user_queries_count").GetInt64()));
        long.Parse(totals.Groups["queries"].Value, CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
    }

    [GeneratedRegex(@"ROWS=(?<rows>\d+) QUERIES=(?<queries>\d+) LIKES=(?<likes>\d+) TOOL_CALLS=(?<tools>\d+)")]
    private static partial Regex Totals();
}
