using System.Globalization;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>A model price entry as the reference keeps it: what <c>PUT /api/v2/admin/model-prices/{model}</c> stored.</summary>
public sealed record RefPrice(string Model, DateOnly From, string Currency, decimal Input, decimal Output);

/// <summary>
/// <c>/reporting/models/</c> (spec/analytics.md) computed the plain way from the stored events: each period's responses
/// grouped by model, every latency rounded up then sorted, each day's tokens priced with the entry in effect that day.
/// </summary>
public static class ReferenceModels
{
    /// <summary>Every period of the scope for a granularity, clipped to it: (first, last).</summary>
    public static List<(DateOnly First, DateOnly Last)> Periods(ReferenceReports.Scope scope, string granularity)
    {
        var periods = new List<(DateOnly, DateOnly)>();
        for (var first = scope.First; first <= scope.Last;)
        {
            var end = granularity switch
            {
                "day" => first,
                "week" => first.AddDays((7 - ((int)first.DayOfWeek + 6) % 7) - 1),
                "month" => new DateOnly(first.Year, first.Month, DateTime.DaysInMonth(first.Year, first.Month)),
                _ => scope.Last,
            };
            var last = end < scope.Last ? end : scope.Last;
            periods.Add((first, last));
            if (last == DateOnly.MaxValue)
            {
                break;
            }

            first = last.AddDays(1);
        }

        return periods;
    }

    /// <summary>Rounds up to two significant digits: 0-99 unchanged, 1,201 -> 1,300, 99,501 -> 100,000.</summary>
    public static decimal RoundUp(long latency)
    {
        var value = (decimal)latency;
        var unit = 1m;
        while (value / unit >= 100)
        {
            unit *= 10;
        }

        return Math.Ceiling(value / unit) * unit;
    }

    public static JsonNode? Percentile(List<decimal> sorted, int p) =>
        sorted.Count == 0 ? null : JsonValue.Create(sorted[(int)Math.Ceiling(p * sorted.Count / 100m) - 1]);

    private static decimal? Price(IReadOnlyList<RefPrice> prices, string model, DateOnly day, long input, long output)
    {
        if (input + output == 0)
        {
            return 0m;
        }

        var entry = prices.Where(p => p.Model == model && p.From <= day).MaxBy(p => p.From);
        return entry is null ? null : (input * entry.Input + output * entry.Output) / 1_000_000m;
    }

    private static JsonValue? Money(decimal? exact) =>
        exact is { } value ? JsonValue.Create(Math.Round(value, 6, MidpointRounding.AwayFromZero) / 1.000000000000000000000000000000000m) : null;

    /// <summary>A user's cost: each of their (day, model) token sums priced as that day's entry says, summed exactly, rounded once.</summary>
    public static JsonValue? UserCost(IEnumerable<(Ev Event, DateOnly Day)> responses, IReadOnlyList<RefPrice> prices)
    {
        var costs = responses.GroupBy(r => (r.Day, r.Event.Model!))
            .Select(g => Price(prices, g.Key.Item2, g.Key.Day, g.Sum(r => r.Event.InputTokens ?? 0), g.Sum(r => r.Event.OutputTokens ?? 0)))
            .ToList();
        return costs.Any(c => c is null) ? null : Money(costs.Sum(c => c!.Value));
    }

    public static JsonNode? Currency(IReadOnlyList<RefPrice> prices) => prices.Count == 0 ? null : prices[0].Currency;

    public static JsonArray Report(ReferenceReports reference, IEnumerable<ReferenceReports.Scope> scopes, string granularity, IReadOnlyList<RefPrice> prices)
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var responses = reference.Stored.Where(e => e.Company == scope.Company.Id && e.Type == "model_response")
                .Select(e => (Event: e, Day: reference.Day(e))).ToList();
            var dates = new JsonArray();
            foreach (var (first, last) in Periods(scope, granularity))
            {
                var inPeriod = responses.Where(r => r.Day >= first && r.Day <= last).ToList();
                var models = inPeriod.GroupBy(r => r.Event.Model!)
                    .Select(g =>
                    {
                        var latencies = g.Where(r => r.Event.LatencyMs is not null).Select(r => RoundUp(r.Event.LatencyMs!.Value)).Order().ToList();
                        var dayCosts = g.GroupBy(r => r.Day).Select(d => Price(prices, g.Key, d.Key,
                            d.Sum(r => r.Event.InputTokens ?? 0), d.Sum(r => r.Event.OutputTokens ?? 0))).ToList();
                        decimal? cost = dayCosts.Any(c => c is null) ? null : dayCosts.Sum(c => c!.Value);
                        return (Model: g.Key, Count: g.Count(), Cost: cost, Json: new JsonObject
                        {
                            ["model"] = g.Key,
                            ["responses_count"] = g.Count(),
                            ["responses_with_docs_count"] = g.Count(r => r.Event.Documents.Count > 0),
                            ["users_count"] = g.Select(r => r.Event.User).Distinct().Count(),
                            ["input_tokens"] = g.Sum(r => r.Event.InputTokens ?? 0),
                            ["output_tokens"] = g.Sum(r => r.Event.OutputTokens ?? 0),
                            ["responses_with_usage_count"] = g.Count(r => r.Event.InputTokens is not null || r.Event.OutputTokens is not null),
                            ["latency_ms_p50"] = Percentile(latencies, 50),
                            ["latency_ms_p95"] = Percentile(latencies, 95),
                            ["cost"] = Money(cost),
                        });
                    })
                    .OrderByDescending(m => m.Count).ThenBy(m => m.Model, Comparer<string>.Create(ReferenceReports.CompareIds))
                    .ToList();
                var element = new JsonObject { ["date"] = Text(first) };
                if (granularity != "day")
                {
                    element["end_date"] = Text(last);
                }

                element["responses_count"] = inPeriod.Count;
                element["input_tokens"] = inPeriod.Sum(r => r.Event.InputTokens ?? 0);
                element["output_tokens"] = inPeriod.Sum(r => r.Event.OutputTokens ?? 0);
                element["cost"] = models.Any(m => m.Cost is null) ? null : Money(models.Sum(m => m.Cost!.Value));
                element["models"] = new JsonArray(models.Select(m => (JsonNode)m.Json).ToArray());
                dates.Add(element);
            }

            reporting.Add(new JsonObject { ["company"] = ReferenceReports.CompanyObject(scope.Company), ["dates"] = dates });
        }

        return reporting;
    }

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
