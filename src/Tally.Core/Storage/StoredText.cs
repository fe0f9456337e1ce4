using System.Text;

namespace Tally.Storage;

/// <summary>
/// Neither engine keeps U+0000 in a string (PostgreSQL's text refuses it; DuckDB's appender and reader cut the string
/// there), yet the spec allows it in free-text fields (names, e-mails, filenames, titles, user agents). Such a string is stored behind a marker, the noncharacter U+FDD0, with U+0000 and the
/// marker itself escaped; every other string (nearly all) is stored as it is. Identifiers never contain control
/// characters (the validator refuses them), so they are stored as they are and keep their code-point order.
/// </summary>
public static class StoredText
{
    private const char Marker = '\uFDD0';
    private const char EscapedNul = '\uFDD1';
    private const char EscapedMarker = '\uFDD2';

    public static string? Encode(string? text)
    {
        if (text is null || (!text.Contains('\0', StringComparison.Ordinal) && (text.Length == 0 || text[0] != Marker)))
        {
            return text;
        }

        var encoded = new StringBuilder(text.Length + 2).Append(Marker);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\0' => encoded.Append(Marker).Append(EscapedNul),
                Marker => encoded.Append(Marker).Append(EscapedMarker),
                _ => encoded.Append(c),
            };
        }

        return encoded.ToString();
    }

    public static string? Decode(string? stored)
    {
        if (stored is null || stored.Length == 0 || stored[0] != Marker)
        {
            return stored;
        }

        var text = new StringBuilder(stored.Length);
        for (var i = 1; i < stored.Length; i++)
        {
            if (stored[i] == Marker && i + 1 < stored.Length)
            {
                text.Append(stored[++i] == EscapedNul ? '\0' : Marker);
            }
            else
            {
                text.Append(stored[i]);
            }
        }

        return text.ToString();
    }
}
