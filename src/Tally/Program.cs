using System.CommandLine;
using Tally.Cli;
using Tally.Cli.Commands;

var root = new RootCommand("Tally: usage reporting for enterprise generative-AI chat platforms.")
{
    ServeCommand.Create(),
    AdminCommands.Keys(),
    AdminCommands.Companies(),
    RebuildCommand.Create(),
    StoreCopyCommand.Create(),
    ReportCommands.Report(),
    ReportCommands.Plot(),
};
// System.CommandLine's own handler prints a failure with its stack trace; StartFailures prints one line instead.
return await StartFailures.ReportAsync(() =>
    root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
