using Spectre.Console;

namespace Tally.Cli.Output;

/// <summary>A progress bar on the terminal while a store is copied; nothing at all when output is redirected.</summary>
internal static class CopyProgressBar
{
    public static async Task<T> RunAsync<T>(string title, long total, Func<IProgress<long>?, Task<T>> copy)
    {
        if (Console.IsOutputRedirected || Console.IsErrorRedirected)
        {
            return await copy(null);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(title, maxValue: Math.Max(1, total));
                var result = await copy(new Progress<long>(copied => task.Value = copied));
                task.Value = task.MaxValue;
                return result;
            });
    }
}
