using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The day sets behind distinct counts, and the document usage, rolled up per calendar month (<c>unit</c> 'month',
/// <c>start</c> its first day): a read of a whole month then takes one counter row per key instead of counting
/// distinct members over its days. The sets take the members new to a month, counted into the counters in the same
/// batch, as the day sets do; document usage is upserted as sums.
/// Months only: ISO weeks were rolled up too at first, and doubled the rollups' share of ingestion (about 1.8 s of
/// each 275,000-event batch of the ingestion benchmark, half of it the weeks) for periods of 7 days, which the day
/// tables answer in proportion anyway. The <c>unit</c> column keeps room for other units.
/// </summary>
internal static class RollupAggregates
{
    public static readonly string[] TableNames =
    [
        "rollup_models", "rollup_query_sessions", "rollup_mode_counts", "rollup_tool_users", "rollup_tool_counts",
        "rollup_model_users", "rollup_model_counts", "rollup_documents",
    ];

    public const string Tables = """
        CREATE TABLE rollup_models (company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, model VARCHAR, PRIMARY KEY (company_id, unit, start, mode, model));
        CREATE TABLE rollup_query_sessions (company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, session_id VARCHAR, PRIMARY KEY (company_id, unit, start, mode, session_id));
        CREATE TABLE rollup_mode_counts (
            company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, models BIGINT NOT NULL, sessions BIGINT NOT NULL,
            PRIMARY KEY (company_id, unit, start, mode)
        );
        CREATE TABLE rollup_tool_users (
            company_id BIGINT, unit VARCHAR, start DATE, tool_name VARCHAR, tool_type VARCHAR, user_id BIGINT,
            PRIMARY KEY (company_id, unit, start, tool_name, tool_type, user_id)
        );
        CREATE TABLE rollup_tool_counts (
            company_id BIGINT, unit VARCHAR, start DATE, tool_name VARCHAR, tool_type VARCHAR, users BIGINT NOT NULL,
            PRIMARY KEY (company_id, unit, start, tool_name, tool_type)
        );
        CREATE TABLE rollup_model_users (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, user_id BIGINT, PRIMARY KEY (company_id, unit, start, model, user_id));
        CREATE TABLE rollup_model_counts (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, users BIGINT NOT NULL, PRIMARY KEY (company_id, unit, start, model));
        CREATE TABLE rollup_documents (company_id BIGINT, unit VARCHAR, start DATE, document_id BIGINT, usage BIGINT NOT NULL, PRIMARY KEY (company_id, unit, start, document_id));
        """;

    /// <summary>Fills the rollups from the day aggregates (which hold every aggregated event): the migration step.</summary>
    public static string Backfill => $"""
        INSERT INTO rollup_models SELECT DISTINCT company_id, unit, {Start}, mode, model FROM daily_models, {Units};
        INSERT INTO rollup_query_sessions SELECT DISTINCT company_id, unit, {Start}, mode, session_id FROM daily_query_sessions, {Units};
        INSERT INTO rollup_mode_counts
        SELECT company_id, unit, start, mode, sum(models)::BIGINT, sum(sessions)::BIGINT FROM (
            SELECT company_id, unit, start, mode, count(*) AS models, 0 AS sessions FROM rollup_models GROUP BY ALL
            UNION ALL
            SELECT company_id, unit, start, mode, 0, count(*) FROM rollup_query_sessions GROUP BY ALL
        ) GROUP BY ALL;
        INSERT INTO rollup_tool_users SELECT DISTINCT company_id, unit, {Start}, tool_name, tool_type, user_id FROM daily_tool_users, {Units};
        INSERT INTO rollup_tool_counts SELECT company_id, unit, start, tool_name, tool_type, count(*) FROM rollup_tool_users GROUP BY ALL;
        INSERT INTO rollup_model_users SELECT DISTINCT company_id, unit, {Start}, model, user_id FROM daily_model_users, {Units};
        INSERT INTO rollup_model_counts SELECT company_id, unit, start, model, count(*) FROM rollup_model_users GROUP BY ALL;
        INSERT INTO rollup_documents SELECT company_id, unit, {Start}, document_id, sum(usage)::BIGINT FROM daily_documents, {Units} GROUP BY ALL;
        """;

    /// <summary>The units kept, crossed with the rows whose <c>day</c> they roll up.</summary>
    private const string Units = "(VALUES ('month')) units(unit)";

    private const string Start = "date_trunc('month', day)::DATE";

    /// <summary>
    /// Updates the rollups with the events of <paramref name="source"/> and the document listings of
    /// <paramref name="listings"/> (with their event's <c>day</c>), in the caller's transaction.
    /// </summary>
    public static void Aggregate(DuckDBConnection connection, string source, string listings)
    {
        var modes = CountNew(connection, $"""
            INSERT INTO rollup_models SELECT DISTINCT company_id, unit, {Start}, mode, model FROM {source}, {Units} WHERE type = 'model_response'
            ON CONFLICT DO NOTHING RETURNING company_id, unit, start, mode, 'model'
            """);
        CountNew(connection, $"""
            INSERT INTO rollup_query_sessions SELECT DISTINCT company_id, unit, {Start}, mode, session_id FROM {source}, {Units} WHERE type = 'user_query'
            ON CONFLICT DO NOTHING RETURNING company_id, unit, start, mode, 'session'
            """, modes);
        ApplyIncrements(connection, modes, """
            INSERT INTO rollup_mode_counts
            SELECT company_id, unit, start, a,
                coalesce(sum(amount) FILTER (WHERE b = 'model'), 0), coalesce(sum(amount) FILTER (WHERE b = 'session'), 0)
            FROM rollup_increments GROUP BY ALL
            ON CONFLICT DO UPDATE SET models = models + excluded.models, sessions = sessions + excluded.sessions
            """);

        ApplyIncrements(connection, CountNew(connection, $"""
            INSERT INTO rollup_tool_users SELECT DISTINCT company_id, unit, {Start}, tool_name, tool_type, user_id FROM {source}, {Units} WHERE type = 'tool_call'
            ON CONFLICT DO NOTHING RETURNING company_id, unit, start, tool_name, tool_type
            """), """
            INSERT INTO rollup_tool_counts SELECT company_id, unit, start, a, b, amount FROM rollup_increments
            ON CONFLICT DO UPDATE SET users = users + excluded.users
            """);

        ApplyIncrements(connection, CountNew(connection, $"""
            INSERT INTO rollup_model_users SELECT DISTINCT company_id, unit, {Start}, model, user_id FROM {source}, {Units} WHERE type = 'model_response'
            ON CONFLICT DO NOTHING RETURNING company_id, unit, start, model, ''
            """), """
            INSERT INTO rollup_model_counts SELECT company_id, unit, start, a, amount FROM rollup_increments
            ON CONFLICT DO UPDATE SET users = users + excluded.users
            """);

        Execute(connection, $"""
            INSERT INTO rollup_documents
            SELECT company_id, unit, {Start}, document_id, count(DISTINCT event_id) FROM {listings}, {Units} GROUP BY ALL
            ON CONFLICT DO UPDATE SET usage = usage + excluded.usage
            """);
    }

    /// <summary>Runs an INSERT ... RETURNING (company_id, unit, start, a, b) and counts the rows per key into <paramref name="counts"/>.</summary>
    private static Dictionary<(long, string, DateOnly, string, string), long> CountNew(DuckDBConnection connection, string sql,
        Dictionary<(long, string, DateOnly, string, string), long>? counts = null)
    {
        counts ??= [];
        using var command = Command(connection, sql);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = (reader.GetInt64(0), reader.GetString(1), Day(reader, 2), reader.GetString(3), reader.GetString(4));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    /// <summary>Loads the counts into the temporary <c>rollup_increments</c> table (one row per key) and runs the upsert that adds them.</summary>
    private static void ApplyIncrements(DuckDBConnection connection, Dictionary<(long, string, DateOnly, string, string), long> increments, string upsert)
    {
        if (increments.Count == 0)
        {
            return;
        }

        Execute(connection, "DELETE FROM rollup_increments");
        using (var appender = connection.CreateAppender("rollup_increments"))
        {
            foreach (var ((company, unit, start, a, b), amount) in increments)
            {
                appender.CreateRow().AppendValue(company).AppendValue(unit).AppendValue(start).AppendValue(a).AppendValue(b).AppendValue(amount).EndRow();
            }
        }

        Execute(connection, upsert);
    }
}
