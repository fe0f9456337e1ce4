using System.CommandLine;
using System.Text;
using Tally.Client;
using Tally.Client.Reports;
using Tally.Client.Tables;
using Tally.Cli.Output;
using Names = Tally.Client.TallyClient.ReportNames;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally report NAME</c>, <c>tally report all</c>, <c>tally report html</c> and <c>tally plot</c>: pull reports from a
/// running server (Tally or Paradigm), flatten and merge them, and print, export, chart or package them.
/// </summary>
internal static class ReportCommands
{
    private delegate Task<IReadOnlyList<Table>> TableSource(ReportFetcher fetcher, ReportRequest request, ParseResult parse, CancellationToken cancellationToken);

    public static Command Report()
    {
        var report = new Command("report", "Pull reports from a running Tally (or Paradigm) server; print them or export CSV, JSON, Parquet or Excel.")
        {
            ServerConnection.Url,
            ServerConnection.Key,
        };
        report.Subcommands.Add(TableCommand(Names.ChatSessions, "Sessions, questions and answers per company and day, chat and agent.",
            async (fetcher, request, _, token) => [ReportTables.ChatSessions(await fetcher.ChatSessionsAsync(request, token))]));
        report.Subcommands.Add(TableCommand(Names.ChatsFeedback, "Likes, dislikes, copies and flags per company and day.",
            async (fetcher, request, _, token) => [ReportTables.ChatsFeedback(await fetcher.ChatsFeedbackAsync(request, token))]));
        report.Subcommands.Add(TableCommand(Names.Tools, "Tool calls per company, day and tool.",
            async (fetcher, request, _, token) => [ReportTables.Tools(await fetcher.ToolsAsync(request, token))]));
        report.Subcommands.Add(TableCommand(Names.UsedDocuments, "Documents used in answers per company, day and document.",
            async (fetcher, request, _, token) => [ReportTables.UsedDocuments(await fetcher.UsedDocumentsAsync(request, token))]));
        report.Subcommands.Add(TableCommand(Names.Models, "Answers, users, tokens, latency (p50, p95) and cost per company, period and model.",
            async (fetcher, request, _, token) => [AnalyticsTables.Models(await fetcher.ModelsAsync(request, token))]));
        report.Subcommands.Add(TableCommand(Names.Satisfaction, "Likes, dislikes and satisfaction rate per company and period: in total, by model, by tool and by document (a dimension column says which).",
            async (fetcher, request, _, token) => [AnalyticsTables.Satisfaction(await fetcher.SatisfactionAsync(request, token))]));
        report.Subcommands.Add(TableCommand(Names.Users, "Members per company, as of the end of the range.",
            async (fetcher, request, _, token) => [ReportTables.Users(await fetcher.UsersAsync(request, token))]));

        var user = new Option<long?>("--user") { Description = "Only this user id." };
        var perUser = new Option<bool>("--users") { Description = "The per-user table instead of the daily counts." };
        var activities = TableCommand(Names.UserActivities, "Active users per company and day (DAU, WAU, MAU, new), or with --users the per-user table.",
            async (fetcher, request, parse, token) =>
            {
                var activity = await fetcher.UserActivitiesAsync(request with { UserId = parse.GetValue(user) }, token);
                return [parse.GetValue(perUser) ? ReportTables.ActiveUsers(activity) : ReportTables.UserActivities(activity)];
            });
        activities.Options.Add(user);
        activities.Options.Add(perUser);
        report.Subcommands.Add(activities);

        var connectionUser = new Option<long?>("--user") { Description = "Only this user id." };
        var limit = new Option<int>("--limit") { Description = "Latest connections per company (pages through the server's cursor).", DefaultValueFactory = _ => 100 };
        var connections = TableCommand(Names.Connections, "Latest connections per company, newest first.",
            async (fetcher, request, parse, token) => [ReportTables.Connections(
                await fetcher.ConnectionsAsync(request with { UserId = parse.GetValue(connectionUser) }, parse.GetValue(limit), token))]);
        connections.Options.Add(connectionUser);
        connections.Options.Add(limit);
        RangeOptions.Between(limit, 1, 1_000_000, "--limit must be between 1 and 1000000.");
        report.Subcommands.Add(connections);

        report.Subcommands.Add(TableCommand("all", "Every report merged into one row per company and day, with satisfaction, grounding, queries per active user, tool calls per query and tool error rate.",
            async (fetcher, request, _, token) => WithEveryReport(await fetcher.AllAsync(request, token))));
        report.Subcommands.Add(HtmlCommand());
        return report;
    }

