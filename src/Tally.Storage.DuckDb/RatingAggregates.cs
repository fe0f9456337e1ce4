using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// Keeps where the current ratings go (the satisfaction report): per day, likes and dislikes by the model, the tools
/// and the documents of the rated answer. A rating's contribution depends on state that later events change (its own
/// latest kind and day, the answer's first model_response, the answer's tools), so a batch recomputes the contribution
/// of every response id it touches: <see cref="Withdraw"/> subtracts it from the state before the batch, and
/// <see cref="Restore"/>, once the batch is in the state, adds it back. The writes follow the batch's response ids and
/// their ratings; the lookups of those answers are hash joins that scan the ratings, first responses, tools and
/// document listings stored, so they grow with the data (an indexed lookup would not: not done yet).
/// A rebuild runs the same over all of a company's events (nothing to withdraw).
/// </summary>
internal static class RatingAggregates
{
    /// <summary>The tables to empty for a company before it is rebuilt.</summary>
    public static readonly string[] Tables =
    [
        "first_responses", "response_tools", "daily_model_ratings", "daily_tool_ratings", "daily_document_ratings",
    ];

    /// <summary>The answer ids of the batch's responses, tool calls and ratings, and their contributions withdrawn. Runs before the ratings change.</summary>
    public static void Withdraw(DuckDBConnection connection, string events)
    {
        Execute(connection, """
            CREATE TEMP TABLE IF NOT EXISTS rating_touched (company_id BIGINT, response_id VARCHAR);
            CREATE TEMP TABLE IF NOT EXISTS rating_changes (
                company_id BIGINT, day DATE, kind VARCHAR, dimension VARCHAR,
                model VARCHAR, tool_name VARCHAR, tool_type VARCHAR, document_id BIGINT, amount BIGINT);
            DELETE FROM rating_touched;
            DELETE FROM rating_changes;
            """);
        Execute(connection, $"""
            INSERT INTO rating_touched
            SELECT DISTINCT company_id, response_id FROM {events} e
            WHERE response_id IS NOT NULL AND (type IN ('model_response', 'tool_call') OR (type = 'feedback' AND kind IN ('like', 'dislike', 'none')))
            """);
        Execute(connection, Contributions(-1));
    }

    /// <summary>Brings the answers' state up to the batch, adds the touched answers' contributions back and applies the differences.</summary>
    public static void Restore(DuckDBConnection connection, string events)
    {
        // Appended, without a key: an ART-keyed upsert of these string keys cost about three quarters of a batch's
        // time in them (measured: 230 ms against 80 ms per 250,000 events, 120 against 25 for the tools). An answer
        // whose responses or tool calls span batches has a row from each; the readers pick the earliest response and
        // the distinct tools (see Contributions).
        Execute(connection, $$"""
            INSERT INTO first_responses
            SELECT company_id, response_id, first.model, first.at, first.event_id FROM (
                SELECT company_id, response_id, min({'at': ts, 'event_id': event_id, 'model': model}) AS first
                FROM {{events}} e WHERE type = 'model_response' GROUP BY company_id, response_id)
            """);
        Execute(connection, $"""
            INSERT INTO response_tools
            SELECT DISTINCT company_id, response_id, tool_name, tool_type FROM {events} e WHERE type = 'tool_call' AND response_id IS NOT NULL
            """);

        Execute(connection, Contributions(1));
        foreach (var (table, dimension, keys) in new[]
        {
            ("daily_model_ratings", "model", "model"),
            ("daily_tool_ratings", "tool", "tool_name, tool_type"),
            ("daily_document_ratings", "document", "document_id"),
        })
        {
            Execute(connection, $"""
                INSERT INTO {table}
                SELECT * FROM (
                    SELECT company_id, day, {keys},
                        coalesce(sum(amount) FILTER (WHERE kind = 'like'), 0) AS likes, coalesce(sum(amount) FILTER (WHERE kind = 'dislike'), 0) AS dislikes
                    FROM rating_changes WHERE dimension = '{dimension}' GROUP BY company_id, day, {keys}
                ) WHERE likes <> 0 OR dislikes <> 0
                ON CONFLICT DO UPDATE SET likes = likes + excluded.likes, dislikes = dislikes + excluded.dislikes
                """);
        }
    }

    /// <summary>
    /// The touched answers' current likes and dislikes, times <paramref name="sign"/>, on their days: once for the
    /// answer's model ('' when no response is stored), once per distinct tool, once per distinct document the first
    /// response lists. The rated response is the answer's earliest response row by (time, event id), its documents
    /// that response's own listing in event_documents, found by its event id.
    /// </summary>
    private static string Contributions(int sign) => $$"""
        INSERT INTO rating_changes
        WITH rated AS (
            SELECT r.company_id, r.user_id, r.response_id, r.day, r.kind
            FROM ratings r JOIN rating_touched t ON t.company_id = r.company_id AND t.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike')
        ),
        firsts AS (
            SELECT f.company_id, f.response_id, min({'at': f.first_at, 'event_id': f.first_event_id, 'model': f.model}) AS first
            FROM first_responses f JOIN rating_touched t ON t.company_id = f.company_id AND t.response_id = f.response_id
            GROUP BY f.company_id, f.response_id
        ),
        tools AS (
            SELECT DISTINCT x.company_id, x.response_id, x.tool_name, x.tool_type
            FROM response_tools x JOIN rating_touched t ON t.company_id = x.company_id AND t.response_id = x.response_id
        )
        SELECT r.company_id, r.day, r.kind, 'model', coalesce(f.first.model, ''), NULL, NULL, NULL, {{sign}}
        FROM rated r LEFT JOIN firsts f ON f.company_id = r.company_id AND f.response_id = r.response_id
        UNION ALL
        SELECT r.company_id, r.day, r.kind, 'tool', NULL, t.tool_name, t.tool_type, NULL, {{sign}}
        FROM rated r JOIN tools t ON t.company_id = r.company_id AND t.response_id = r.response_id
        UNION ALL
        SELECT company_id, day, kind, 'document', NULL, NULL, NULL, document_id, {{sign}}
        FROM (
            -- One per rating and document, however often the response lists it.
            SELECT DISTINCT r.company_id, r.user_id, r.response_id, r.day, r.kind, d.document_id
            FROM rated r
            JOIN firsts f ON f.company_id = r.company_id AND f.response_id = r.response_id
            JOIN event_documents d ON d.company_id = f.company_id AND d.event_id = f.first.event_id
        )
        """;
}
