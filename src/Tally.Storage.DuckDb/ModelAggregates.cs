using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The aggregates of the <c>model_response</c> events, per company, day and model: additive counts and token sums, the
/// users answered with their token sums (a set for distinct users over any period, and each user's tokens), and the
/// latency histogram (each latency rounded up to two significant digits, which takes few distinct values, with its
/// count), from which a period's percentiles are exact. Upserted as sums in each batch, like the other aggregates.
/// The rounded latency is a DOUBLE: rounding up the largest 64-bit latency passes 2^63, and a DOUBLE holds every
/// rounded value exactly (d × 10^k with d ≤ 100 and k ≤ 17: d × 5^k &lt; 2^53, so the product of the exact d and 10^k is
/// exact), where a DECIMAL(20, 0) (migration step 10) scanned several times slower. The tables: migration steps 10 and 12.
/// </summary>
internal static class ModelAggregates
{
    public static readonly string[] TableNames = ["daily_model_usage", "daily_model_users", "daily_model_latencies"];

    /// <summary>
    /// The unit a latency is rounded up to, for two significant digits: 1 below 100, 10 below 1,000, ..., 10^17 for the
    /// 19-digit values. Compared, not computed from the number's decimal length: turning every latency into text cost
    /// a third of the statement.
    /// </summary>
    private static readonly string RoundingUnit = "CASE "
        + string.Concat(Enumerable.Range(2, 17).Select(digits => $"WHEN latency_ms < {Literal(PowerOfTen(digits))} THEN {Literal(PowerOfTen(digits - 2))} "))
        + $"ELSE {Literal(PowerOfTen(17))} END";

    private static long PowerOfTen(int exponent) => exponent == 0 ? 1 : 10 * PowerOfTen(exponent - 1);

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
        SELECT company_id, day, model, ((latency_ms // unit) + (latency_ms % unit > 0)::BIGINT)::DOUBLE * unit, count(*)
        FROM (
            SELECT company_id, day, model, latency_ms, {RoundingUnit} AS unit
            FROM {source} WHERE type = 'model_response' AND latency_ms IS NOT NULL {filter}
        ) GROUP BY ALL
        ON CONFLICT DO UPDATE SET responses = responses + excluded.responses;
        """;

    /// <summary>Updates the model aggregates with the events of <paramref name="source"/>, in the caller's transaction.</summary>
    public static void Aggregate(DuckDBConnection connection, string source) => Execute(connection, Statements(source, ""));
}
