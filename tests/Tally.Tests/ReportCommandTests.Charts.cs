using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Tally.Tests;

/// <summary><c>tally plot</c> and <c>tally report html</c>: images of the asked size and format, titles, periods, offline HTML.</summary>
public sealed partial class ReportCommandTests
{
    /// <summary>Every chart of a company with priced models and enough ratings, by file name.</summary>
    private static readonly string[] Charts = ["active-users", "answers-with-documents", "cost-by-model", "feedback", "satisfaction-by-document", "satisfaction-by-tool",
        "sessions-and-queries", "tools", "top-documents"];

    [Theory]
    [InlineData("png", 800, 450)]
    [InlineData("svg", 640, 480)]
    public async Task Plots_are_images_of_the_requested_size(string format, int width, int height)
    {
        var folder = Path.Combine(demo.Output, "plots-" + format);
        var run = await demo.TallyAsync("plot", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--company", "2",
            "-o", folder, "--format", format, "--width", $"{width}", "--height", $"{height}");

        run.ExitCode.ShouldBe(0, run.StandardError);
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList();
        files.ShouldBe(Charts.Select(name => $"{name}.{format}"));
        foreach (var file in Directory.GetFiles(folder))
        {
            var size = format == "png" ? DecodePng(await File.ReadAllBytesAsync(file)) : SvgSize(file);
            size.ShouldBe((width, height), file);
        }
    }

    [Fact]
    public async Task Plot_titles_name_the_company_and_the_range_dates_are_iso_and_counts_start_at_zero()
    {
        var folder = Path.Combine(demo.Output, "plots-text");
        var run = await demo.TallyAsync("plot", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--company", "2",
            "-o", folder, "--format", "svg");
        run.ExitCode.ShouldBe(0, run.StandardError);

        var scope = $"Acme Analytics (company 2), {demo.Start:yyyy-MM-dd} to {demo.End:yyyy-MM-dd}";
        foreach (var file in Directory.GetFiles(folder))
        {
            var texts = SvgTexts(file);
            texts.ShouldContain(scope, $"{file}: {string.Join(" | ", texts)}");
            var numbers = texts.Where(text => NumericTick().IsMatch(text)).ToList();
            numbers.ShouldNotBeEmpty(file);
            numbers.ShouldAllBe(text => !text.StartsWith('-') && !text.StartsWith('−'), file);
            // The bar charts of the range name items, not days; legends name models (gpt-4o), which start with a letter.
            if (!file.EndsWith("top-documents.svg", StringComparison.Ordinal) && !file.Contains("satisfaction-by-", StringComparison.Ordinal))
            {
                var dates = texts.Where(text => char.IsDigit(text[0]) && (text.Contains('/') || text.Contains('-', StringComparison.Ordinal) && !NumericTick().IsMatch(text)) && !text.Contains(scope, StringComparison.Ordinal)).ToList();
                dates.ShouldNotBeEmpty(file);
                dates.ShouldAllBe(text => IsoDay().IsMatch(text), file);
            }
        }
    }

    private static List<string> SvgTexts(string file) =>
        [.. XDocument.Load(file).Descendants().Where(element => element.Name.LocalName == "text").Select(element => element.Value.Trim()).Where(text => text.Length > 0)];

    [GeneratedRegex(@"^[-−]?\d+(\.\d+)?$")]
    private static partial Regex NumericTick();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex IsoDay();

    [Fact]
    public async Task The_html_report_is_one_offline_file_with_the_expected_tables()
    {
        var file = Path.Combine(demo.Output, "report.html");
        var run = await demo.TallyAsync("report", "html", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "-o", file);
        var html = await File.ReadAllTextAsync(file);

        run.ExitCode.ShouldBe(0, run.StandardError);
        foreach (var company in new[] { "Northwind Legal", "Acme Analytics", "Lumen Systems India" })
        {
            html.ShouldContain(company);
        }

        foreach (var table in new[] { "daily", "monthly", "top-documents", "tools", "users" })
        {
            CountOf(html, $"data-table=\"{table}\"").ShouldBe(3, table);
        }

        CountOf(html, "<img ").ShouldBe(3 * Charts.Length);
        CountOf(html, "src=\"data:image/svg+xml;base64,").ShouldBe(3 * Charts.Length);
        html.ShouldContain("default-src 'none'");
        // Nothing to fetch: no script, no stylesheet link, no address in any src, href or url().
        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldNotContain("<link", Case.Insensitive);
        html.ShouldNotContain("src=\"http", Case.Insensitive);
        html.ShouldNotContain("href=", Case.Insensitive);
        html.ShouldNotContain("url(", Case.Insensitive);
        CountOf(html, "<tr>").ShouldBeGreaterThan(3 * (demo.End.DayNumber - demo.Start.DayNumber + 1));
    }

