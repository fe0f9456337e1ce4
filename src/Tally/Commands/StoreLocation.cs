using System.Data.Common;
using System.Text.RegularExpressions;
using Tally.Storage;
using Tally.Storage.DuckDb;
using Tally.Storage.Postgres;

namespace Tally.Cli.Commands;

/// <summary>
/// Where a command's store is, decided once from <c>--store</c>/<c>TALLY_STORE</c> and <c>--data</c>/<c>TALLY_DATA</c>:
/// the embedded store in a folder, or a PostgreSQL database.
/// </summary>
internal abstract partial record StoreLocation
{
    /// <summary>Opens the store (not migrated yet). An engine refuses a location it cannot use with <see cref="StoreUnavailableException"/>.</summary>
    public abstract ITallyStore Open();

    /// <summary>What to tell the operator about the location, without any password.</summary>
    public abstract string Description { get; }

    /// <summary>The embedded DuckDB store in a folder.</summary>
    public sealed record Embedded(string Folder) : StoreLocation
    {
        public override ITallyStore Open() => DuckDbStore.Open(Folder);

        public override string Description => $"data: {Folder}";
    }

    /// <summary>A PostgreSQL database, as a connection string (<c>Host=...;Database=...</c>) or a <c>postgres://</c> URL.</summary>
    public sealed record PostgreSql(string ConnectionString) : StoreLocation
    {
        public override ITallyStore Open() => PostgresStore.Open(ConnectionString);

        public override string Description => $"store: PostgreSQL {Masked(ConnectionString)}";

        // A record prints its members: this one would print the password.
        public override string ToString() => Description;
    }

    /// <summary>
    /// The location a value of <c>--store</c> or <c>TALLY_STORE</c> names, or why it is malformed (null then). Only the
    /// shape is checked here, a URL of the postgres scheme or key=value pairs; what the pairs say is the store's to judge.
    /// </summary>
    public static StoreLocation? ParseStore(string value, string source, out string? problem)
    {
        problem = null;
        if (IsUrl(value))
        {
            return new PostgreSql(value);
        }

        var firstKey = value.Split('=', 2)[0];
        if (!firstKey.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                var pairs = new DbConnectionStringBuilder { ConnectionString = value };
                if (pairs.Count > 0)
                {
                    return new PostgreSql(value);
                }
            }
            catch (ArgumentException)
            {
                // Not key=value pairs: told below.
            }
        }

        // The value is not echoed: a malformed one cannot be trusted to have its password where masking looks for it.
        problem = $"{source}: expected a PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...) or a postgres://user:password@host:port/database URL.";
        return null;
    }

    /// <summary>
    /// A location given as one value (<c>tally store copy --from/--to</c>): an existing folder, or anything that is not a
    /// PostgreSQL connection string or URL, is a data folder; the rest is a PostgreSQL database.
    /// </summary>
    public static StoreLocation ParseFolderOrStore(string value) =>
        !Directory.Exists(value) && ParseStore(value, "", out _) is { } database ? database : new Embedded(Path.GetFullPath(value));

    /// <summary>The connection string or URL with its password replaced by <c>***</c>.</summary>
    public static string Masked(string connectionString)
    {
        if (IsUrl(connectionString))
        {
            var masked = UrlPassword().Replace(connectionString, "$1***@", 1);
            return UrlQueryPassword().Replace(masked, "$1***");
        }

        var pairs = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (var key in pairs.Keys.Cast<string>().ToList())
        {
            if (key.Replace(" ", "", StringComparison.Ordinal) is "password" or "pwd")
            {
                pairs[key] = "***";
            }
        }

        return pairs.ConnectionString;
    }

    private static bool IsUrl(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    // scheme://user:password@host : the password is whatever follows the first ':' up to the last '@' before the path
    // (an '@' in it should be encoded, but a stray one must not leave the rest of the password on screen).
    [GeneratedRegex("^([a-zA-Z]+://[^:@/]*:)[^/?#]*@")]
    private static partial Regex UrlPassword();

    [GeneratedRegex("([?&]password=)[^&]*", RegexOptions.IgnoreCase)]
    private static partial Regex UrlQueryPassword();
}
