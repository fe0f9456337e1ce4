using System.CommandLine;

namespace Tally.Cli.Commands;

/// <summary>
/// Options shared by the commands that open the store themselves (<c>serve</c>, <c>rebuild</c>): <c>--store</c> for a
/// PostgreSQL database, else <c>--data</c> for the embedded store; and the one rule that turns them into a <see cref="StoreLocation"/>.
/// </summary>
internal static class StoreOptions
{
    public const string StoreVariable = "TALLY_STORE";
    public const string DataVariable = "TALLY_DATA";

    public static Option<DirectoryInfo> DataFolder(string description) => new("--data")
    {
        Description = $"{description} Not with --store. Default: {DataVariable}, else ./tally-data.",
        DefaultValueFactory = _ => new DirectoryInfo(NonEmpty(Environment.GetEnvironmentVariable(DataVariable)) ?? "./tally-data"),
    };

    // No default value factory: whether the location came from the command line or from TALLY_STORE matters (below).
    public static Option<string?> Store() => new("--store")
    {
        Description = $"A PostgreSQL database to use instead of the embedded store: a connection string (Host=...;Database=...;Username=...;Password=...) or a postgres:// URL. Default: {StoreVariable}.",
    };

    /// <summary>
    /// Where the store is. The command line wins over the environment; at either level, naming both a PostgreSQL
    /// database and a data folder is an error rather than a silent choice. Neither: the embedded store in ./tally-data.
    /// Returns null with a one-line <paramref name="problem"/> for the operator (exit code 2).
    /// </summary>
    public static StoreLocation? Resolve(ParseResult parse, Option<string?> store, Option<DirectoryInfo> data, out string? problem)
    {
        problem = null;
        var storeArgument = parse.GetValue(store);
        var dataGiven = parse.GetResult(data) is { Implicit: false };
        var dataFolder = parse.GetValue(data)!.FullName;
        if (storeArgument is not null)
        {
            if (dataGiven)
            {
                problem = "--store and --data both say where the store is: give --store for a PostgreSQL database or --data for the embedded store, not both.";
                return null;
            }

            return StoreLocation.ParseStore(storeArgument, "--store", out problem);
        }

        if (dataGiven)
        {
            return new StoreLocation.Embedded(dataFolder);
        }

        if (NonEmpty(Environment.GetEnvironmentVariable(StoreVariable)) is { } storeVariable)
        {
            if (NonEmpty(Environment.GetEnvironmentVariable(DataVariable)) is not null)
            {
                problem = $"{StoreVariable} and {DataVariable} are both set: unset one (or say which on the command line with --store or --data).";
                return null;
            }

            return StoreLocation.ParseStore(storeVariable, StoreVariable, out problem);
        }

        return new StoreLocation.Embedded(dataFolder);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
