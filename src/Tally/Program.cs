using System.CommandLine;
using Tally.Cli.Commands;

var root = new RootCommand("Tally: usage reporting for enterprise generative-AI chat platforms.")
{
    ServeCommand.Create(),
    AdminCommands.Keys(),
    AdminCommands.Companies(),
    RebuildCommand.Create(),
    ReportCommands.Report(),
    ReportCommands.Plot(),
};
return await root.Parse(args).InvokeAsync();
