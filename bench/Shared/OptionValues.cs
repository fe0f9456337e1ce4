using System.Globalization;
using System.Numerics;

namespace Tally.Benchmarking;

/// <summary>The values of the benchmarks' command-line options, each refused with a message that names the option.</summary>
internal static class OptionValues
{
    /// <summary>The argument after the option at <paramref name="i"/>, which moves to it.</summary>
    public static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");

    /// <summary>A whole number above zero, as "1000", "1,000" or "1_000".</summary>
    public static T Positive<T>(string name, string text) where T : struct, IBinaryInteger<T> =>
        TryWhole(text, out T value) && value > T.Zero ? value : throw new ArgumentException($"{name}: '{text}' is not a positive whole number.");

    /// <summary>A whole number, zero or above, written as for <see cref="Positive{T}"/>.</summary>
    public static T NonNegative<T>(string name, string text) where T : struct, IBinaryInteger<T> =>
        TryWhole(text, out T value) && value >= T.Zero ? value : throw new ArgumentException($"{name}: '{text}' is not a whole number.");

    // No sign is allowed: "-1" is refused as not a number, not read as a negative one.
    private static bool TryWhole<T>(string text, out T value) where T : struct, IBinaryInteger<T> =>
        T.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value);
}
