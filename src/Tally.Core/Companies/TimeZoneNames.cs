namespace Tally.Companies;

/// <summary>
/// Decides which time-zone names a company may have: names and links of the IANA database, exactly as spelled
/// there. .NET would also accept Windows ids (it converts them), and the database keeps a few legacy
/// abbreviation zones (EST, MST, CET...) that name no place; both are refused so that a company's days
/// always follow a real place's rules.
/// </summary>
public static class TimeZoneNames
{
    private static readonly HashSet<string> LegacyAbbreviations = new(StringComparer.Ordinal)
    {
        "EST", "MST", "HST", "CET", "EET", "MET", "WET", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "Factory",
    };

    public static bool TryFind(string name, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrEmpty(name) || LegacyAbbreviations.Contains(name))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        // A name of a folder of the zone database (Europe, America/Argentina) is a SecurityException on Linux: .NET
        // finds the path and cannot read it as a file.
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException)
        {
            return false;
        }

        return zone.HasIanaId && string.Equals(zone.Id, name, StringComparison.Ordinal);
    }

    public static TimeZoneInfo Find(string name) =>
        TryFind(name, out var zone) ? zone : throw new TimeZoneNotFoundException($"'{name}' is not an IANA time zone.");
}
