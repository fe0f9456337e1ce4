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
}

/// <summary>Writes a <see cref="Table"/> as CSV (RFC 4180, like the server's), JSON rows, Parquet or a terminal table.</summary>
internal static class TableFormats
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The format a file name asks for, or null.</summary>
    public static TableFormat? FromExtension(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".CSV" => TableFormat.Csv,
        ".JSON" => TableFormat.Json,
        ".PARQUET" => TableFormat.Parquet,
        _ => null,
    };

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

    /// <summary>A readable terminal table (Spectre.Console), as wide as it needs to be.</summary>
    public static string Text(Table table)
    {
        var view = new Spectre.Console.Table().Border(TableBorder.Rounded);
        foreach (var column in table.Columns)
        {
            var header = new TableColumn(Markup.Escape(column.Name));
            view.AddColumn(column.Type is ColumnType.WholeNumber or ColumnType.DecimalNumber ? header.RightAligned() : header);
        }

        foreach (var row in table.Rows)
        {
            view.AddRow(row.Select(value => Markup.Escape(Format(value))).ToArray());
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = Math.Max(80, Console.IsOutputRedirected ? 4096 : SafeWindowWidth());
        console.Write(view);
        return writer.ToString();
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
