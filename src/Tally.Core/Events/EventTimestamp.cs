using System.Globalization;

namespace Tally.Events;

/// <summary>
/// The one timestamp shape events may carry: <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c>.
/// A timestamp without an offset is refused rather than read in some server zone.
/// </summary>
public static class EventTimestamp
{
    /// <summary>Earliest instant an event may carry.</summary>
    public static readonly DateTime Earliest = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>How far in the future an event may be, measured from its request's arrival.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromHours(24);

    /// <summary>Parses and truncates the fraction to microseconds; returns an error message or null.</summary>
    public static string? TryParse(string text, out DateTime utc)
    {
        utc = default;
        var s = text.AsSpan();
        // The date and time part alone is 19 characters; the offset must follow.
        if (s.Length < 19
            || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2)
            || (s[10] != 'T' && s[10] != 't')
            || !Digits(s, 11, 2) || s[13] != ':' || !Digits(s, 14, 2) || s[16] != ':' || !Digits(s, 17, 2))
        {
            return "must be an ISO 8601 timestamp YYYY-MM-DDTHH:MM:SS[.fraction] with Z or ±HH:MM";
        }

        var position = 19;
        long fractionTicks = 0;
        if (position < s.Length && s[position] == '.')
        {
            position++;
            var start = position;
            while (position < s.Length && char.IsAsciiDigit(s[position]))
            {
                // Seven digits are 100-nanosecond ticks; the rest are truncated below anyway.
                if (position - start < 7)
                {
                    fractionTicks = (fractionTicks * 10) + (s[position] - '0');
                }

                position++;
            }

            if (position == start)
            {
                return "has a '.' without fraction digits";
            }

            for (var digits = position - start; digits < 7; digits++)
            {
                fractionTicks *= 10;
            }
        }

        TimeSpan offset;
        var zone = s[position..];
        if (zone is "Z" or "z")
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 6 && (zone[0] == '+' || zone[0] == '-') && Digits(zone, 1, 2) && zone[3] == ':' && Digits(zone, 4, 2))
        {
            var hours = Number(zone, 1, 2);
            var minutes = Number(zone, 4, 2);
            if (hours > 18 || minutes > 59 || (hours == 18 && minutes > 0))
            {
                return "has an offset outside ±18:00";
            }

            offset = new TimeSpan(hours, minutes, 0);
            if (zone[0] == '-')
            {
                offset = -offset;
            }
        }
        else if (zone.IsEmpty)
        {
            return "has no UTC offset: add Z or ±HH:MM (a timestamp is never read in the server's zone)";
        }
        else
        {
            return "must end with Z or a ±HH:MM offset";
        }

        int year = Number(s, 0, 4), month = Number(s, 5, 2), day = Number(s, 8, 2);
        int hour = Number(s, 11, 2), minute = Number(s, 14, 2), second = Number(s, 17, 2);
        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return "is not a valid calendar date and time";
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        var ticks = local.Ticks + (fractionTicks - (fractionTicks % 10)) - offset.Ticks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return "is out of range";
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return null;
    }

    /// <summary>The wire form used in reports: UTC, whole seconds.</summary>
    public static string FormatSeconds(DateTime utc) =>
        utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The full stored precision (microseconds), UTC.</summary>
    public static string FormatMicroseconds(DateTime utc) =>
        utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static bool Digits(ReadOnlySpan<char> s, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static int Number(ReadOnlySpan<char> s, int start, int count)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            value = (value * 10) + (s[i] - '0');
        }

        return value;
    }
}
