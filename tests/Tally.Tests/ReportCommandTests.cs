using System.Globalization;
using System.Net.Http.Headers;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>A real <c>tally serve --demo</c> with its demo organisation, shared by the report-command tests.</summary>
public sealed class DemoProcess : IAsyncLifetime
{
    public const string AdminKey = "report-test-admin-key-0123456789abcdef";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("tally-report-").FullName;

    public TallyProcess Server { get; private set; } = null!;

    /// <summary>A fixed, fully written range inside the demo's 90 days (the same request is made of the API and the CLI).</summary>
    public DateOnly Start { get; } = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-20);

    public DateOnly End { get; } = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-2);

    public string Output { get; } = Directory.CreateTempSubdirectory("tally-report-out-").FullName;

    public async Task InitializeAsync()
    {
        Server = await TallyProcess.ServeAsync(_dataDirectory, AdminKey, "--demo", "--seed", "7");
        // Every demo model priced, one of them twice inside the range, so that costs are numbers that change mid-range.
        foreach (var (model, from, input, output) in new[]
        {
            ("alfred-4", Start.AddDays(-400), "2.5", "10"), ("alfred-4", Start.AddDays(7), "3.123457", "12.5"),
            ("mistral-large", Start.AddDays(-400), "0.7", "2.1"), ("llama-3.3-70b", Start.AddDays(-400), "0.2", "0.6"), ("gpt-4o", Start.AddDays(-400), "5", "15"),
        })
        {
            var run = await TallyAsync("prices", "set", model, "--from", $"{from:yyyy-MM-dd}", "--currency", "EUR", "--input", input, "--output", output);
            run.ExitCode.ShouldBe(0, run.StandardError);
        }
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
        Directory.Delete(Output, recursive: true);
    }

    public Task<(int ExitCode, string StandardOutput, string StandardError)> TallyAsync(params string[] arguments) =>
        TallyProcess.RunAsync(arguments, new Dictionary<string, string?> { ["TALLY_URL"] = Server.Address.ToString(), ["TALLY_KEY"] = AdminKey });

    /// <summary>
    /// The server's own CSV of <paramref name="report"/> as rows; for <c>models</c>, with the JSON's currency on every row,
    /// the column the exports add.
    /// </summary>
    public async Task<List<Dictionary<string, string>>> ApiCsvRowsAsync(string report, string query)
    {
        var rows = ExportedRows.FromCsv(await ApiAsync(report, query + "&format=csv"));
        if (report == "models")
        {
            using var json = System.Text.Json.JsonDocument.Parse(await ApiAsync(report, query));
            var currency = json.RootElement.GetProperty("currency").GetString() ?? "";
            rows.ForEach(row => row["currency"] = currency);
        }

        return rows;
    }

    public async Task<string> ApiAsync(string report, string query)
    {
        using var client = new HttpClient { BaseAddress = Server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return await client.GetStringAsync($"/api/v2/reporting/{report}/?start_date={Start:yyyy-MM-dd}&end_date={End:yyyy-MM-dd}{query}");
    }
}

