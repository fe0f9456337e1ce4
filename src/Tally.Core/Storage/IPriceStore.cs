using Tally.Prices;

namespace Tally.Storage;

/// <summary>The model prices. Few entries (models × price changes): read whole, never cached by callers across requests.</summary>
public interface IPriceStore
{
    /// <summary>Every entry, by model (code point), then effective date.</summary>
    Task<IReadOnlyList<ModelPrice>> ReadPricesAsync(CancellationToken cancellationToken);

    /// <summary>Stores the entry, replacing the model's entry with the same effective date; true when none was replaced.</summary>
    Task<bool> UpsertPriceAsync(ModelPrice price, CancellationToken cancellationToken);

    /// <summary>Deletes the model's entry with that effective date; false when there is none.</summary>
    Task<bool> DeletePriceAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken);
}
