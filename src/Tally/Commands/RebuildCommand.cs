using System.CommandLine;
using Tally.Cli.Configuration;

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
            if (await StoreOptions.ResolveExistingAsync(parse, config, store, data) is not { } location)
            {
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
