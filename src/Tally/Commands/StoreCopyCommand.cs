using System.CommandLine;
using Tally.Cli.Output;
using Tally.Storage;
using Tally.Storage.DuckDb;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally store copy --from LOCATION --to LOCATION</c>: copies everything a store keeps into an empty store of either
/// engine (onto PostgreSQL from the embedded store, or back), through <see cref="StoreCopier"/>. Servers stopped.
/// </summary>
internal static class StoreCopyCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from")
        {
            Description = "The store to copy: a data folder, or a PostgreSQL connection string (Host=...;Database=...) or postgres:// URL. Only read.",
            Required = true,
        };
        var to = new Option<string>("--to")
        {
            Description = "The empty store to copy into: a data folder (created if needed), or a PostgreSQL connection string or postgres:// URL.",
            Required = true,
        };
        var copy = new Command("copy", "Copy every company, API key (secrets keep working), event and ingestion counter into an empty store; stop the servers of both first.") { from, to };
        copy.SetAction(async (parse, cancellationToken) =>
        {
            var source = StoreLocation.ParseFolderOrStore(parse.GetValue(from)!);
            var target = StoreLocation.ParseFolderOrStore(parse.GetValue(to)!);
            // Opening an empty folder would create a store there: a mistyped folder must not pass for an empty store.
            if (source is StoreLocation.Embedded embedded && !File.Exists(Path.Combine(embedded.Folder, DuckDbStore.FileName)))
            {
                await Console.Error.WriteLineAsync($"--from: no Tally store in {embedded.Folder} (expected {DuckDbStore.FileName}).");
                return 2;
            }

            if (source == target)
            {
                await Console.Error.WriteLineAsync("--from and --to name the same store.");
                return 2;
            }

            var started = DateTime.UtcNow;
            await using var sourceStore = source.Open();
            await sourceStore.MigrateAsync(cancellationToken);
            await using var targetStore = target.Open();
            await targetStore.MigrateAsync(cancellationToken);
            var total = (await sourceStore.GetIngestionStatsAsync(null, cancellationToken)).Sum(company => company.StoredEvents);
            StoreCopyResult copied;
            try
            {
                copied = await CopyProgressBar.RunAsync($"Copying {total:N0} events", total,
                    progress => StoreCopier.CopyAsync(sourceStore, targetStore, progress, cancellationToken));
            }
            catch (TargetNotEmptyException exception)
            {
                await Console.Error.WriteLineAsync($"{exception.Message} Nothing was copied into {target.Description}.");
                return 1;
            }
            catch (PartialCopyException exception)
            {
                var emptying = target is StoreLocation.Embedded ? "delete the folder" : "drop and create the database again";
                await Console.Error.WriteLineAsync($"{exception.Message} {target.Description} holds a partial copy; {emptying} before copying again.");
                return 1;
            }
#pragma warning disable CA1031 // Whatever failed before the copy began writing, the operator must learn that the target is untouched.
            catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
            {
                await Console.Error.WriteLineAsync(
                    $"The copy failed before writing anything ({exception.GetBaseException().Message.ReplaceLineEndings(" ")}): {target.Description} is still empty.");
                return 1;
            }

            Console.WriteLine($"Copied {copied.Companies:N0} companies, {copied.ApiKeys:N0} API keys and {copied.Events:N0} events from {source.Description} to {target.Description} in {(DateTime.UtcNow - started).TotalSeconds:F1} s.");
            return 0;
        });
        return new Command("store", "Work on a store directly (servers stopped).") { copy };
    }
}
