using Tally.Prices;

namespace Tally.Storage;

/// <summary>The model prices. Few entries (models × price changes): read whole, never cached by callers across requests.</summary>
public interface IPriceStore
{
    /// <summary>Every entry, by model (code point), then effective date.</summary>
    Task<IReadOnlyList<ModelPrice>> ReadPricesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores the entry, replacing the model's entry with the same effective date, unless another entry is in another
    /// currency: then nothing is stored and the answer lists those currencies. The check and the write are one step
    /// against every other writer (servers sharing a database), so two writes in two currencies never both land.
    /// </summary>
    Task<PriceWrite> UpsertPriceAsync(ModelPrice price, CancellationToken cancellationToken);

    /// <summary>Deletes the model's entry with that effective date; false when there is none.</summary>
    Task<bool> DeletePriceAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IPriceStore.UpsertPriceAsync"/> did: stored (<see cref="Created"/> when no entry was replaced), or refused for the other currencies stored.</summary>
public sealed record PriceWrite(bool Created, IReadOnlyList<string> OtherCurrencies)
{
    public bool Stored => OtherCurrencies.Count == 0;

    public static PriceWrite Written(bool created) => new(created, []);

    public static PriceWrite Refused(IReadOnlyList<string> otherCurrencies) => new(false, otherCurrencies);
}
