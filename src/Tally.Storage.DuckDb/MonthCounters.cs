using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The distinct counts, document usage, latency histograms and users' token sums of whole calendar months (<c>unit</c> 'month', <c>start</c> its first day),
/// so that a read of a whole month takes one counter row per key (mode, tool, model, document) instead of counting
/// distinct members over its days, and one histogram per model instead of one per day and model. They are built from the day tables at a month's first read and kept until a batch
/// stores events on one of its days: <c>rollup_months</c> lists the months whose counters are current.
/// Why at the read: kept up to date in every batch (a month set per distinct count, counted as the day sets are),
/// they took 0.8–1.1 s of each 275,000-event batch of the ingestion benchmark. A batch now only drops the months it
/// touches, which are few (today's, and those of late events), while the months a report reads are mostly closed.
/// </summary>
internal static class MonthCounters
{
    /// <summary>The tables, all keyed by company first (a time zone change deletes a company's rows).</summary>
    public static readonly string[] TableNames = [
        "rollup_months", "rollup_mode_counts", "rollup_tool_counts", "rollup_model_counts", "rollup_documents", "rollup_model_latencies",
        "rollup_user_tokens",
    ];

    private const string MonthOfDay = "date_trunc('month', day)::DATE";

    /// <summary>Drops the months that have events in <paramref name="source"/> from the current ones, in the caller's transaction.</summary>
    public static void Invalidate(DuckDBConnection connection, string source) => Execute(connection, $"""
        DELETE FROM rollup_months m
        USING (SELECT DISTINCT company_id, {MonthOfDay} AS start FROM {source}) touched
        WHERE m.company_id = touched.company_id AND m.start = touched.start
        """);

    /// <summary>
    /// Builds the counters of those of <paramref name="months"/> that are not current from the day tables and marks
    /// them current. The caller holds the aggregation lock (no batch runs meanwhile).
    /// </summary>
    public static void Build(DuckDBConnection connection, long companyId, IReadOnlyList<DateOnly> months)
    {
        var missing = Missing(connection, companyId, months);
        if (missing.Count == 0)
        {
            return;
        }

        var list = string.Join(", ", missing.Select(Literal));
        var (first, last) = (missing.Min(), DayRange.MonthEnd(missing.Max()));
        var days = $"company_id = $1 AND day BETWEEN $2 AND $3 AND {MonthOfDay} IN ({list})";
        using var transaction = connection.BeginTransaction();
        foreach (var table in TableNames)
        {
            Execute(connection, $"DELETE FROM {table} WHERE company_id = $1 AND start IN ({list})", companyId);
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
        Execute(connection, $"""
            INSERT INTO rollup_documents
            SELECT $1, 'month', {MonthOfDay}, document_id, sum(usage)::BIGINT FROM daily_documents WHERE {days} GROUP BY ALL
            """, companyId, first, last);
        Execute(connection, $"""
            INSERT INTO rollup_model_latencies
            SELECT $1, 'month', {MonthOfDay}, model, latency_ms, sum(responses)::BIGINT FROM daily_model_latencies WHERE {days} GROUP BY ALL
            """, companyId, first, last);
        Execute(connection, $"""
            INSERT INTO rollup_user_tokens
            SELECT $1, 'month', {MonthOfDay}, user_id, model, sum(input_tokens)::BIGINT, sum(output_tokens)::BIGINT FROM daily_model_users WHERE {days} GROUP BY ALL
            """, companyId, first, last);
        Execute(connection, $"INSERT INTO rollup_months SELECT $1, start FROM (VALUES {Rows(missing.Select(Literal))}) months(start)", companyId);
        transaction.Commit();
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
