using Tally.Storage;

namespace Tally.Prices;

/// <summary>
/// The stored prices as the reports use them: the price in effect for a model on a company-local day is its entry with
/// the latest effective date on or before that day. Costs are exact decimals; callers round once, with <see cref="Round"/>.
/// </summary>
public sealed class PriceBook
{
    public const int CostDecimals = 6;

    private static readonly decimal TokensPerUnit = 1_000_000m;

    // Each model's entries by effective date, ascending (the store gives them so).
    private readonly Dictionary<string, ModelPrice[]> _byModel;

    public PriceBook(IReadOnlyList<ModelPrice> prices)
    {
        _byModel = prices.GroupBy(p => p.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.EffectiveFrom).ToArray(), StringComparer.Ordinal);
        Currency = prices.Count == 0 ? null : prices[0].Currency;
    }

    /// <summary>The currency of the stored prices; null when there are none.</summary>
    public string? Currency { get; }

    /// <summary>
    /// The days inside <paramref name="range"/>, after its first, on which some model's price takes effect, ascending:
    /// between two of them every model keeps one price (or none), so tokens summed over such a stretch cost exactly
    /// what they cost day by day.
    /// </summary>
    public IReadOnlyList<DateOnly> ChangesWithin(DayRange range) =>
        _byModel.Values.SelectMany(entries => entries).Select(p => p.EffectiveFrom)
            .Where(day => day > range.First && day <= range.Last).Distinct().Order().ToList();

    /// <summary>The model's price in effect on <paramref name="day"/>; null when it has none.</summary>
    public ModelPrice? InEffect(string model, DateOnly day)
    {
        if (!_byModel.TryGetValue(model, out var entries))
        {
            return null;
        }

        // The last entry starting on or before the day.
        int low = 0, high = entries.Length - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (entries[middle].EffectiveFrom <= day)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found < 0 ? null : entries[found];
    }

    /// <summary>
    /// The exact cost of one model's tokens on one day; 0 without tokens, null when there are tokens and no price in effect.
    /// </summary>
    public decimal? Cost(string model, DateOnly day, long inputTokens, long outputTokens)
    {
        if (inputTokens == 0 && outputTokens == 0)
        {
            return 0m;
        }

        return InEffect(model, day) is { } price
            ? (inputTokens * price.InputPerMillion + outputTokens * price.OutputPerMillion) / TokensPerUnit
            : null;
    }

    /// <summary>An exact amount as reports show it: 6 decimals, half away from zero, without trailing zeros.</summary>
    public static decimal? Round(decimal? exact) =>
        exact is { } value ? PriceNumber.Normalise(Math.Round(value, CostDecimals, MidpointRounding.AwayFromZero)) : null;
}
