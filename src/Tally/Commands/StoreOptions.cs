using System.CommandLine;

namespace Tally.Cli.Commands;

/// <summary>Options shared by the commands that open the embedded store themselves.</summary>
internal static class StoreOptions
{
    public static Option<DirectoryInfo> DataFolder(string description) => new("--data")
    {
        Description = description,
        DefaultValueFactory = _ => new DirectoryInfo(Environment.GetEnvironmentVariable("TALLY_DATA") ?? "./tally-data"),
    };
}
