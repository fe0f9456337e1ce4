using System.CommandLine;
using Tally.Cli.Output;
using Tally.Client;
using Tally.Storage;
using Tally.Storage.DuckDb;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally backup --to FILE</c> and <c>tally restore --from FILE --data DIR</c>: the embedded store as one DuckDB file.
/// A served store is backed up through its server (the server holds the file's lock; it copies between two commits),
/// a store no server holds straight from its folder (<c>--data</c>). A PostgreSQL store is pg_dump's to back up.
/// </summary>
internal static class BackupCommands
{
    // Preparing a copy of a large store takes the server a while before its first byte.
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromHours(1);

    public static Command Backup()
    {
        var to = new Option<string>("--to") { Description = "The file to write (replaced whole once the backup is complete).", Required = true };
        var data = new Option<string?>("--data")
        {
            Description = "Back up the embedded store in this folder directly, when no server serves it (else the server at --url is asked).",
        };
        var command = new Command("backup",
            "Write a consistent copy of the embedded store to a file, while the server serves it (through --url/--key, an instance-admin key) or from a data folder no server holds (--data). For PostgreSQL use pg_dump.")
        {
            to, data, ServerConnection.Url, ServerConnection.Key,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(to)!;
            var started = DateTime.UtcNow;
            if (parse.GetValue(data) is { } folder)
            {
                return await BackUpFolderAsync(folder, path, started, cancellationToken);
            }

            return await ServerConnection.RunAsync(parse, async options =>
            {
                using var client = new TallyAdminClient(options with { AttemptTimeout = SnapshotTimeout });
                long written = 0;
                await AtomicFile.WriteAsync(path, async stream => written = await client.BackupAsync(stream, cancellationToken), cancellationToken);
                Report(written, options.Url.ToString(), path, started);
            });
        });
        return command;
    }

    public static Command Restore()
    {
        var from = new Option<string>("--from") { Description = "A backup written by tally backup.", Required = true };
        var data = new Option<string>("--data") { Description = "The data folder to restore into: new, or empty.", Required = true };
        var command = new Command("restore", "Restore a backup into a new or empty data folder, then serve it with tally serve --data.") { from, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var backup = Path.GetFullPath(parse.GetValue(from)!);
            var folder = Path.GetFullPath(parse.GetValue(data)!);
            if (!File.Exists(backup))
            {
                await Console.Error.WriteLineAsync($"--from: no file {backup}.");
                return 2;
            }

            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                await Console.Error.WriteLineAsync($"--data: {folder} is not empty: restore only into a new or empty folder (nothing was written).");
                return 1;
            }

            Directory.CreateDirectory(folder);
            var restored = Path.Combine(folder, DuckDbStore.FileName);
            File.Copy(backup, restored);
            try
            {
                // Opened and migrated once here: a file that is not a Tally store is found now, not at the next start.
                await using var store = DuckDbStore.Open(folder);
                await store.MigrateAsync(cancellationToken);
                var stats = await store.GetIngestionStatsAsync(null, cancellationToken);
                Console.WriteLine($"Restored {stats.Count:N0} companies and {stats.Sum(company => company.StoredEvents):N0} events from {backup} into {folder}.");
                return 0;
            }
            catch (StoreUnavailableException exception)
            {
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    File.Delete(file);
                }

                await Console.Error.WriteLineAsync($"{backup} is not a Tally backup ({exception.Message}); {folder} is left empty.");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> BackUpFolderAsync(string folder, string path, DateTime started, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(full, DuckDbStore.FileName)))
        {
            await Console.Error.WriteLineAsync($"--data: no Tally store in {full} (expected {DuckDbStore.FileName}).");
            return 2;
        }

        Stream snapshot;
        try
        {
            snapshot = DuckDbStore.OpenSnapshotOfUnservedStore(full);
        }
        catch (StoreUnavailableException exception) when (exception.Message.Contains("in use", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync($"The store in {full} is served by another process: back it up through its server (tally backup --url URL --key KEY --to FILE).");
            return 1;
        }

        await using (snapshot)
        {
            await AtomicFile.WriteAsync(path, stream => snapshot.CopyToAsync(stream, cancellationToken), cancellationToken);
            Report(snapshot.Length, full, path, started);
        }

        return 0;
    }

    private static void Report(long bytes, string source, string path, DateTime started) =>
        Console.WriteLine($"Backed up {source} to {Path.GetFullPath(path)} ({bytes:N0} bytes) in {(DateTime.UtcNow - started).TotalSeconds:F1} s.");
}
