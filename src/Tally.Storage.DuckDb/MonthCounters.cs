using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The distinct counts, document usage and users' token sums of whole calendar months (<c>unit</c> 'month', <c>start</c> its first day),
/// so that a read of a whole month takes one counter row per key (mode, tool, model, document) instead of counting
/// distinct members over its days. They are built from the day tables at a month's first read and kept until a batch
/// stores events on one of its days: <c>rollup_months</c> lists the months whose counters are current.
/// Why at the read: kept up to date in every batch (a month set per distinct count, counted as the day sets are),
/// they took 0.8–1.1 s of each 275,000-event batch of the ingestion benchmark. A batch now only drops the months it
/// touches, which are few (today's, and those of late events), while the months a report reads are mostly closed.
/// </summary>
internal static class MonthCounters
{
    /// <summary>The tables, all keyed by company first (a time zone change deletes a company's rows).</summary>
    public static readonly string[] TableNames = [
        "rollup_months", "rollup_ranges", "rollup_mode_counts", "rollup_tool_counts", "rollup_model_counts", "rollup_documents",
        "rollup_user_tokens",
    ];

    /// <summary>The tables of the counters themselves, keyed by (company, unit, start).</summary>
    private static readonly string[] CounterTables = TableNames[2..];

    /// <summary>The counters a range inside a month has: a month's but the users' token sums, read by whole months only.</summary>
    private static readonly string[] RangeTables = [.. CounterTables.Where(table => table != "rollup_user_tokens")];

    private const string MonthOfDay = "date_trunc('month', day)::DATE";

    /// <summary>
    /// The shortest range inside a month whose counters are kept: a range of a week or less (a week view's periods)
    /// reads its few days, and keeping it would store a range per week asked.
    /// </summary>
    private const int MinRangeDays = 8;

    /// <summary>
    /// How many ranges a company keeps, the latest first: a dashboard's "last 30 days" cuts a new first month every
    /// day, and the ranges of past days are not read again.
    /// </summary>
    private const int RangesKept = 32;

