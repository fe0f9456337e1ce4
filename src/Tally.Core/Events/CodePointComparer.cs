namespace Tally.Events;

/// <summary>
/// Orders strings by Unicode code point, which is the order of their UTF-8 bytes and the order databases use
/// for binary text. <see cref="string.CompareOrdinal(string, string)"/> compares UTF-16 units instead, which
/// puts characters above U+FFFF before U+E000–U+FFFF.
/// </summary>
public sealed class CodePointComparer : IComparer<string?>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a != b)
            {
                // Surrogates (U+D800–U+DFFF) stand for code points above U+FFFF: lift them above U+E000–U+FFFF.
                return Rank(a).CompareTo(Rank(b));
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    private static int Rank(char c) => c >= '\uD800' && c <= '\uDFFF' ? c + 0x2000 : c >= '\uE000' ? c - 0x800 : c;
}