    public static Command Plot()
    {
        var range = new RangeOptions();
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder for the images (created if missing).", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var format = new Option<string>("--format") { Description = "png or svg.", DefaultValueFactory = _ => "png" };
        format.AcceptOnlyFromAmong("png", "svg");
        var width = new Option<int>("--width") { Description = "Image width in pixels.", DefaultValueFactory = _ => 1200 };
        var height = new Option<int>("--height") { Description = "Image height in pixels.", DefaultValueFactory = _ => 600 };
        var command = new Command("plot", "Draw the usage charts (sessions and questions, answers with documents, DAU/WAU/MAU, feedback, tools, top documents) as images.")
        {
            ServerConnection.Url, ServerConnection.Key, output, format, width, height,
        };
        range.AddTo(command);
        RangeOptions.Between(width, 100, 10_000, "--width must be between 100 and 10000 pixels.");
        RangeOptions.Between(height, 100, 10_000, "--height must be between 100 and 10000 pixels.");
        command.SetAction((parse, cancellationToken) => ServerConnection.RunAsync(parse, async options =>
        {
            var reports = await FetchAllAsync(options, range, parse, cancellationToken);
            var folder = parse.GetValue(output)!;
            folder.Create();
            var extension = parse.GetValue(format)!;
            var companies = reports.Companies().Select(company => company.Id).ToList();
            foreach (var company in companies)
            {
                foreach (var chart in Charts.For(reports, company, range.Request(parse).Granularity))
                {
                    var name = companies.Count == 1 ? chart.Name : $"company-{company}-{chart.Name}";
                    var path = Path.Combine(folder.FullName, $"{name}.{extension}");
                    var bytes = extension == "svg"
                        ? Encoding.UTF8.GetBytes(chart.Svg(parse.GetValue(width), parse.GetValue(height)))
                        : chart.Png(parse.GetValue(width), parse.GetValue(height));
                    await AtomicFile.WriteAsync(path, bytes, cancellationToken);
                    Console.WriteLine(path);
                }
            }

            if (companies.Count == 0)
            {
                await Console.Error.WriteLineAsync("No company in the answer: nothing to draw.");
            }
        }, range.NotFound(parse)));
        return command;
    }

    private static Command HtmlCommand()
    {
        var range = new RangeOptions();
        var output = new Option<FileInfo>("--output", "-o") { Description = "The HTML file to write.", Required = true };
        var command = new Command("html", "One self-contained HTML report (summary, charts, tables) that opens offline.") { output };
        range.AddTo(command);
        command.Validators.Add(result => CheckFolder(result, result.GetValue(output)?.FullName));
        command.SetAction((parse, cancellationToken) => ServerConnection.RunAsync(parse, async options =>
        {
            var request = range.Request(parse);
            var reports = await FetchAllAsync(options, range, parse, cancellationToken);
            // The monthly view: months asked of the server, so that its active users are people, not sums of days.
            var monthly = request.Granularity is Granularity.Month ? reports : await FetchAllAsync(options, range, parse, cancellationToken, Granularity.Month);
            // The range's cost as one period: the server rounds it once, which no sum of period costs does.
            var wholeRange = request.Granularity is Granularity.Total ? reports.Models : null;
            if (reports.Models is not null && wholeRange is null)
            {
                using var client = new TallyClient(options);
                wholeRange = await client.GetModelsAsync(request with { Granularity = Granularity.Total }, cancellationToken);
            }

            var html = HtmlReport.Render(reports, MergedTable.Build(reports), MergedTable.Build(monthly), request, DateTime.UtcNow, wholeRange);
            var path = parse.GetValue(output)!.FullName;
            await AtomicFile.WriteAsync(path, new UTF8Encoding(false).GetBytes(html), cancellationToken);
            await Console.Error.WriteLineAsync($"Wrote {path}");
        }, range.NotFound(parse)));
        return command;
    }