    [Fact]
    public async Task The_html_report_speaks_to_people_human_headers_percentages_and_folded_tables()
    {
        var file = Path.Combine(demo.Output, "report-readable.html");
        var run = await demo.TallyAsync("report", "html", "--start", $"{demo.Start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "-o", file);
        run.ExitCode.ShouldBe(0, run.StandardError);
        var html = await File.ReadAllTextAsync(file);

        var headers = HeaderCell().Matches(html).Select(match => match.Groups["text"].Value).ToList();
        headers.ShouldNotBeEmpty();
        // A tool's own name (document_search) may have underscores; a column's name never reaches a reader.
        headers.Where(header => !header.StartsWith("Calls to ", StringComparison.Ordinal)).Where(header => header.Contains('_'))
            .ShouldBeEmpty("no API column name reaches a reader");
        headers.ShouldContain("Calls to document_search");
        foreach (var header in new[] { "Day", "Sessions", "Questions", "Answers with documents", "Satisfaction (%)", "Error rate (%)", "Active days" })
        {
            headers.ShouldContain(header);
        }

        // The tools table's error rates, like the dashboard's: one decimal and " %".
        var tools = html[html.IndexOf("data-table=\"tools\"", StringComparison.Ordinal)..];
        tools = tools[..tools.IndexOf("</table>", StringComparison.Ordinal)];
        var rates = ToolRow().Matches(tools).Select(match => match.Groups["rate"].Value).ToList();
        rates.ShouldNotBeEmpty();
        rates.ShouldAllBe(rate => PercentCell().IsMatch(rate));
        html.ShouldContain(" %</b>Satisfaction");

        // Each company's cost tile is the API's cost of the range as one period, every decimal of it.
        using var models = System.Text.Json.JsonDocument.Parse(await demo.ApiAsync("models", "&granularity=total"));
        models.RootElement.GetProperty("currency").GetString().ShouldBe("EUR");
        var companies = models.RootElement.GetProperty("reporting").EnumerateArray().ToList();
        companies.Count.ShouldBe(3);
        foreach (var company in companies)
        {
            var cost = company.GetProperty("dates")[0].GetProperty("cost").GetDecimal();
            cost.ShouldBeGreaterThan(0m);
            var section = html[html.IndexOf($"<section id=\"company-{company.GetProperty("company").GetProperty("id").GetInt64()}\"", StringComparison.Ordinal)..];
            section[..section.IndexOf("</section>", StringComparison.Ordinal)]
                .ShouldContain($"<div class=\"tile\"><b>{cost.ToString("#,##0.######", CultureInfo.InvariantCulture)}</b>Cost (EUR)</div>");
        }

        // Three companies, five tables each (the days and the months), every one folded with its row count; the charts two to a row.
        CountOf(html, "<details>").ShouldBe(3 * 5);
        CountOf(html, "<details open").ShouldBe(0);
        CountOf(html, "<div class=\"charts\">").ShouldBe(3);
        html.ShouldContain($"<summary>Every day <span>({demo.End.DayNumber - demo.Start.DayNumber + 1} rows)</span></summary>");
    }

    [GeneratedRegex("<th>(?<text>[^<]*)</th>")]
    private static partial Regex HeaderCell();

    [GeneratedRegex("""<tr><td>[^<]*</td><td>[^<]*</td>(?:<td class="n">[^<]*</td>){2}<td class="n">(?<rate>[^<]*)</td></tr>""")]
    private static partial Regex ToolRow();

    [GeneratedRegex(@"^(\d+\.\d %|–)$")]
    private static partial Regex PercentCell();

    [Fact]
    public async Task Plots_by_month_have_one_bar_per_month_and_say_so()
    {
        var folder = Path.Combine(demo.Output, "plots-month");
        var start = demo.End.AddDays(-70);
        var run = await demo.TallyAsync("plot", "--start", $"{start:yyyy-MM-dd}", "--end", $"{demo.End:yyyy-MM-dd}", "--company", "2", "--granularity", "month",
            "-o", folder, "--format", "svg");

        run.ExitCode.ShouldBe(0, run.StandardError);
        Directory.GetFiles(folder).Select(Path.GetFileNameWithoutExtension).Order().ShouldBe(Charts);
        var texts = SvgTexts(Path.Combine(folder, "sessions-and-queries.svg"));
        texts.ShouldContain(text => text.StartsWith("Sessions and questions per month", StringComparison.Ordinal), string.Join(" | ", texts));
        SvgTexts(Path.Combine(folder, "cost-by-model.svg")).ShouldContain("cost (EUR)");
        SvgTexts(Path.Combine(folder, "satisfaction-by-tool.svg")).ShouldContain(text => text.StartsWith("Worst-rated tools (at least 5 ratings)", StringComparison.Ordinal));
        // The title's range runs to the last day of the last month inside the range, not to that month's first day.
        texts.ShouldContain($"Acme Analytics (company 2), {start:yyyy-MM-dd} to {demo.End:yyyy-MM-dd}");
    }

    /// <summary>Decodes a PNG fully (signature, IHDR, every IDAT inflated to the size the header implies) and returns its size.</summary>
    private static (int Width, int Height) DecodePng(byte[] png)
    {
        png.AsSpan(0, 8).ToArray().ShouldBe(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        int width = 0, height = 0, bytesPerPixel = 0;
        using var compressed = new MemoryStream();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                data[8].ShouldBe((byte)8);
                bytesPerPixel = data[9] switch { 6 => 4, 2 => 3, 0 => 1, 4 => 2, _ => throw new InvalidDataException($"colour type {data[9]}") };
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }

            offset += 12 + length;
        }

        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        inflated.Length.ShouldBe((long)height * (1 + (width * bytesPerPixel)));
        return (width, height);
    }

    private static (int Width, int Height) SvgSize(string file)
    {
        var svg = XDocument.Load(file).Root!;
        svg.Name.LocalName.ShouldBe("svg");
        return (int.Parse(svg.Attribute("width")!.Value, CultureInfo.InvariantCulture), int.Parse(svg.Attribute("height")!.Value, CultureInfo.InvariantCulture));
    }
}