/// <summary><c>tally report</c>, <c>tally plot</c> and <c>tally report html</c> against a real server, read back and checked.</summary>
public sealed partial class ReportCommandTests(DemoProcess demo) : IClassFixture<DemoProcess>
{
    public static TheoryData<string, string, string> Exports()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var report in new[] { "chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "user-activities --users", "connections", "models", "satisfaction" })
        {
            foreach (var format in new[] { "csv", "json", "parquet", "xlsx" })
            {
                data.Add(report, format, "");
            }
        }

        data.Add("tools", "csv", "--company 3");
        data.Add("user-activities", "json", "--company 1 --user 5");
        data.Add("chat-sessions", "parquet", "--granularity week");
        data.Add("used-documents", "csv", "--granularity month");
        data.Add("user-activities", "xlsx", "--granularity total");
        data.Add("tools", "json", "--granularity week --company 2");
        data.Add("models", "csv", "--granularity week");
        data.Add("models", "parquet", "--granularity month");
        data.Add("models", "json", "--granularity total --company 3");
        data.Add("satisfaction", "json", "--granularity week");
        data.Add("satisfaction", "parquet", "--granularity month --company 2");
        data.Add("satisfaction", "csv", "--granularity total");
        return data;
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public async Task Every_report_exported_reads_back_equal_to_the_APIs_JSON(string report, string format, string extra)
    {
        var words = report.Split(' ');
        var file = Path.Combine(demo.Output, $"{words[0]}{words.Length}{extra.Replace(" ", "", StringComparison.Ordinal)}.{format}");
        var run = await demo.TallyAsync(["report", words[0], .. words.Skip(1), "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}",
            "-o", file, .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        var query = string.Concat(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries).Chunk(2)
            .Select(pair => $"&{pair[0] switch { "--company" => "company_id", "--granularity" => "granularity", _ => "user_id" }}={pair[1]}"));
        var expected = words[0] is "models" or "satisfaction"
            ? await demo.ApiCsvRowsAsync(words[0], query)
            : ExportedRows.FromApi(words[0], await demo.ApiAsync(words[0], query), perUser: words.Length > 1);

        run.ExitCode.ShouldBe(0, run.StandardError);
        var actual = format switch
        {
            "csv" => ExportedRows.FromCsv(await File.ReadAllTextAsync(file)),
            "json" => ExportedRows.FromJson(await File.ReadAllTextAsync(file)),
            "xlsx" => ExportedWorkbook.Read(file) is var workbook ? workbook.Sheets[workbook.SheetNames.ShouldHaveSingleItem()] : null!,
            _ => await ExportedRows.FromParquetAsync(file),
        };
        expected.Count.ShouldBeGreaterThan(0);
        ExportedRows.ShouldMatch(actual, expected, $"{report} {format} {extra}");
    }

    [Fact]
    public async Task The_merged_table_has_one_row_per_company_and_day_with_every_reports_columns()
    {
        var run = await demo.TallyAsync("report", "all", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--format", "csv");
        var rows = ExportedRows.FromCsv(run.StandardOutput);
        var sessions = ExportedRows.FromApi("chat-sessions", await demo.ApiAsync("chat-sessions", ""));
        var feedback = ExportedRows.FromApi("chats-feedback", await demo.ApiAsync("chats-feedback", ""));

        run.ExitCode.ShouldBe(0, run.StandardError);
        rows.Count.ShouldBe(3 * (demo.End.DayNumber - demo.Start.DayNumber + 1));
        rows[0].Keys.ShouldContain("tool:document_search");
        rows.Select(row => row["sessions_count"]).ShouldBe(sessions.Select(row => row["sessions_count"]));
        rows.Select(row => row["dislikes_count"]).ShouldBe(feedback.Select(row => row["dislikes_count"]));
        foreach (var row in rows)
        {
            var likes = long.Parse(row["likes_count"], CultureInfo.InvariantCulture);
            var dislikes = long.Parse(row["dislikes_count"], CultureInfo.InvariantCulture);
            row["satisfaction_rate"].ShouldBe(likes + dislikes == 0 ? "" : Math.Round((decimal)likes / (likes + dislikes), 4, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task The_merged_workbook_has_a_sheet_per_report_with_typed_cells_under_a_frozen_header()
    {
        var file = Path.Combine(demo.Output, "usage.xlsx");
        var range = new[] { "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}" };
        var run = await demo.TallyAsync(["report", "all", .. range, "-o", file]);
        var csv = await demo.TallyAsync(["report", "all", .. range, "--format", "csv"]);

        run.ExitCode.ShouldBe(0, run.StandardError);
        var workbook = ExportedWorkbook.Read(file);
        workbook.SheetNames.ShouldBe(["all", "chat-sessions", "chats-feedback", "tools", "used-documents", "user-activities", "active-users", "users", "models", "satisfaction"]);
        workbook.HeaderFrozen.Values.ShouldAllBe(frozen => frozen);
        ExportedRows.ShouldMatch(workbook.Sheets["all"], ExportedRows.FromCsv(csv.StandardOutput), "the merged sheet against the merged CSV");
        ExportedRows.ShouldMatch(workbook.Sheets["tools"], ExportedRows.FromApi("tools", await demo.ApiAsync("tools", "")), "the tools sheet against the API");
        var kinds = workbook.Kinds["chat-sessions"];
        (kinds["company_id"], kinds["company_name"], kinds["date"], kinds["sessions_count"], kinds["average_session_length"], kinds["last_model_response_date"])
            .ShouldBe(("number", "text", "day", "number", "number", "instant"));
    }

    [Fact]
    public async Task A_table_wider_than_the_terminal_is_cut_into_blocks_of_whole_columns_that_repeat_the_company_and_day()
    {
        var run = await TallyProcess.RunAsync(["report", "chat-sessions", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--company", "2"],
            new Dictionary<string, string?> { ["TALLY_URL"] = demo.Server.Address.ToString(), ["TALLY_KEY"] = DemoProcess.AdminKey, ["COLUMNS"] = "120" });
        var api = ExportedRows.FromApi("chat-sessions", await demo.ApiAsync("chat-sessions", "&company_id=2"));

        run.ExitCode.ShouldBe(0, run.StandardError);
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldAllBe(line => line.TrimEnd('\r').Length <= 120);
        foreach (var column in api[0].Keys)
        {
            run.StandardOutput.ShouldContain($" {column} ", customMessage: $"the header {column} is written whole");
        }

        var headers = lines.Where(line => line.Contains("│ company_id", StringComparison.Ordinal)).ToList();
        headers.Count.ShouldBeGreaterThan(1, "the table did not fit in 120 columns, so it comes in blocks");
        headers.ShouldAllBe(header => header.Contains("│ date ", StringComparison.Ordinal));
        lines.Count(line => line.Contains($"│ {demo.Start:yyyy-MM-dd} │", StringComparison.Ordinal)).ShouldBe(headers.Count, "each block has the first day's row, unwrapped");
    }

    [Fact]
    public async Task A_command_line_that_does_not_parse_says_what_is_wrong_without_the_whole_help()
    {
        var unknownReport = await demo.TallyAsync("report", "foo");
        var unknownFormat = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "--format", "xml");
        var unknownExtension = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "-o", Path.Combine(demo.Output, "tools.txt"));
        var missingStart = await demo.TallyAsync("report", "tools");
        var misspeltReport = await demo.TallyAsync("report", "model", "--start", "2026-03-02");
        var badGranularity = await demo.TallyAsync("report", "models", "--start", "2026-03-02", "--granularity", "year");
        var capitalGranularity = await demo.TallyAsync("report", "satisfaction", "--start", "2026-03-02", "--granularity", "Month");

        foreach (var (run, says) in new[]
        {
            (unknownReport, "'foo' is not a command of tally report: use one of chat-sessions, chats-feedback, tools, used-documents, models, satisfaction, users, user-activities, connections, all, html."),
            (unknownFormat, "--format 'xml' is not a format: use table, csv, json, parquet, xlsx."),
            (unknownExtension, "Cannot tell the format of tools.txt from its name"),
            (missingStart, "Option '--start' is required."),
            (misspeltReport, "'model' is not a command of tally report: use one of chat-sessions, chats-feedback, tools, used-documents, models, satisfaction,"),
            (badGranularity, "--granularity 'year' is not one of day, week, month, total."),
            (capitalGranularity, "--granularity 'Month' is not one of day, week, month, total."),
        })
        {
            run.ExitCode.ShouldBe(1, run.StandardError);
            run.StandardOutput.ShouldBeEmpty();
            run.StandardError.ShouldStartWith(says);
            run.StandardError.ShouldNotContain("Usage:", customMessage: "the error is not buried under the help");
            run.StandardError.Trim().Split('\n').Length.ShouldBe(2, run.StandardError);
        }

        File.Exists(Path.Combine(demo.Output, "tools.txt")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_terminal_table_is_readable_and_the_progress_bar_stays_out_of_redirected_output()
    {
        var run = await demo.TallyAsync("report", "chats-feedback", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--company", "2", "--chunk-days", "5");

        run.ExitCode.ShouldBe(0, run.StandardError);
        run.StandardOutput.ShouldContain("likes_count");
        run.StandardOutput.ShouldContain($"│          2 │ Acme Analytics │ {demo.Start:yyyy-MM-dd} │");
        run.StandardError.ShouldBeEmpty();
    }

    [Fact]
    public async Task Bad_arguments_fail_clearly_and_leave_no_file()
    {
        var file = Path.Combine(demo.Output, "never.csv");
        var badDate = await demo.TallyAsync("report", "tools", "--start", "2026-02-30", "-o", file);
        var backwards = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "--end", "2026-03-01", "-o", file);
        var noFolder = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "-o", Path.Combine(demo.Output, "missing", "x.csv"));
        var parquetToTerminal = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "--format", "parquet");
        var badGranularity = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "--granularity", "year", "-o", file);
        var serverRefuses = await demo.TallyAsync("report", "tools", "--start", "2026-03-02", "--company", "99", "-o", file);

        badDate.ExitCode.ShouldBe(1, badDate.StandardError);
        badDate.StandardError.ShouldContain("--start '2026-02-30' is not a date: write it as YYYY-MM-DD");
        backwards.ExitCode.ShouldBe(1, backwards.StandardError);
        backwards.StandardError.ShouldContain("is before --start");
        noFolder.ExitCode.ShouldBe(1, noFolder.StandardError);
        noFolder.StandardError.ShouldContain("does not exist");
        parquetToTerminal.ExitCode.ShouldBe(1, parquetToTerminal.StandardError);
        parquetToTerminal.StandardError.ShouldContain("-o");
        badGranularity.ExitCode.ShouldBe(1, badGranularity.StandardError);
        badGranularity.StandardError.ShouldContain("--granularity 'year' is not one of day, week, month, total.");
        serverRefuses.ExitCode.ShouldBe(1, serverRefuses.StandardError);
        serverRefuses.StandardError.ShouldStartWith("Company 99 does not exist. (404 from ");
        File.Exists(file).ShouldBeFalse();
        Directory.GetFiles(demo.Output, "*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_wrong_key_and_an_unreachable_server_fail_with_a_clear_message()
    {
        var wrongKey = await TallyProcess.RunAsync(["report", "users", "--start", "2026-03-02"],
            new Dictionary<string, string?> { ["TALLY_URL"] = demo.Server.Address.ToString(), ["TALLY_KEY"] = "wrong-key" });
        var unreachable = await TallyProcess.RunAsync(["report", "users", "--start", "2026-03-02", "--url", "http://127.0.0.1:9", "--key", "k"]);

        wrongKey.ExitCode.ShouldBe(1, wrongKey.StandardError);
        wrongKey.StandardError.ShouldContain("401");
        wrongKey.StandardError.ShouldContain("Invalid API key");
        unreachable.ExitCode.ShouldBe(1, unreachable.StandardError);
        unreachable.StandardError.ShouldContain("Cannot reach the server at http://127.0.0.1:9");
    }

    [Fact]
    public async Task Paradigms_own_environment_variables_and_api_base_work()
    {
        var run = await TallyProcess.RunAsync(["report", "users", "--start", "2026-03-02", "--format", "csv"], new Dictionary<string, string?>
        {
            ["PARADIGM_BASE_URL"] = demo.Server.Address + "api/v2",
            ["PARADIGM_API_KEY"] = DemoProcess.AdminKey,
        });

        run.ExitCode.ShouldBe(0, run.StandardError);
        ExportedRows.FromCsv(run.StandardOutput).Select(row => row["company_id"]).ShouldBe(["1", "2", "3"]);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
