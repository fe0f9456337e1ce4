using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The periods of a read split by where their distinct counts come from: a period that is exactly one calendar month
/// (whatever the granularity asked, so a total over one month counts) reads its rolled-up counters
/// (<see cref="MonthCounters"/>, which the read first makes current); any other period (a range's cut first and last period, days, a longer total)
/// reads the day tables. Both lists are SQL VALUES rows led by a row that joins nothing, so that neither is empty.
/// </summary>
internal sealed class PeriodParts
{
    private PeriodParts(IReadOnlyList<DayRange> periods)
    {
        var days = new List<string> { "NULL::DATE, -1" };
        var whole = new List<string> { "NULL::VARCHAR, NULL::DATE, -1" };
        var months = new List<DateOnly>();
        var (first, last) = (DateOnly.MaxValue, DateOnly.MinValue);
        for (var index = 0; index < periods.Count; index++)
        {
            var period = periods[index];
            if (Unit(period) is { } unit)
            {
                whole.Add($"'{unit}', {Literal(period.First)}, {Literal(index)}");
                months.Add(period.First);
                continue;
            }

            days.AddRange(Enumerable.Range(period.First.DayNumber, period.Count)
                .Select(day => $"{Literal(DateOnly.FromDayNumber(day))}, {Literal(index)}"));
            (first, last) = (first < period.First ? first : period.First, last > period.Last ? last : period.Last);
        }

        DayValues = Rows(days);
        WholeValues = Rows(whole);
        WholeMonths = months;
        (FirstDay, LastDay) = (first, last);
    }

    /// <summary>VALUES rows (day, period) of every day of the periods read from the day tables.</summary>
    public string DayValues { get; }

    /// <summary>VALUES rows (unit, start, period) of the whole months, read from the rollups.</summary>
    public string WholeValues { get; }

    /// <summary>The first days of the whole months.</summary>
    public IReadOnlyList<DateOnly> WholeMonths { get; }

    /// <summary>The span of the days read from the day tables (first after last when there are none).</summary>
    public DateOnly FirstDay { get; }

    public DateOnly LastDay { get; }

    public static PeriodParts Of(IReadOnlyList<DayRange> periods) => new(periods);

    /// <summary>
    /// A statement giving (period, keys..., count) rows: the distinct <paramref name="counted"/> of the day set
    /// <paramref name="dayTable"/> per period and <paramref name="keys"/>, and for the whole months the
    /// <paramref name="rollupCount"/> column of the month rollup <paramref name="rollupTable"/>. Its parameters: $1 the
    /// company, $2 and $3 <see cref="FirstDay"/> and <see cref="LastDay"/>.
    /// </summary>
    public string DistinctCounts(string dayTable, string[] keys, string counted, string rollupTable, string rollupCount) => $"""
        WITH periods(day, period) AS (VALUES {DayValues}),
        whole(unit, start, period) AS (VALUES {WholeValues})
        SELECT p.period, {Columns("u", keys)}, count(DISTINCT u.{counted})
        FROM {dayTable} u JOIN periods p ON u.day = p.day
        WHERE u.company_id = $1 AND u.day BETWEEN $2 AND $3
        GROUP BY p.period, {Columns("u", keys)}
        UNION ALL
        SELECT w.period, {Columns("c", keys)}, c.{rollupCount}
        FROM {rollupTable} c JOIN whole w ON c.unit = w.unit AND c.start = w.start
        WHERE c.company_id = $1
        """;

    private static string Columns(string table, string[] names) => string.Join(", ", names.Select(name => $"{table}.{name}"));

    private static string? Unit(DayRange period) =>
        period.First.Day == 1 && period.Last == DayRange.MonthEnd(period.First) ? "month" : null;
}
