using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Table = Tally.Client.Tables.Table;
using ColumnType = Tally.Client.Tables.ColumnType;

namespace Tally.Cli.Output;

/// <summary>
/// Tables as an Excel workbook (Open XML SDK), one sheet per table: typed cells (numbers as numbers, days and instants
/// as Excel dates shown <c>yyyy-mm-dd</c> and <c>yyyy-mm-dd hh:mm:ss</c> UTC), a bold header row that stays in view
/// (frozen) and a filter on it, as an administrator would set it up by hand.
/// </summary>
internal static class XlsxWorkbook
{
    // Cell formats of the stylesheet below, by index: 0 default, 1 header (bold), 2 day, 3 instant.
    private const uint HeaderStyle = 1;
    private const uint DayStyle = 2;
    private const uint InstantStyle = 3;

    // Excel's day numbers count from 1899-12-30 (its 1900 leap-year quirk included, for every date after February 1900).
    private static readonly DateTime ExcelEpoch = new(1899, 12, 30, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Writes the workbook into <paramref name="stream"/>, which must be seekable (a file, a memory stream).</summary>
    public static void Write(IReadOnlyList<Table> tables, Stream stream)
    {
        using var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook);
        var workbook = document.AddWorkbookPart();
        workbook.Workbook = new Workbook();
        workbook.AddNewPart<WorkbookStylesPart>().Stylesheet = Styles();
        var sheets = workbook.Workbook.AppendChild(new Sheets());
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tables.Count; i++)
        {
            var part = workbook.AddNewPart<WorksheetPart>();
            part.Worksheet = Sheet(tables[i]);
            sheets.Append(new Sheet { Id = workbook.GetIdOfPart(part), SheetId = (uint)(i + 1), Name = SheetName(tables[i].Name, names) });
        }
    }

    private static Worksheet Sheet(Table table)
    {
        var data = new SheetData();
        var header = new Row { RowIndex = 1 };
        foreach (var column in table.Columns)
        {
            header.Append(Text(column.Name, HeaderStyle));
        }

        data.Append(header);
        var rowIndex = 1u;
        foreach (var values in table.Rows)
        {
            var row = new Row { RowIndex = ++rowIndex };
            for (var i = 0; i < values.Length; i++)
            {
                row.Append(Cell(table.Columns[i].Name, values[i]));
            }

            data.Append(row);
        }

        var lastColumn = ColumnName(Math.Max(1, table.Columns.Count));
        var view = new SheetView { WorkbookViewId = 0, TabSelected = false };
        view.Append(new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen });
        return new Worksheet(
            new SheetViews(view),
            Widths(table),
            data,
            new AutoFilter { Reference = $"A1:{lastColumn}{rowIndex}" });
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789ABCDEFabcdef");

    // Excel refuses to open a workbook with a longer cell.
    private const int MaxCellCharacters = 32_767;

    private static Cell Cell(string column, object? value) => value switch
    {
        null => new Cell(),
        long number => Number(number.ToString(CultureInfo.InvariantCulture)),
        decimal number => Number(number.ToString(CultureInfo.InvariantCulture)),
        DateOnly day => Number((day.DayNumber - DateOnly.FromDateTime(ExcelEpoch).DayNumber).ToString(CultureInfo.InvariantCulture), DayStyle),
        DateTime instant => Number((instant.ToUniversalTime() - ExcelEpoch).TotalDays.ToString("R", CultureInfo.InvariantCulture), InstantStyle),
        _ => Text(Fitting(column, Escape(TableFormats.Format(value)))),
    };

    private static string Fitting(string column, string text) => text.Length <= MaxCellCharacters ? text
        : throw new InvalidDataException($"A cell of column {column} holds {text.Length:N0} characters, more than the {MaxCellCharacters:N0} Excel keeps: export CSV, JSON or Parquet instead.");

    private static Cell Number(string value, uint style = 0) => new()
    {
        DataType = CellValues.Number,
        CellValue = new CellValue(value),
        StyleIndex = style == 0 ? null : style,
    };

    private static Cell Text(string value, uint style = 0) => new(new InlineString(new Text(value) { Space = SpaceProcessingModeValues.Preserve }))
    {
        DataType = CellValues.InlineString,
        StyleIndex = style == 0 ? null : style,
    };

    /// <summary>Column widths from the header and the first rows (Excel does not size columns when it opens a file).</summary>
    private static Columns Widths(Table table)
    {
        var columns = new Columns();
        for (var i = 0; i < table.Columns.Count; i++)
        {
            var index = i;
            var widest = table.Rows.Take(200).Select(row => TableFormats.Format(row[index]).Length).Append(table.Columns[i].Name.Length).Max();
            var minimum = table.Columns[i].Type switch
            {
                ColumnType.Date => 11,
                ColumnType.Timestamp => 20,
                _ => 8,
            };
            columns.Append(new Column { Min = (uint)(i + 1), Max = (uint)(i + 1), Width = Math.Clamp(widest + 2, minimum, 60), CustomWidth = true });
        }

        return columns;
    }

    private static Stylesheet Styles() => new(
        new NumberingFormats(
            new NumberingFormat { NumberFormatId = 164, FormatCode = "yyyy-mm-dd" },
            new NumberingFormat { NumberFormatId = 165, FormatCode = "yyyy-mm-dd hh:mm:ss" }) { Count = 2 },
        new Fonts(new Font(), new Font(new Bold())) { Count = 2 },
        new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border()) { Count = 1 },
        new CellStyleFormats(new CellFormat()) { Count = 1 },
        new CellFormats(
            new CellFormat(),
            new CellFormat { FontId = 1, ApplyFont = true },
            new CellFormat { NumberFormatId = 164, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 165, ApplyNumberFormat = true }) { Count = 4 },
        new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 });

    /// <summary>A sheet name Excel accepts: at most 31 characters, none of <c>[]:*?/\</c>, unique in the workbook.</summary>
    private static string SheetName(string name, HashSet<string> taken)
    {
        var clean = new string(name.Select(c => "[]:*?/\\".Contains(c, StringComparison.Ordinal) ? '_' : c).ToArray()).Trim('\'');
        clean = clean.Length == 0 ? "sheet" : clean[..Math.Min(clean.Length, 31)];
        var unique = clean;
        for (var n = 2; !taken.Add(unique); n++)
        {
            var suffix = $" ({n})";
            unique = clean[..Math.Min(clean.Length, 31 - suffix.Length)] + suffix;
        }

        return unique;
    }

    /// <summary>The letters of a 1-based column number: 1 is A, 27 is AA.</summary>
    private static string ColumnName(int number)
    {
        var name = new StringBuilder();
        for (; number > 0; number = (number - 1) / 26)
        {
            name.Insert(0, (char)('A' + ((number - 1) % 26)));
        }

        return name.ToString();
    }

    /// <summary>
    /// Text as an Open XML string: characters XML 1.0 cannot carry (U+0000 and other controls, lone surrogates) are
    /// written as <c>_xHHHH_</c>, Excel's own escape, and an underscore that would read as such an escape is escaped itself.
    /// </summary>
    private static string Escape(string value)
    {
        StringBuilder? escaped = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var pairedSurrogate = char.IsHighSurrogate(c) ? i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1]);
            var needsEscape = (c < 0x20 && c is not ('\t' or '\n' or '\r')) || c is '\uFFFE' or '\uFFFF'
                || (char.IsSurrogate(c) && !pairedSurrogate)
                || (c == '_' && LooksLikeEscape(value, i));
            if (needsEscape)
            {
                escaped ??= new StringBuilder(value, 0, i, value.Length + 16);
                escaped.Append(CultureInfo.InvariantCulture, $"_x{(int)c:X4}_");
            }
            else
            {
                escaped?.Append(c);
            }
        }

        return escaped?.ToString() ?? value;
    }

    private static bool LooksLikeEscape(string value, int at) =>
        at + 6 < value.Length && value[at + 1] == 'x' && value[at + 6] == '_' && !value.AsSpan(at + 2, 4).ContainsAnyExcept(HexDigits);
}
