using System.CommandLine;
using Tally.Cli.Configuration;
using Tally.Cli.Output;
using Tally.Storage;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally events export</c>: a company's raw stored events, in the wire format they were sent in, as NDJSON or
/// Parquet, read from the store directly (like <c>rebuild</c> and <c>store copy</c>) in pages of
/// <see cref="PageSize"/>, so an export of any size runs in bounded memory. The embedded store must not be served
/// meanwhile (its server holds the file); a PostgreSQL store may be.
/// </summary>
internal static class EventsExportCommand
{
    private const int PageSize = 10_000;

    public static Command Create()
    {
        var company = new Option<long>("--company") { Description = "The company whose events to export.", Required = true };
        RangeOptions.Between(company, 1, long.MaxValue, "--company must be a company id, 1 or more.");
        var from = new Option<DateOnly?>("--from")
        {
            Description = "First day, YYYY-MM-DD, in the company's time zone (default: the first event).",
            CustomParser = result => RangeOptions.ParseDate(result, "--from"),
        };
        var to = new Option<DateOnly?>("--to")
        {
            Description = "Last day, YYYY-MM-DD, inclusive (default: the last event).",
            CustomParser = result => RangeOptions.ParseDate(result, "--to"),
        };
        var format = new Option<string?>("--format") { Description = "ndjson or parquet (default: from the output file's extension, .ndjson, .jsonl or .parquet)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The file to write (atomically).", Required = true };
        var data = StoreOptions.DataFolder("Folder of the embedded store (its server stopped).");
        var store = StoreOptions.Store();
        var config = Settings.ConfigOption();
        var export = new Command("export",
            "Export a company's raw events, as sent (docs/events.md), to NDJSON (which POST /api/v2/events accepts again) or Parquet. Reads the store directly: stop the server of an embedded store first, or export from a backup restored elsewhere.")
        {
            company, from, to, format, output, data, store, config,
        };
        export.Validators.Add(result =>
        {
            if (result.GetValue(from) is { } first && result.GetValue(to) is { } last && last < first)
            {
                result.AddError($"--to {last:yyyy-MM-dd} is before --from {first:yyyy-MM-dd}.");
            }
        });
        export.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(output)!;
            EventFileFormat chosen;
            if (parse.GetValue(format) is { } name)
            {
                if (!Enum.TryParse(name, ignoreCase: true, out chosen) || !EventFile.Names.Contains(name.ToLowerInvariant()))
                {
                    await Console.Error.WriteLineAsync($"--format '{name}' is not a format: use {string.Join(" or ", EventFile.Names)}.");
                    return 2;
                }
            }
            else if (EventFile.FormatOf(file.Name) is { } fromName)
            {
                chosen = fromName;
            }
            else
            {
                await Console.Error.WriteLineAsync($"Cannot tell the format of {file.Name} from its name: end it with .ndjson, .jsonl or .parquet, or give --format.");
                return 2;
            }

            if (await StoreOptions.ResolveExistingAsync(parse, config, store, data) is not { } location)
            {
                return 2;
            }

            var companyId = parse.GetValue(company);
            var days = new DayRange(parse.GetValue(from) ?? DateOnly.MinValue, parse.GetValue(to) ?? DateOnly.MaxValue);
            await using var opened = location.Open();
            await opened.MigrateAsync(cancellationToken);
            if (await opened.FindCompanyAsync(companyId, cancellationToken) is null)
            {
                await Console.Error.WriteLineAsync($"Company {companyId} does not exist in {location.Description}.");
                return 1;
            }

            long exported = 0;
            await AtomicFile.WriteAsync(file.FullName, async stream =>
            {
                await using var events = await EventFile.CreateAsync(chosen, stream, cancellationToken);
                EventPosition? after = null;
                while (true)
                {
                    var page = await opened.ReadEventsAsync(companyId, days, after, PageSize, cancellationToken);
                    await events.WriteAsync(page, cancellationToken);
                    exported += page.Count;
                    if (page.Count < PageSize)
                    {
                        break;
                    }

                    after = new EventPosition(page[^1].Timestamp, page[^1].Id);
                }
            }, cancellationToken);
            Console.WriteLine($"Exported {exported:N0} events of company {companyId} to {file.FullName}.");
            return 0;
        });
        return new Command("events", "Work on the raw events of a store.") { export };
    }
}
