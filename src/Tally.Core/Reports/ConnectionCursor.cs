using System.Globalization;
using System.Text;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// The connections report's cursor: the position of the last row served (timestamp and id) and the filters it
/// was made for, so that a page never repeats a row when new ones arrive, and a cursor cannot be replayed
/// against other filters. Opaque to clients (base64url), not a secret.
/// </summary>
public static class ConnectionCursor
{
    private const string Version = "c1";

    public static string Encode(long companyId, ReportQuery query, ConnectionRow last)
    {
        var text = string.Join('\n', Version, Filters(companyId, query),
            last.Timestamp.Ticks.ToString(CultureInfo.InvariantCulture), last.EventId);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ConnectionPosition Decode(string cursor, long companyId, ReportQuery query)
    {
        string text;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            throw ReportService.Invalid("cursor", "Invalid cursor.");
        }

        var parts = text.Split('\n', 4);
        if (parts.Length != 4 || parts[0] != Version
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            throw ReportService.Invalid("cursor", "Invalid cursor.");
        }

        if (parts[1] != Filters(companyId, query))
        {
            throw ReportService.Invalid("cursor", "This cursor was made for other filters (company_id, user_id, start_date, end_date).");
        }

        return new ConnectionPosition(new DateTime(ticks, DateTimeKind.Utc), parts[3]);
    }

    private static string Filters(long companyId, ReportQuery query) => string.Join('|',
        companyId.ToString(CultureInfo.InvariantCulture),
        query.UserId?.ToString(CultureInfo.InvariantCulture) ?? "",
        query.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        query.End?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "");
}
