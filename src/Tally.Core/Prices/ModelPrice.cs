using Tally.Events;

namespace Tally.Prices;

/// <summary>
/// A model's price from <see cref="EffectiveFrom"/> (a calendar day, compared with each company's local days) until the
/// model's next entry: amounts per million input and output tokens, exact, in <see cref="Currency"/>.
/// </summary>
public sealed record ModelPrice(string Model, DateOnly EffectiveFrom, string Currency, decimal InputPerMillion, decimal OutputPerMillion)
{
    /// <summary>The order entries are listed in: by model (code point), then effective date.</summary>
    public static readonly Comparison<ModelPrice> ListOrder = (a, b) =>
        CodePointComparer.Instance.Compare(a.Model, b.Model) is var byModel and not 0 ? byModel : a.EffectiveFrom.CompareTo(b.EffectiveFrom);
}
