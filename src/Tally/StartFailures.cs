using Tally.Storage;

namespace Tally.Cli;

/// <summary>
/// The one place a command's unexpected failure is reported: one line on stderr and exit code 1, never a stack
/// trace. A store that cannot be used says so in its own words (<see cref="StoreUnavailableException"/> is written
/// for the operator); anything else is its message and kind, enough to act on.
/// </summary>
internal static class StartFailures
{
    public const int ExitCode = 1;

    public static async Task<int> ReportAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (StoreUnavailableException exception)
        {
            await Console.Error.WriteLineAsync($"tally: {OneLine(exception.Message)}");
            return ExitCode;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("tally: interrupted.");
            return ExitCode;
        }
#pragma warning disable CA1031 // The last line of defence of the executable: whatever failed is told in one line.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var innermost = exception.GetBaseException();
            var cause = ReferenceEquals(innermost, exception) ? "" : $" ({OneLine(innermost.Message)})";
            await Console.Error.WriteLineAsync($"tally: {OneLine(exception.Message)}{cause} [{exception.GetType().Name}]");
            return ExitCode;
        }
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
