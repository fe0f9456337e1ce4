using System.CommandLine;
using Tally.Storage.DuckDb;

namespace Tally.Cli.Commands;

/// <summary><c>tally rebuild</c>: recomputes the report aggregates from the stored events (server stopped).</summary>
internal static class RebuildCommand
{
    public static Command Create()
    {
        var data = StoreOptions.DataFolder("Folder of the embedded store.");
        var company = new Option<long?>("--company") { Description = "Only this company (default: every company)." };
        var command = new Command("rebuild", "Recompute the report aggregates from the raw events. Stop the server first: the store is one process's.") { data, company };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(data)!;
            if (!File.Exists(Path.Combine(directory.FullName, DuckDbStore.FileName)))
            {
                await Console.Error.WriteLineAsync($"No Tally store in {directory.FullName} (expected {DuckDbStore.FileName}).");
                return 2;
            }

            var started = DateTime.UtcNow;
            await using var store = DuckDbStore.Open(directory.FullName);
            await store.MigrateAsync(cancellationToken);
            await store.RebuildAggregatesAsync(parse.GetValue(company), cancellationToken);
            Console.WriteLine($"Aggregates rebuilt in {(DateTime.UtcNow - started).TotalSeconds:F1} s.");
            return 0;
        });
        return command;
    }
}
