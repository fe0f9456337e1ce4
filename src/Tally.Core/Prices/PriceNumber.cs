using System.Globalization;

namespace Tally.Prices;

/// <summary>
/// A price read exactly from the text of a JSON number (never through a double): at least 0, at most
/// <see cref="Maximum"/>, with at most <see cref="MaxDecimals"/> decimals once trailing zeros are dropped.
/// </summary>
public static class PriceNumber
{
    public const decimal Maximum = 1_000_000m;

    public const int MaxDecimals = 6;

    /// <summary>The price the JSON number text stands for, or the reason it is not one.</summary>
    public static (decimal? Value, string? Error) Parse(string jsonNumber)
    {
        var text = jsonNumber.AsSpan();
        var exponentAt = text.IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        if (IsZero(mantissa.TrimStart('-')))
        {
            return (0m, null);
        }

        if (text.StartsWith("-"))
        {
            return (null, "Ensure this value is greater than or equal to 0.");
        }

        var exponent = 0;
        if (exponentAt >= 0 && !int.TryParse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
        {
            // An exponent past int's range: a value far above the maximum, or a fraction far below its precision.
            return (null, text[(exponentAt + 1)..].StartsWith("-") ? TooManyDecimals : TooLarge);
        }

        var point = mantissa.IndexOf('.');
        var whole = point < 0 ? mantissa : mantissa[..point];
        var fraction = point < 0 ? [] : mantissa[(point + 1)..].TrimEnd('0');
        var digits = string.Concat(whole, fraction).TrimStart('0');
        // value = digits × 10^(exponent − fraction.Length)
        var scale = (long)fraction.Length - exponent;
        if (scale > MaxDecimals)
        {
            return (null, TooManyDecimals);
        }

        // More than the maximum's seven integer digits cannot be a price: refused before any arithmetic can overflow.
        if (digits.Length - scale > 7)
        {
            return (null, TooLarge);
        }

        var value = decimal.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        value = scale >= 0 ? value / Pow10((int)scale) : value * Pow10((int)-scale);
        return value > Maximum ? (null, TooLarge) : (Normalise(value), null);
    }

    /// <summary>The same amount without trailing zeros (2.500000 → 2.5), as prices are shown.</summary>
    public static decimal Normalise(decimal value) => value / 1.000000000000000000000000000000000m;

    private const string TooLarge = "Ensure this value is less than or equal to 1000000.";

    private static readonly string TooManyDecimals = $"Ensure that there are no more than {MaxDecimals} decimal places.";

    private static bool IsZero(ReadOnlySpan<char> mantissa) => !mantissa.ContainsAnyExcept('0', '.');

    private static decimal Pow10(int power)
    {
        var result = 1m;
        for (var i = 0; i < power; i++)
        {
            result *= 10;
        }

        return result;
    }
}
