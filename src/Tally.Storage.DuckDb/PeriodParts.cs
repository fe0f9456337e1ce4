using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The periods of a read split by where their distinct counts come from: a period that is exactly one calendar month
/// (whatever the granularity asked, so a total over one month counts), or a range of more than a week inside one
/// month (a month view's cut first and last months), reads its rolled-up counters (<see cref="MonthCounters"/>, which
/// the read first makes current); any other period (days, weeks, a period across months) reads the day tables
/// (<see cref="DayRows"/>).
/// </summary>
internal sealed class PeriodParts
{
    /// <summary>
    /// Up to this many periods read from the day tables, each is its own scan of its days; beyond, one scan of their
    /// span joined with the period of each day. A month view has at most two such periods (its cut first and last
    /// months), far apart: two scans of their days read about a thirtieth of the year's rows and skip the join (at
    /// 10M events, chat-sessions' distinct models and sessions of a year by month: 9.4 ms with the joined scan, 7.3 ms
    /// with two scans). A year by week is 53 periods side by side: one scan and a hash join on the day (31 ms) beats
    /// 53 scans (55 ms).
    /// </summary>
    private const int ScansAtMost = 4;

    private readonly List<(DayRange Days, int Index)> _dayPeriods = [];

    private PeriodParts(IReadOnlyList<DayRange> periods)
    {
        var whole = new List<string> { "NULL::VARCHAR, NULL::DATE, -1" };
        var counted = new List<DayRange>();
        for (var index = 0; index < periods.Count; index++)
        {
            var period = periods[index];
            if (MonthCounters.UnitOf(period) is { } unit)
            {
                whole.Add($"'{unit}', {Literal(period.First)}, {Literal(index)}");
                counted.Add(period);
            }
            else
            {
                _dayPeriods.Add((period, index));
            }
        }

        WholeValues = Rows(whole);
        Counted = counted;
    }

    /// <summary>
    /// VALUES rows (unit, start, period) of the periods read from the rollups, led by a row that joins nothing, so
    /// that the list is never empty.
    /// </summary>
    public string WholeValues { get; }

    /// <summary>The periods read from the rollups: whole months and the longer ranges inside one month (<see cref="MonthCounters.UnitOf"/>).</summary>
    public IReadOnlyList<DayRange> Counted { get; }

    /// <summary>Whether some period is read from the day tables; a statement leaves its day part out otherwise.</summary>
    public bool HasDayPeriods => _dayPeriods.Count > 0;

    public static PeriodParts Of(IReadOnlyList<DayRange> periods) => new(periods);

    /// <summary>
    /// A relation (period, <paramref name="columns"/>...) of the rows of the day table <paramref name="table"/> on the
    /// days of the periods read by day, for the company $1. Days and periods are literals written by Tally.
    /// </summary>
    public string DayRows(string table, string columns)
    {
        if (_dayPeriods.Count == 0)
        {
            return $"(SELECT NULL::INTEGER AS period, {columns} FROM {table} WHERE FALSE)";
        }

        if (_dayPeriods.Count <= ScansAtMost)
        {
            return "(" + string.Join(" UNION ALL ", _dayPeriods.Select(part => $"""
                SELECT {Literal(part.Index)}::INTEGER AS period, {columns} FROM {table}
                WHERE company_id = $1 AND day BETWEEN {Literal(part.Days.First)} AND {Literal(part.Days.Last)}
                """)) + ")";
        }

        // An equality join on the day is a hash join; a join on each period's first and last day was a range join,
        // about 30 times slower over a year of sessions. At most 3,660 days.
        var days = Rows(_dayPeriods.SelectMany(part => Enumerable.Range(part.Days.First.DayNumber, part.Days.Count)
            .Select(day => $"{Literal(DateOnly.FromDayNumber(day))}, {Literal(part.Index)}")));
        return $"""
            (SELECT p.period, {columns} FROM {table} JOIN (VALUES {days}) p(day, period) USING (day)
            WHERE company_id = $1 AND day BETWEEN {Literal(_dayPeriods[0].Days.First)} AND {Literal(_dayPeriods[^1].Days.Last)})
            """;
    }

    /// <summary>
    /// A statement giving (period, keys..., count) rows: the distinct <paramref name="counted"/> of the day set
    /// <paramref name="dayTable"/> per period and <paramref name="keys"/>, and for the whole months the
    /// <paramref name="rollupCount"/> column of the month rollup <paramref name="rollupTable"/>. Its one parameter, $1,
    /// is the company.
    /// </summary>
    public string DistinctCounts(string dayTable, string[] keys, string counted, string rollupTable, string rollupCount) => $"""
        WITH whole(unit, start, period) AS (VALUES {WholeValues})
        {(HasDayPeriods ? $"""
            SELECT period, {string.Join(", ", keys)}, count(DISTINCT {counted})
            FROM {DayRows(dayTable, string.Join(", ", keys.Append(counted)))}
            GROUP BY ALL
            UNION ALL
            """ : "")}
        SELECT w.period, {string.Join(", ", keys.Select(key => "c." + key))}, c.{rollupCount}
        FROM {rollupTable} c JOIN whole w ON c.unit = w.unit AND c.start = w.start
        WHERE c.company_id = $1
        """;
}
