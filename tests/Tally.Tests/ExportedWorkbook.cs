using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Tally.Tests;

/// <summary>
/// An Excel workbook the CLI wrote, read back as a spreadsheet program would: the sheets in order, each as rows of
/// column → cell text, where a number is shown as a number and a date-formatted number as the day or UTC instant it
/// denotes (the cell's number format says which), plus whether the header row is frozen.
/// </summary>
public sealed class ExportedWorkbook
{
    private static readonly DateTime ExcelEpoch = new(1899, 12, 30, 0, 0, 0, DateTimeKind.Utc);

    public required IReadOnlyList<string> SheetNames { get; init; }

    public required IReadOnlyDictionary<string, List<Dictionary<string, string>>> Sheets { get; init; }

    public required IReadOnlyDictionary<string, bool> HeaderFrozen { get; init; }

    /// <summary>Cell type by sheet and column: "number", "day", "instant" or "text" (what the first non-empty cell holds).</summary>
    public required IReadOnlyDictionary<string, Dictionary<string, string>> Kinds { get; init; }

    public static ExportedWorkbook Read(string path)
    {
        using var document = SpreadsheetDocument.Open(path, isEditable: false);
        var workbook = document.WorkbookPart!;
        var formats = workbook.WorkbookStylesPart?.Stylesheet;
        var names = new List<string>();
        var sheets = new Dictionary<string, List<Dictionary<string, string>>>(StringComparer.Ordinal);
        var frozen = new Dictionary<string, bool>(StringComparer.Ordinal);
        var kinds = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var sheet in workbook.Workbook.Sheets!.Elements<Sheet>())
        {
            var name = sheet.Name!.Value!;
            var worksheet = ((WorksheetPart)workbook.GetPartById(sheet.Id!.Value!)).Worksheet;
            names.Add(name);
            frozen[name] = worksheet.Descendants<Pane>().Any(pane => pane.State?.Value == PaneStateValues.Frozen && pane.VerticalSplit?.Value == 1);
            var rows = worksheet.Descendants<Row>().Select(row => row.Elements<Cell>().Select(cell => Read(cell, formats)).ToList()).ToList();
            var header = rows[0].Select(cell => cell.Text).ToList();
            sheets[name] = [.. rows.Skip(1).Select(row => header.Select((column, i) => (column, i < row.Count ? row[i].Text : "")).ToDictionary(pair => pair.column, pair => pair.Item2))];
            kinds[name] = header.Select((column, i) => (column, kind: rows.Skip(1).Select(row => i < row.Count ? row[i].Kind : null).FirstOrDefault(kind => kind is not null) ?? "empty"))
                .ToDictionary(pair => pair.column, pair => pair.kind);
        }

        return new ExportedWorkbook { SheetNames = names, Sheets = sheets, HeaderFrozen = frozen, Kinds = kinds };
    }

    private static (string Text, string? Kind) Read(Cell cell, Stylesheet? styles)
    {
        if (cell.DataType?.Value == CellValues.InlineString)
        {
            return (cell.InlineString!.InnerText, "text");
        }

        if (cell.CellValue is null)
        {
            return ("", null);
        }

        var value = double.Parse(cell.CellValue.Text, CultureInfo.InvariantCulture);
        var format = FormatCode(cell.StyleIndex?.Value ?? 0, styles);
        if (format.Contains("hh", StringComparison.OrdinalIgnoreCase))
        {
            // Stored as a fraction of a day; the instant is whole seconds.
            return (ExcelEpoch.AddSeconds(Math.Round(value * 86_400)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), "instant");
        }

        return format.Contains("yy", StringComparison.OrdinalIgnoreCase)
            ? (ExcelEpoch.AddDays(value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "day")
            : (cell.CellValue.Text, "number");
    }

    private static string FormatCode(uint style, Stylesheet? styles)
    {
        var id = styles?.CellFormats?.Elements<CellFormat>().ElementAtOrDefault((int)style)?.NumberFormatId?.Value ?? 0;
        return styles?.NumberingFormats?.Elements<NumberingFormat>().FirstOrDefault(format => format.NumberFormatId?.Value == id)?.FormatCode?.Value ?? "";
    }
}