    private static Command TableCommand(string name, string description, TableSource source)
    {
        var range = new RangeOptions();
        var format = new Option<string?>("--format") { Description = $"{string.Join(", ", TableFormats.Names)}; from the output file's extension when not given, else table." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file (atomically) instead of the terminal." };
        var command = new Command(name, description) { format, output };
        range.AddTo(command);
        command.Validators.Add(result =>
        {
            var file = result.GetValue(output);
            if (ChosenFormat(result.GetValue(format), file, out var error) is null)
            {
                result.AddError(error);
            }

            CheckFolder(result, file?.FullName);
        });
        command.SetAction((parse, cancellationToken) => ServerConnection.RunAsync(parse, async options =>
        {
            using var client = new TallyClient(options);
            var request = range.Request(parse);
            var tables = await FetchProgressBar.RunAsync(name, async progress =>
            {
                using var fetcher = new ReportFetcher(client, range.Fetch(parse, progress));
                return await source(fetcher, request, parse, cancellationToken);
            });
            var file = parse.GetValue(output);
            var chosen = ChosenFormat(parse.GetValue(format), file, out _)!.Value;
            if (file is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await TableFormats.WriteAsync(tables, chosen, stdout, cancellationToken);
                return;
            }

            await AtomicFile.WriteAsync(file.FullName, stream => TableFormats.WriteAsync(tables, chosen, stream, cancellationToken), cancellationToken);
            await Console.Error.WriteLineAsync($"Wrote {tables[0].Rows.Count} rows to {file.FullName}");
        }, range.NotFound(parse)));
        return command;
    }

    /// <summary>
    /// The format asked for with <c>--format</c>, else the one the output file's extension names, else the terminal
    /// table; null, with the reason, when the name is not a format, the extension names none, or a binary format
    /// would go to the terminal.
    /// </summary>
    private static TableFormat? ChosenFormat(string? name, FileInfo? file, out string error)
    {
        error = "";
        TableFormat format;
        if (name is not null)
        {
            if (!TableFormats.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                error = $"--format '{name}' is not a format: use {string.Join(", ", TableFormats.Names)}.";
                return null;
            }

            format = Enum.Parse<TableFormat>(name, ignoreCase: true);
        }
        else if (file is null)
        {
            format = TableFormat.Table;
        }
        else if (TableFormats.FromExtension(file.Name) is { } fromExtension)
        {
            format = fromExtension;
        }
        else
        {
            error = $"Cannot tell the format of {file.Name} from its name: end it with .csv, .json, .parquet or .xlsx, or give --format.";
            return null;
        }

        if (file is null && TableFormats.IsBinary(format))
        {
            error = $"{format.ToString().ToLowerInvariant()} is a binary format: give a file with -o.";
            return null;
        }

        return format;
    }

    /// <summary>The merged table first (what every format holds), then each report's own table (further sheets of a workbook).</summary>
    private static List<Table> WithEveryReport(UsageReports reports)
    {
        var tables = new List<Table> { MergedTable.Build(reports) };
        if (reports.ChatSessions is { } sessions)
        {
            tables.Add(ReportTables.ChatSessions(sessions));
        }

        if (reports.ChatsFeedback is { } feedback)
        {
            tables.Add(ReportTables.ChatsFeedback(feedback));
        }

        if (reports.Tools is { } tools)
        {
            tables.Add(ReportTables.Tools(tools));
        }

        if (reports.UsedDocuments is { } documents)
        {
            tables.Add(ReportTables.UsedDocuments(documents));
        }

        if (reports.UserActivities is { } activities)
        {
            tables.Add(ReportTables.UserActivities(activities));
            tables.Add(ReportTables.ActiveUsers(activities));
        }

        if (reports.Users is { } users)
        {
            tables.Add(ReportTables.Users(users));
        }

        if (reports.Models is { } models)
        {
            tables.Add(AnalyticsTables.Models(models));
        }

        if (reports.Satisfaction is { } satisfaction)
        {
            tables.Add(AnalyticsTables.Satisfaction(satisfaction));
        }

        return tables;
    }

    private static async Task<UsageReports> FetchAllAsync(
        TallyClientOptions options, RangeOptions range, ParseResult parse, CancellationToken cancellationToken, Granularity? granularity = null)
    {
        using var client = new TallyClient(options);
        var request = range.Request(parse);
        return await FetchProgressBar.RunAsync("reports", async progress =>
        {
            using var fetcher = new ReportFetcher(client, range.Fetch(parse, progress));
            return await fetcher.AllAsync(granularity is null ? request : request with { Granularity = granularity }, cancellationToken);
        });
    }

    private static void CheckFolder(System.CommandLine.Parsing.CommandResult result, string? file)
    {
        if (file is not null && Path.GetDirectoryName(file) is { } folder && !Directory.Exists(folder))
        {
            result.AddError($"The folder {folder} does not exist.");
        }
    }
}