    /// <summary>
    /// The <c>unit</c> of the counters of <paramref name="period"/>: 'month' for a calendar month; for a range of at
    /// least <see cref="MinRangeDays"/> days inside one month (a month view's cut first or last month), 'to' and its
    /// last day; null for any other period, which is read from its days.
    /// </summary>
    public static string? UnitOf(DayRange period)
    {
        if (period.First.Day == 1 && period.Last == DayRange.MonthEnd(period.First))
        {
            return "month";
        }

        return period.Last <= DayRange.MonthEnd(period.First) && period.Count >= MinRangeDays
            ? "to " + period.Last.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>Drops the months that have events in <paramref name="source"/>, and the ranges inside them, from the current ones, in the caller's transaction.</summary>
    public static void Invalidate(DuckDBConnection connection, string source)
    {
        var touched = $"(SELECT DISTINCT company_id, {MonthOfDay} AS start FROM {source}) touched";
        Execute(connection, $"DELETE FROM rollup_months m USING {touched} WHERE m.company_id = touched.company_id AND m.start = touched.start");
        Execute(connection, $"""
            DELETE FROM rollup_ranges r USING {touched}
            WHERE r.company_id = touched.company_id AND date_trunc('month', r.start)::DATE = touched.start
            """);
    }

    /// <summary>
    /// Builds the counters of those of <paramref name="periods"/> (each a month or a range with a <see cref="UnitOf"/>)
    /// that are not current from the day tables and marks them current. The caller holds the aggregation lock (no
    /// batch runs meanwhile).
    /// </summary>
    public static void Build(DuckDBConnection connection, long companyId, IReadOnlyList<DayRange> periods)
    {
        BuildMonths(connection, companyId, periods.Where(period => UnitOf(period) == "month").Select(period => period.First).ToList());
        var ranges = periods.Where(period => UnitOf(period) is { } unit && unit != "month").Distinct().ToList();
        foreach (var range in MissingRanges(connection, companyId, ranges))
        {
            BuildRange(connection, companyId, range, ranges);
        }
    }

    private static void BuildMonths(DuckDBConnection connection, long companyId, List<DateOnly> months)
    {
        if (months.Count == 0)
        {
            return;
        }

        var missing = Missing(connection, companyId, months);
        if (missing.Count == 0)
        {
            return;
        }

        var list = string.Join(", ", missing.Select(Literal));
        var (first, last) = (missing.Min(), DayRange.MonthEnd(missing.Max()));
        var days = $"company_id = $1 AND day BETWEEN $2 AND $3 AND {MonthOfDay} IN ({list})";
        using var transaction = connection.BeginTransaction();
        Execute(connection, $"DELETE FROM rollup_months WHERE company_id = $1 AND start IN ({list})", companyId);
        foreach (var table in CounterTables)
        {
            Execute(connection, $"DELETE FROM {table} WHERE company_id = $1 AND unit = 'month' AND start IN ({list})", companyId);
        }

        Execute(connection, $"""
            INSERT INTO rollup_mode_counts
            WITH models AS (SELECT {MonthOfDay} AS start, mode, count(DISTINCT model) AS n FROM daily_models WHERE {days} GROUP BY ALL),
            sessions AS (SELECT {MonthOfDay} AS start, mode, count(DISTINCT session_id) AS n FROM daily_query_sessions WHERE {days} GROUP BY ALL)
            SELECT $1, 'month', start, mode, coalesce(models.n, 0), coalesce(sessions.n, 0)
            FROM models FULL JOIN sessions USING (start, mode)
            """, companyId, first, last);
        Execute(connection, $"""
            INSERT INTO rollup_tool_counts
            SELECT $1, 'month', {MonthOfDay}, tool_name, tool_type, count(DISTINCT user_id) FROM daily_tool_users WHERE {days} GROUP BY ALL
            """, companyId, first, last);
        Execute(connection, $"""
            INSERT INTO rollup_model_counts
            SELECT $1, 'month', {MonthOfDay}, model, count(DISTINCT user_id) FROM daily_model_users WHERE {days} GROUP BY ALL
            """, companyId, first, last);
        Execute(connection, RankedDocuments("'month'", $"SELECT {MonthOfDay} AS start, document_id, sum(usage)::BIGINT AS usage FROM daily_documents WHERE {days} GROUP BY ALL"),
            companyId, first, last);
        Execute(connection, $"""
            INSERT INTO rollup_user_tokens
            SELECT $1, 'month', {MonthOfDay}, user_id, model, sum(input_tokens)::BIGINT, sum(output_tokens)::BIGINT FROM daily_model_users WHERE {days} GROUP BY ALL
            """, companyId, first, last);
        Execute(connection, $"INSERT INTO rollup_months SELECT $1, start FROM (VALUES {Rows(missing.Select(Literal))}) months(start)", companyId);
        transaction.Commit();
    }

    /// <summary>
    /// Builds the counters of one range inside a month, as a month's but over its days and without the users' token
    /// sums (read by whole months only), marks it current and drops the ranges past the <see cref="RangesKept"/>
    /// latest, never one of <paramref name="read"/> (the read that builds it reads them next), with their rows and
    /// those of ranges no longer current.
    /// </summary>
    private static void BuildRange(DuckDBConnection connection, long companyId, DayRange range, List<DayRange> read)
    {
        var unit = UnitOf(range)!;
        var days = "company_id = $1 AND day BETWEEN $2 AND $3";
        using var transaction = connection.BeginTransaction();
        foreach (var table in RangeTables)
        {
            Execute(connection, $"DELETE FROM {table} WHERE company_id = $1 AND unit = $2 AND start = $3", companyId, unit, range.First);
        }

        Execute(connection, $"""
            INSERT INTO rollup_mode_counts
            WITH models AS (SELECT mode, count(DISTINCT model) AS n FROM daily_models WHERE {days} GROUP BY ALL),
            sessions AS (SELECT mode, count(DISTINCT session_id) AS n FROM daily_query_sessions WHERE {days} GROUP BY ALL)
            SELECT $1, $4, $2, mode, coalesce(models.n, 0), coalesce(sessions.n, 0)
            FROM models FULL JOIN sessions USING (mode)
            """, companyId, range.First, range.Last, unit);
        Execute(connection, $"""
            INSERT INTO rollup_tool_counts
            SELECT $1, $4, $2, tool_name, tool_type, count(DISTINCT user_id) FROM daily_tool_users WHERE {days} GROUP BY ALL
            """, companyId, range.First, range.Last, unit);
        Execute(connection, $"""
            INSERT INTO rollup_model_counts
            SELECT $1, $4, $2, model, count(DISTINCT user_id) FROM daily_model_users WHERE {days} GROUP BY ALL
            """, companyId, range.First, range.Last, unit);
        Execute(connection, RankedDocuments("$4", $"SELECT $2 AS start, document_id, sum(usage)::BIGINT AS usage FROM daily_documents WHERE {days} GROUP BY ALL"),
            companyId, range.First, range.Last, unit);
        Execute(connection, "INSERT INTO rollup_ranges VALUES ($1, $2, $3)", companyId, range.First, range.Last);
        // The ranges of the read that builds this one are kept whatever their days (the read follows the build): the
        // others are ranked, and as many dropped as leaves RangesKept in all.
        Execute(connection, $"""
            WITH read(start, last_day) AS (VALUES {Rows(read.Select(r => $"{Literal(r.First)}, {Literal(r.Last)}"))}),
            ranked AS (
                SELECT start, last_day, row_number() OVER (ORDER BY start DESC, last_day DESC) AS latest
                FROM (SELECT start, last_day FROM rollup_ranges WHERE company_id = $1 EXCEPT SELECT start, last_day FROM read))
            DELETE FROM rollup_ranges r USING ranked k
            WHERE r.company_id = $1 AND k.start = r.start AND k.last_day = r.last_day AND k.latest > {Math.Max(0, RangesKept - read.Count)}
            """, companyId);
        foreach (var table in RangeTables)
        {
            Execute(connection, $"""
                DELETE FROM {table} t WHERE company_id = $1 AND unit <> 'month' AND NOT EXISTS (
                    SELECT 1 FROM rollup_ranges r
                    WHERE r.company_id = $1 AND r.start = t.start AND t.unit = 'to ' || strftime(r.last_day, '%Y-%m-%d'))
                """, companyId);
        }

        transaction.Commit();
    }

    /// <summary>
    /// Inserts the document sums of <paramref name="sums"/> (start, document_id, usage) as the <c>rollup_documents</c>
    /// of the company $1 and <paramref name="unit"/>, each row with its place in its period (by uses, then the lower id,
    /// as used-documents orders them) and the period's count of documents: a read with a <c>limit</c> takes a period's
    /// first rows, which carry its count, instead of ranking all of them (at 10M events, 22,000 document rows for a
    /// year by month).
    /// </summary>
    private static string RankedDocuments(string unit, string sums) => $"""
        INSERT INTO rollup_documents
        SELECT $1, {unit}, start, document_id, usage,
            row_number() OVER (PARTITION BY start ORDER BY usage DESC, document_id), count(*) OVER (PARTITION BY start)
        FROM ({sums})
        """;

    private static List<DayRange> MissingRanges(DuckDBConnection connection, long companyId, List<DayRange> ranges)
    {
        if (ranges.Count == 0)
        {
            return [];
        }

        using var command = Command(connection, $"""
            SELECT ranges.start, ranges.last_day FROM (VALUES {Rows(ranges.Distinct().Select(r => $"{Literal(r.First)}, {Literal(r.Last)}"))}) ranges(start, last_day)
            ANTI JOIN rollup_ranges r ON r.company_id = $1 AND r.start = ranges.start AND r.last_day = ranges.last_day
            """, companyId);
        using var reader = command.ExecuteReader();
        var missing = new List<DayRange>();
        while (reader.Read())
        {
            missing.Add(new DayRange(Day(reader, 0), Day(reader, 1)));
        }

        return missing;
    }

    private static List<DateOnly> Missing(DuckDBConnection connection, long companyId, IReadOnlyList<DateOnly> months)
    {
        using var command = Command(connection, $"""
            SELECT months.start FROM (VALUES {Rows(months.Select(Literal))}) months(start)
            ANTI JOIN rollup_months m ON m.company_id = $1 AND m.start = months.start
            """, companyId);
        using var reader = command.ExecuteReader();
        var missing = new List<DateOnly>();
        while (reader.Read())
        {
            missing.Add(Day(reader, 0));
        }

        return missing;
    }
}
