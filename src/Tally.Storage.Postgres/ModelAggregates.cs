namespace Tally.Storage.Postgres;

/// <summary>
/// The aggregates of the <c>model_response</c> events, per company, day and model: additive counts and token sums, the
/// users answered with their token sums (a set for distinct users over any period, and each user's tokens), and the
/// latency histogram (each latency rounded up to two significant digits, which takes few distinct values, with its
/// count), from which a period's percentiles are exact. Upserted as sums in each commit, like the other aggregates.
/// </summary>
internal static class ModelAggregates
{
    public static readonly string[] TableNames = ["daily_model_usage", "daily_model_users", "daily_model_latencies"];

    public const string Tables = """
        CREATE TABLE daily_model_usage (
            company_id bigint, day date, model text COLLATE "C",
            responses bigint NOT NULL, responses_with_documents bigint NOT NULL,
            input_tokens bigint NOT NULL, output_tokens bigint NOT NULL, responses_with_usage bigint NOT NULL,
            PRIMARY KEY (company_id, day, model)
        );
        CREATE TABLE daily_model_users (
            company_id bigint, day date, model text COLLATE "C", user_id bigint,
            input_tokens bigint NOT NULL, output_tokens bigint NOT NULL,
            PRIMARY KEY (company_id, day, model, user_id)
        );
        -- latency_ms is the rounded value: up to 93 × 10^17, past bigint.
        CREATE TABLE daily_model_latencies (
            company_id bigint, day date, model text COLLATE "C", latency_ms numeric(20, 0), responses bigint NOT NULL,
            PRIMARY KEY (company_id, day, model, latency_ms)
        );
        """;

    /// <summary>The statements, in order, over <paramref name="events"/> (a relation with the columns of <c>events</c>).</summary>
    public static IEnumerable<string> Statements(string events)
    {
        yield return $"""
            INSERT INTO daily_model_usage AS t
            SELECT company_id, day, model, count(*), count(*) FILTER (WHERE document_count > 0),
                coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
                count(*) FILTER (WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL)
            FROM {events} e WHERE type = 'model_response' GROUP BY company_id, day, model
            ON CONFLICT (company_id, day, model) DO UPDATE SET
                responses = t.responses + excluded.responses,
                responses_with_documents = t.responses_with_documents + excluded.responses_with_documents,
                input_tokens = t.input_tokens + excluded.input_tokens,
                output_tokens = t.output_tokens + excluded.output_tokens,
                responses_with_usage = t.responses_with_usage + excluded.responses_with_usage
            """;
        yield return $"""
            INSERT INTO daily_model_users AS t
            SELECT company_id, day, model, user_id, coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0)
            FROM {events} e WHERE type = 'model_response' GROUP BY company_id, day, model, user_id
            ON CONFLICT (company_id, day, model, user_id) DO UPDATE SET
                input_tokens = t.input_tokens + excluded.input_tokens, output_tokens = t.output_tokens + excluded.output_tokens
            """;
        yield return $"""
            INSERT INTO daily_model_latencies AS t
            SELECT company_id, day, model, ((latency_ms / unit) + (latency_ms % unit > 0)::int)::numeric * unit, count(*)
            FROM (
                SELECT company_id, day, model, latency_ms, (10::numeric ^ greatest(length(latency_ms::text) - 2, 0))::bigint AS unit
                FROM {events} e WHERE type = 'model_response' AND latency_ms IS NOT NULL
            ) l GROUP BY 1, 2, 3, 4
            ON CONFLICT (company_id, day, model, latency_ms) DO UPDATE SET responses = t.responses + excluded.responses
            """;
    }
}
