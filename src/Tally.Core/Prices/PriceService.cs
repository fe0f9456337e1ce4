using System.Globalization;
using Tally.Storage;

namespace Tally.Prices;

/// <summary>Validates and applies changes to the model prices (instance administrators only).</summary>
public sealed class PriceService(IPriceStore store)
{
    public const int MaxModelLength = 1024;

    public Task<IReadOnlyList<ModelPrice>> ListAsync(CancellationToken cancellationToken) => store.ReadPricesAsync(cancellationToken);

    /// <summary>
    /// Creates or replaces the model's entry starting on <c>effective_from</c>; prices are the texts of JSON numbers
    /// (null when absent or not a number, <paramref name="errors"/> already saying so). Throws <see cref="ValidationException"/>
    /// listing every bad field. True when the entry is new.
    /// </summary>
    public async Task<(ModelPrice Price, bool Created)> SetAsync(
        string model, string? effectiveFrom, string? currency, string? inputPerMillion, string? outputPerMillion, ValidationErrors errors,
        CancellationToken cancellationToken)
    {
        CheckModel(model, errors);
        var day = ParseDay(effectiveFrom, errors);
        if (currency is null)
        {
            Required(errors, "currency");
        }
        else if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add("currency", "A currency is three upper-case letters (an ISO 4217 code such as EUR or USD).");
        }

        var input = Amount(inputPerMillion, "input_per_million", errors);
        var output = Amount(outputPerMillion, "output_per_million", errors);
        if (!errors.IsEmpty)
        {
            throw new ValidationException(errors);
        }

        var price = new ModelPrice(model, day!.Value, currency!, input!.Value, output!.Value);
        var write = await store.UpsertPriceAsync(price, cancellationToken);
        if (!write.Stored)
        {
            errors.Add("currency", $"Every price is in one currency: the stored prices are in {string.Join(", ", write.OtherCurrencies)}, not {price.Currency}.");
            throw new ValidationException(errors);
        }

        return (price, write.Created);
    }

    /// <summary>Deletes the model's entry starting on that day; false when there is none. Throws <see cref="ValidationException"/> on a bad date.</summary>
    public Task<bool> DeleteAsync(string model, string? effectiveFrom, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        CheckModel(model, errors);
        var day = ParseDay(effectiveFrom, errors);
        return errors.IsEmpty ? store.DeletePriceAsync(model, day!.Value, cancellationToken) : throw new ValidationException(errors);
    }

    private static void CheckModel(string model, ValidationErrors errors)
    {
        // The names events may carry (non-empty, no control characters), a name of spaces included: a price is
        // looked up by the name the answers carry.
        if (model.Length == 0)
        {
            errors.Add("model", "This field may not be blank.");
        }
        else if (model.AsSpan().ContainsAnyInRange('\u0000', '\u001F') || model.AsSpan().ContainsAnyInRange('\u007F', '\u009F'))
        {
            errors.Add("model", "Must not contain control characters (no event's model can).");
        }
        else if (model.EnumerateRunes().Count() > MaxModelLength)
        {
            errors.Add("model", $"Ensure this field has no more than {MaxModelLength} characters.");
        }
    }

    private static DateOnly? ParseDay(string? text, ValidationErrors errors)
    {
        if (text is null)
        {
            Required(errors, "effective_from");
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors.Add("effective_from", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
        return null;
    }

    private static decimal? Amount(string? jsonNumber, string field, ValidationErrors errors)
    {
        if (errors.Has(field))
        {
            return null;
        }

        if (jsonNumber is null)
        {
            Required(errors, field);
            return null;
        }

        var (value, error) = PriceNumber.Parse(jsonNumber);
        if (error is not null)
        {
            errors.Add(field, error);
        }

        return value;
    }

    private static void Required(ValidationErrors errors, string field)
    {
        if (!errors.Has(field))
        {
            errors.Add(field, "This field is required.");
        }
    }
}
