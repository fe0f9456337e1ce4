using System.CommandLine;
using Tally.Cli.Configuration;
using Tally.Storage.DuckDb;

namespace Tally.Cli.Commands;

/// <summary><c>tally rebuild</c>: recomputes the report aggregates from the stored events (server stopped).</summary>
internal static class RebuildCommand
{
    public static Command Create()
    {
        var data = StoreOptions.DataFolder("Folder of the embedded store.");
        var store = StoreOptions.Store();
        var company = new Option<long?>("--company") { Description = "Only this company (default: every company)." };
        var config = Settings.ConfigOption();
        var command = new Command("rebuild", "Recompute the report aggregates from the raw events. Stop the server first (every server sharing a PostgreSQL database).") { data, store, company, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = Settings.Load(parse, config, ServeCommand.Keys);
            var location = StoreOptions.Resolve(parse, settings, store, data, out var problem);
            foreach (var message in settings.Problems.Prepend(problem).OfType<string>())
            {
                await Console.Error.WriteLineAsync(message);
            }

            if (location is null || settings.Problems.Count > 0)
            {
                return 2;
            }

            // Opening an empty folder would create a store there: a mistyped folder must not pass for an empty store.
            if (location is StoreLocation.Embedded embedded && !File.Exists(Path.Combine(embedded.Folder, DuckDbStore.FileName)))
            {
                await Console.Error.WriteLineAsync($"No Tally store in {embedded.Folder} (expected {DuckDbStore.FileName}).");
                return 2;
            }

            var started = DateTime.UtcNow;
            await using (var opened = location.Open())
            {
                await opened.MigrateAsync(cancellationToken);
                await opened.RebuildAggregatesAsync(parse.GetValue(company), cancellationToken);
            }

            Console.WriteLine($"Aggregates rebuilt in {(DateTime.UtcNow - started).TotalSeconds:F1} s.");
            return 0;
        });
        return command;
    }
}
