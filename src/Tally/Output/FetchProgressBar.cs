using Spectre.Console;
using Tally.Client.Reports;

namespace Tally.Cli.Output;

/// <summary>A progress bar on the terminal while reports are fetched; nothing at all when output is redirected.</summary>
internal static class FetchProgressBar
{
    public static async Task<T> RunAsync<T>(string title, Func<IProgress<FetchProgress>?, Task<T>> fetch)
    {
        if (Console.IsOutputRedirected || Console.IsErrorRedirected)
        {
            return await fetch(null);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(title, maxValue: 1);
                var progress = new Progress<FetchProgress>(step =>
                {
                    task.MaxValue = Math.Max(1, step.Planned);
                    task.Value = step.Completed;
                });
                var result = await fetch(progress);
                task.Value = task.MaxValue;
                return result;
            });
    }
}
