using System.CommandLine;
using Tally.Cli;
using Tally.Cli.Commands;

var root = new RootCommand("Tally: usage reporting for enterprise generative-AI chat platforms.")
{
    ServeCommand.Create(),
    AdminCommands.Keys(),
    AdminCommands.Companies(),
    AdminCommands.Prices(),
    RebuildCommand.Create(),
    StoreCopyCommand.Create(),
    BackupCommands.Backup(),
    BackupCommands.Restore(),
    EventsExportCommand.Create(),
    ReportCommands.Report(),
    ReportCommands.Plot(),
};
// System.CommandLine's own handler prints a failure with its stack trace; StartFailures prints one line instead.
return await StartFailures.ReportAsync(() =>
{
    var parse = root.Parse(args);
    return UsageErrors.Any(parse)
        ? UsageErrors.ReportAsync(parse)
        : parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
});
