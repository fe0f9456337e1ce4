using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The aggregates of the <c>model_response</c> events, per company, day and model: additive counts and token sums, the
/// users answered with their token sums (a set for distinct users over any period, and each user's tokens), and the
/// latency histogram (each latency rounded up to two significant digits, which takes few distinct values, with its
/// count), from which a period's percentiles are exact. Upserted as sums in each batch, like the other aggregates.
/// </summary>
internal static class ModelAggregates
{
    public static readonly string[] TableNames = ["daily_model_usage", "daily_model_users", "daily_model_latencies"];

    public const string Tables = """
        CREATE TABLE daily_model_usage (
            company_id BIGINT, day DATE, model VARCHAR,
            responses BIGINT NOT NULL, responses_with_documents BIGINT NOT NULL,
            input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, responses_with_usage BIGINT NOT NULL,
            PRIMARY KEY (company_id, day, model)
        );
        CREATE TABLE daily_model_users (
            company_id BIGINT, day DATE, model VARCHAR, user_id BIGINT,
            input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
            PRIMARY KEY (company_id, day, model, user_id)
        );
        -- latency_ms is the rounded value: up to 93 × 10^17, past BIGINT.
        CREATE TABLE daily_model_latencies (
            company_id BIGINT, day DATE, model VARCHAR, latency_ms DECIMAL(20, 0), responses BIGINT NOT NULL,
            PRIMARY KEY (company_id, day, model, latency_ms)
        );
        """;

    /// <summary>The statements over <paramref name="source"/> (a relation with the columns of <c>events</c>), separated by semicolons.</summary>
    public static string Statements(string source, string filter) => $"""
        INSERT INTO daily_model_usage
        SELECT company_id, day, model, count(*), count(*) FILTER (WHERE document_count > 0),
            coalesce(sum(input_tokens), 0)::BIGINT, coalesce(sum(output_tokens), 0)::BIGINT,
            count(*) FILTER (WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL)
        FROM {source} WHERE type = 'model_response' {filter} GROUP BY company_id, day, model
        ON CONFLICT DO UPDATE SET
            responses = responses + excluded.responses,
            responses_with_documents = responses_with_documents + excluded.responses_with_documents,
            input_tokens = input_tokens + excluded.input_tokens,
            output_tokens = output_tokens + excluded.output_tokens,
            responses_with_usage = responses_with_usage + excluded.responses_with_usage;

        INSERT INTO daily_model_users
        SELECT company_id, day, model, user_id, coalesce(sum(input_tokens), 0)::BIGINT, coalesce(sum(output_tokens), 0)::BIGINT
        FROM {source} WHERE type = 'model_response' {filter} GROUP BY company_id, day, model, user_id
        ON CONFLICT DO UPDATE SET input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens;

        INSERT INTO daily_model_latencies
        SELECT company_id, day, model, ((latency_ms // unit) + (latency_ms % unit > 0)::BIGINT)::DECIMAL(20, 0) * unit, count(*)
        FROM (
            SELECT company_id, day, model, latency_ms, (10 ** greatest(length(latency_ms::VARCHAR) - 2, 0))::BIGINT AS unit
            FROM {source} WHERE type = 'model_response' AND latency_ms IS NOT NULL {filter}
        ) GROUP BY ALL
        ON CONFLICT DO UPDATE SET responses = responses + excluded.responses;
        """;

    /// <summary>Updates the model aggregates with the events of <paramref name="source"/>, in the caller's transaction.</summary>
    public static void Aggregate(DuckDBConnection connection, string source) => Execute(connection, Statements(source, ""));
}
