using System.Globalization;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Spectre.Console;
using Tally.Client.Tables;
using Table = Tally.Client.Tables.Table;

namespace Tally.Cli.Output;

/// <summary>The ways a table leaves the tool.</summary>
internal enum TableFormat
{
    Table,
    Csv,
    Json,
    Parquet,
    Xlsx,
}

/// <summary>Writes a <see cref="Table"/> as CSV (RFC 4180, like the server's), JSON rows, Parquet, an Excel workbook or a terminal table.</summary>
internal static class TableFormats
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The format a file name asks for, or null.</summary>
    public static TableFormat? FromExtension(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".CSV" => TableFormat.Csv,
        ".JSON" => TableFormat.Json,
        ".PARQUET" => TableFormat.Parquet,
        ".XLSX" => TableFormat.Xlsx,
        _ => null,
    };

    /// <summary>The formats by the names <c>--format</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetNames<TableFormat>().Select(name => name.ToLowerInvariant()).ToArray();

    /// <summary>Formats that are not text, written only to a file.</summary>
    public static bool IsBinary(TableFormat format) => format is TableFormat.Parquet or TableFormat.Xlsx;

    /// <summary>
    /// Writes <paramref name="tables"/>: a workbook holds each as a sheet of its own; every other format holds the
    /// first, the one the command is about.
    /// </summary>
    public static async Task WriteAsync(IReadOnlyList<Table> tables, TableFormat format, Stream stream, CancellationToken cancellationToken)
    {
        if (format != TableFormat.Xlsx)
        {
            await WriteAsync(tables[0], format, stream, cancellationToken);
            return;
        }

        // The Open XML packaging reads back what it writes: the workbook is made in memory, then copied out.
        using var workbook = new MemoryStream();
        XlsxWorkbook.Write(tables, workbook);
        workbook.Position = 0;
        await workbook.CopyToAsync(stream, cancellationToken);
    }

    public static async Task WriteAsync(Table table, TableFormat format, Stream stream, CancellationToken cancellationToken)
    {
        switch (format)
        {
            case TableFormat.Csv:
                await stream.WriteAsync(Utf8.GetBytes(Csv(table)), cancellationToken);
                break;
            case TableFormat.Json:
                await WriteJsonAsync(table, stream, cancellationToken);
                break;
            case TableFormat.Parquet:
                await WriteParquetAsync(table, stream, cancellationToken);
                break;
            case TableFormat.Xlsx:
                await WriteAsync([table], format, stream, cancellationToken);
                break;
            default:
                await stream.WriteAsync(Utf8.GetBytes(Text(table)), cancellationToken);
                break;
        }
    }

    public static string Csv(Table table)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', table.Columns.Select(column => Quote(column.Name))).Append("\r\n");
        foreach (var row in table.Rows)
        {
            csv.AppendJoin(',', row.Select(value => Quote(Format(value)))).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>
    /// A readable terminal table (Spectre.Console). A table wider than the terminal is cut into blocks of whole columns
    /// printed one under the other, each repeating the columns that say whose row it is (company, day, user), as
    /// pandas prints a wide frame: no header is abbreviated and no cell wraps.
    /// </summary>
    public static string Text(Table table) => Text(table, TerminalWidth());

    public static string Text(Table table, int width)
    {
        var widths = table.Columns.Select((column, i) => table.Rows.Select(row => Format(row[i]).Length).Append(column.Name.Length).Max() + CellPadding).ToArray();
        var keys = Enumerable.Range(0, table.Columns.Count).Where(i => IdentityColumns.Contains(table.Columns[i].Name)).ToList();
        if (keys.Sum(i => widths[i]) + 1 > width / 2)
        {
            // Identity columns that would leave little room for the rest are not repeated.
            keys = [];
        }

        var blocks = new List<List<int>>();
        var room = width - 1 - keys.Sum(i => widths[i]);
        foreach (var i in Enumerable.Range(0, table.Columns.Count).Except(keys))
        {
            if (blocks.Count == 0 || blocks[^1].Sum(j => widths[j]) + widths[i] > room)
            {
                blocks.Add([]);
            }

            blocks[^1].Add(i);
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        // Each block fits the width by construction, but for a single column wider than it: the console is as wide as
        // the whole table, so that Spectre never shrinks or wraps a column.
        console.Profile.Width = widths.Sum() + 1;
        foreach (var block in blocks.Count == 0 ? [keys] : blocks.Select(block => keys.Concat(block).Order().ToList()))
        {
            if (writer.GetStringBuilder().Length > 0)
            {
                console.WriteLine();
            }

            console.Write(Block(table, block));
        }

        return writer.ToString();
    }

    // Spectre draws a cell as "│ text " : one border and two spaces around the text; the table's last border is one more.
    private const int CellPadding = 3;

    private static readonly HashSet<string> IdentityColumns = new(StringComparer.Ordinal) { "company_id", "company_name", "date", "user_id", "user_name" };

    private static Spectre.Console.Table Block(Table table, IReadOnlyList<int> columns)
    {
        var view = new Spectre.Console.Table().Border(TableBorder.Rounded);
        foreach (var i in columns)
        {
            var header = new TableColumn(Markup.Escape(table.Columns[i].Name)).NoWrap();
            view.AddColumn(table.Columns[i].Type is ColumnType.WholeNumber or ColumnType.DecimalNumber ? header.RightAligned() : header);
        }

        foreach (var row in table.Rows)
        {
            view.AddRow(columns.Select(i => Markup.Escape(Format(row[i]))).ToArray());
        }

        return view;
    }

    /// <summary>
    /// The terminal's width: <c>COLUMNS</c> when set (the shell's convention, and how a script asks for a width),
    /// else the window's; output that is redirected is as wide as the data.
    /// </summary>
    private static int TerminalWidth()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns >= 40)
        {
            return columns;
        }

        return Console.IsOutputRedirected ? int.MaxValue / 2 : Math.Max(40, SafeWindowWidth());
    }

    /// <summary>A cell as text: invariant numbers, <c>YYYY-MM-DD</c> dates, <c>YYYY-MM-DDTHH:MM:SSZ</c> instants, null as empty.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        long number => number.ToString(CultureInfo.InvariantCulture),
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime instant => instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static async Task WriteJsonAsync(Table table, Stream stream, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var row in table.Rows)
        {
            json.WriteStartObject();
            for (var i = 0; i < row.Length; i++)
            {
                var name = table.Columns[i].Name;
                switch (row[i])
                {
                    case null:
                        json.WriteNull(name);
                        break;
                    case long number:
                        json.WriteNumber(name, number);
                        break;
                    case decimal number:
                        json.WriteNumber(name, number);
                        break;
                    default:
                        json.WriteString(name, Format(row[i]));
                        break;
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>One row group, one nullable column per table column: int64, decimal, string, date, UTC timestamp.</summary>
    private static async Task WriteParquetAsync(Table table, Stream stream, CancellationToken cancellationToken)
    {
        var fields = table.Columns.Select(column => column.Type switch
        {
            ColumnType.WholeNumber => (DataField)new DataField<long?>(column.Name),
            ColumnType.DecimalNumber => new DataField<decimal?>(column.Name),
            ColumnType.Date => new DataField<DateOnly?>(column.Name),
            ColumnType.Timestamp => new DataField<DateTime?>(column.Name),
            _ => new DataField<string>(column.Name, true),
        }).ToArray();
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancellationToken);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < fields.Length; i++)
        {
            var column = i;
            var values = table.Rows.Select(row => row[column]);
            switch (table.Columns[i].Type)
            {
                case ColumnType.WholeNumber:
                    await group.WriteAsync<long>(fields[i], values.Select(value => (long?)value).ToArray(), cancellationToken: cancellationToken);
                    break;
                case ColumnType.DecimalNumber:
                    await group.WriteAsync<decimal>(fields[i], values.Select(value => (decimal?)value).ToArray(), cancellationToken: cancellationToken);
                    break;
                case ColumnType.Date:
                    await group.WriteAsync<DateOnly>(fields[i], values.Select(value => (DateOnly?)value).ToArray(), cancellationToken: cancellationToken);
                    break;
                case ColumnType.Timestamp:
                    await group.WriteAsync<DateTime>(fields[i], values.Select(value => (DateTime?)value).ToArray(), cancellationToken: cancellationToken);
                    break;
                default:
                    await group.WriteAsync(fields[i], values.Select(value => (string)value!).ToArray());
                    break;
            }
        }

        group.CompleteValidate();
    }

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
