using System.CommandLine;
using Tally.Cli.Configuration;
using Tally.Storage.DuckDb;

namespace Tally.Cli.Commands;

/// <summary>
/// Options shared by the commands that open the store themselves (<c>serve</c>, <c>rebuild</c>): <c>--store</c> for a
/// PostgreSQL database, else <c>--data</c> for the embedded store; and the one rule that turns them into a <see cref="StoreLocation"/>.
/// </summary>
internal static class StoreOptions
{
    public const string StoreVariable = "TALLY_STORE";
    public const string DataVariable = "TALLY_DATA";
    public const string StoreKey = "store";
    public const string DataKey = "data";
    private const string DefaultFolder = "./tally-data";

    // No default value factories: which level (command line, environment, file) named the location matters (below).
    public static Option<string?> DataFolder(string description) => new("--data")
    {
        Description = $"{description} Not with --store. Default: {DataVariable}, else \"{DataKey}\" in the configuration file, else {DefaultFolder}.",
    };

    public static Option<string?> Store() => new("--store")
    {
        Description = $"A PostgreSQL database to use instead of the embedded store: a connection string (Host=...;Database=...;Username=...;Password=...) or a postgres:// URL. Default: {StoreVariable}, else \"{StoreKey}\" in the configuration file.",
    };

    /// <summary>
    /// Where the store is. The first level that names a location wins (command line, then environment, then the
    /// configuration file); naming both a PostgreSQL database and a data folder at one level is an error rather than a
    /// silent choice. None: the embedded store in ./tally-data. Returns null with a one-line <paramref name="problem"/>
    /// for the operator (exit code 2).
    /// </summary>
    public static StoreLocation? Resolve(ParseResult parse, Settings settings, Option<string?> store, Option<string?> data, out string? problem)
    {
        problem = null;
        var storeFlag = parse.GetResult(store) is { Implicit: false } ? parse.GetValue(store) : null;
        var dataFlag = parse.GetResult(data) is { Implicit: false } ? parse.GetValue(data) : null;
        var levels = new (string? Store, string StoreName, string? Data, string DataName)[]
        {
            (storeFlag, "--store", dataFlag, "--data"),
            (Variable(StoreVariable), StoreVariable, Variable(DataVariable), DataVariable),
            (settings.FromEnvironmentOrFile(null, StoreKey)?.Value, $"\"{StoreKey}\" in the configuration file",
                settings.FromEnvironmentOrFile(null, DataKey)?.Value, $"\"{DataKey}\" in the configuration file"),
        };
        foreach (var (storeValue, storeName, dataValue, dataName) in levels)
        {
            if (storeValue is not null && dataValue is not null)
            {
                problem = $"{storeName} and {dataName} both say where the store is: give a PostgreSQL database or a data folder for the embedded store, not both.";
                return null;
            }

            if (storeValue is not null)
            {
                return StoreLocation.ParseStore(storeValue, storeName, out problem);
            }

            if (dataValue is not null)
            {
                return new StoreLocation.Embedded(Path.GetFullPath(dataValue));
            }
        }

        return new StoreLocation.Embedded(Path.GetFullPath(DefaultFolder));
    }

    /// <summary>
    /// For the commands that work on an existing store (<c>rebuild</c>, <c>events export</c>): where it is, from the
    /// configuration file too; null when a setting is bad or the data folder holds no store, each problem told in one
    /// line (exit code 2). An empty folder must not pass for an empty store: opening it would create one.
    /// </summary>
    public static async Task<StoreLocation?> ResolveExistingAsync(ParseResult parse, Option<FileInfo?> config, Option<string?> store, Option<string?> data)
    {
        var settings = Settings.Load(parse, config, ServeCommand.Keys);
        var location = Resolve(parse, settings, store, data, out var problem);
        foreach (var message in settings.Problems.Prepend(problem).OfType<string>())
        {
            await Console.Error.WriteLineAsync(message);
        }

        if (location is null || settings.Problems.Count > 0)
        {
            return null;
        }

        if (location is StoreLocation.Embedded embedded && !File.Exists(Path.Combine(embedded.Folder, DuckDbStore.FileName)))
        {
            await Console.Error.WriteLineAsync($"No Tally store in {embedded.Folder} (expected {DuckDbStore.FileName}).");
            return null;
        }

        return location;
    }

    private static string? Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
