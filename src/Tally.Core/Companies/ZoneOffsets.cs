namespace Tally.Companies;

/// <summary>A time zone's UTC offsets over a span of instants, for engines that put many events on their local days at once.</summary>
public static class ZoneOffsets
{
    /// <summary>
    /// The zone's UTC offset over [first, last], as periods of constant offset; the last period runs to
    /// <see cref="DateTime.MaxValue"/>. Offsets since 2000 change on quarter hours, so sampling every 15 minutes
    /// finds every change.
    /// </summary>
    public static IEnumerable<(DateTime Start, DateTime End, TimeSpan Offset)> Periods(TimeZoneInfo zone, DateTime first, DateTime last)
    {
        var step = TimeSpan.FromMinutes(15);
        var start = new DateTime(first.Ticks - (first.Ticks % step.Ticks), DateTimeKind.Utc);
        var offset = zone.GetUtcOffset(start);
        for (var t = start + step; t <= last; t += step)
        {
            var next = zone.GetUtcOffset(t);
            if (next != offset)
            {
                yield return (start, t, offset);
                start = t;
                offset = next;
            }
        }

        yield return (start, DateTime.MaxValue, offset);
    }
}
