using Npgsql;

namespace Tally.Storage.Postgres;

/// <summary>Reads a store location: Npgsql's key=value pairs, or the postgres:// URL most tools print.</summary>
public static class ConnectionStrings
{
    /// <summary>The location as Npgsql's builder; a malformed one is a <see cref="StoreUnavailableException"/>.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string location)
    {
        try
        {
            return location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                ? FromUrl(new Uri(location))
                : new NpgsqlConnectionStringBuilder(location);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException or FormatException or KeyNotFoundException)
        {
            throw new StoreUnavailableException($"The PostgreSQL location is malformed: {e.Message.Split('\n')[0].TrimEnd('.')}.", e);
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(Uri url)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = url.Host };
        if (url.Port > 0)
        {
            builder.Port = url.Port;
        }

        if (url.UserInfo.Length > 0)
        {
            var user = url.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(user[1]);
            }
        }

        var database = url.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            builder.Database = Uri.UnescapeDataString(database);
        }

        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0]);
            // libpq's names for the parameters Npgsql spells otherwise.
            key = key switch
            {
                "sslmode" => "SSL Mode",
                "application_name" => "Application Name",
                "connect_timeout" => "Timeout",
                _ => key,
            };
            builder[key] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
        }

        return builder;
    }
}
