using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace Tally.Cli;

/// <summary>
/// A command line that does not parse is told in a few lines on stderr, exit 1: what is wrong, the choices when a
/// command name is unknown, and where the usage is. System.CommandLine's own answer buries the error under the whole
/// help text.
/// </summary>
internal static class UsageErrors
{
    public const int ExitCode = 1;

    /// <summary>True when <paramref name="parse"/> has errors to report instead of running (asking for help is never one).</summary>
    public static bool Any(ParseResult parse) => parse.Errors.Count > 0 && parse.Action is not HelpAction;

    public static async Task<int> ReportAsync(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            names.Insert(0, result.Command.Name);
        }

        var path = string.Join(' ', names.Prepend("tally"));
        var subcommands = command.Subcommands.Where(subcommand => !subcommand.Hidden).Select(subcommand => subcommand.Name).ToList();
        if (subcommands.Count > 0 && parse.UnmatchedTokens.FirstOrDefault(token => !token.StartsWith('-')) is { } unknown)
        {
            // "report foo": the one fact that matters is which names exist.
            await Console.Error.WriteLineAsync($"'{unknown}' is not a command of {path}: use one of {string.Join(", ", subcommands)}.");
        }
        else if (subcommands.Count > 0 && command.Action is null)
        {
            await Console.Error.WriteLineAsync($"{path} needs a command: one of {string.Join(", ", subcommands)}.");
        }
        else
        {
            foreach (var message in parse.Errors.Select(error => error.Message).Distinct(StringComparer.Ordinal))
            {
                await Console.Error.WriteLineAsync(message);
            }
        }

        await Console.Error.WriteLineAsync($"See '{path} --help'.");
        return ExitCode;
    }
}
