namespace Tally.Reports;

/// <summary>The metadata of <c>/reporting/models/</c> (spec/analytics.md): a key at the top of an element and in a model's entry is described once, for both.</summary>
public static partial class Metrics
{
    private const string Rounded = "each latency_ms first rounded up to two significant digits (0-99 unchanged, 1201 -> 1300, 99501 -> 100000)";

    public static readonly IReadOnlyDictionary<string, MetricDescription> Models = Of(
        Date,
        ("responses_count", M("Number of model_response events on D, both modes: of this model in a model's entry, of every model at the top of the element.", "responses")),
        ("input_tokens", M("Sum of input_tokens over those model_response events (an absent field adds 0): of this model in a model's entry, of every model at the top.", "tokens")),
        ("output_tokens", M("Sum of output_tokens over those model_response events (an absent field adds 0): of this model in a model's entry, of every model at the top.", "tokens")),
        ("cost", M("In a model's entry: the sum over the days of D of (input_tokens x input price + output_tokens x output price) / 1,000,000 with the model's price in effect on each day (its entry with the latest effective_from on or before the day), summed exactly and rounded once to 6 decimals, half away from zero; null when, on some day of D, its input_tokens + output_tokens is above 0 and it has no price in effect. At the top: the exact sum of the models' exact costs, rounded once; 0 without responses; null when one model's cost is null. In the top-level currency.", "currency")),
        ("model", M("The model value of the model_response events on D; one entry per model, by responses_count descending, then model by code point.", "name")),
        ("responses_with_docs_count", M("Number of this model's model_response events on D that list at least one document.", "responses")),
        ("users_count", M("Number of distinct user_id among this model's model_response events on D.", "users")),
        ("responses_with_usage_count", M("Number of this model's model_response events on D with input_tokens or output_tokens present.", "responses")),
        ("latency_ms_p50", M($"Over this model's model_response events on D that carry latency_ms, {Rounded}: the value at rank ceil(50 x n / 100) (1-based) of the n values sorted ascending; null when n = 0.", "milliseconds")),
        ("latency_ms_p95", M($"Over this model's model_response events on D that carry latency_ms, {Rounded}: the value at rank ceil(95 x n / 100) (1-based) of the n values sorted ascending; null when n = 0.", "milliseconds")));
}
