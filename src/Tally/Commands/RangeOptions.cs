using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Tally.Client.Reports;

namespace Tally.Cli.Commands;

/// <summary>The range, company and fetching options shared by <c>tally report</c> and <c>tally plot</c>.</summary>
internal sealed class RangeOptions
{
    public Option<DateOnly> Start { get; } = new("--start")
    {
        Description = "First day, YYYY-MM-DD (each company's own calendar).",
        Required = true,
        CustomParser = result => ParseDate(result, "--start") ?? default,
    };

    public Option<DateOnly?> End { get; } = new("--end")
    {
        Description = "Last day, YYYY-MM-DD, inclusive (default: each company's today).",
        CustomParser = result => ParseDate(result, "--end"),
    };

    public Option<long?> Company { get; } = new("--company")
    {
        Description = "Only this company id (default: every company the key may see).",
    };

    public Option<Granularity?> Granularity { get; } = new("--granularity")
    {
        Description = "day (default), week (ISO, Monday to Sunday), month, or total: one row per period of the dated reports, cut to the range.",
        CustomParser = ParseGranularity,
    };

    public Option<int> ChunkDays { get; } = new("--chunk-days")
    {
        Description = "Longer ranges are fetched in chunks of this many days, concurrently.",
        DefaultValueFactory = _ => 90,
    };

    public Option<int> Concurrency { get; } = new("--concurrency")
    {
        Description = "Requests in flight at once.",
        DefaultValueFactory = _ => 4,
    };

    public IEnumerable<Option> All => [Start, End, Company, Granularity, ChunkDays, Concurrency];

    /// <summary>Adds the options and their cross-checks to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        Between(Company, 1, long.MaxValue, "--company must be a company id, 1 or more.");
        Between(ChunkDays, 1, 3660, "--chunk-days must be between 1 and 3660.");
        Between(Concurrency, 1, 32, "--concurrency must be between 1 and 32.");
        foreach (var option in All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetValue(End) is { } end && end < result.GetValue(Start))
            {
                result.AddError($"--end {end:yyyy-MM-dd} is before --start {result.GetValue(Start):yyyy-MM-dd}.");
            }

        });
    }

    /// <summary>What a 404 to these reports means: the company asked for does not exist (no other 404 is expected of a report).</summary>
    public string? NotFound(ParseResult parse) => parse.GetValue(Company) is { } company ? $"Company {company} does not exist." : null;

    public ReportRequest Request(ParseResult parse) => new(parse.GetValue(Start), parse.GetValue(End), parse.GetValue(Company)) { Granularity = parse.GetValue(Granularity) };

    public FetchOptions Fetch(ParseResult parse, IProgress<FetchProgress>? progress) => new()
    {
        ChunkDays = parse.GetValue(ChunkDays),
        MaxConcurrency = parse.GetValue(Concurrency),
        Progress = progress,
        Warn = message => Console.Error.WriteLine($"warning: {message}"),
    };

    /// <summary>Checks a number the user gave (defaults are in range).</summary>
    public static void Between<T>(Option<T> option, long minimum, long maximum, string message) =>
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && (!long.TryParse(result.Tokens[0].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum))
            {
                result.AddError(message);
            }
        });

    private static Granularity? ParseGranularity(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        Granularity? granularity = text switch
        {
            "day" => Client.Reports.Granularity.Day,
            "week" => Client.Reports.Granularity.Week,
            "month" => Client.Reports.Granularity.Month,
            "total" => Client.Reports.Granularity.Total,
            _ => null,
        };
        if (granularity is null)
        {
            result.AddError($"--granularity '{text}' is not one of day, week, month, total.");
        }

        return granularity;
    }

    private static DateOnly? ParseDate(ArgumentResult result, string option)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        result.AddError($"{option} '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31.");
        return null;
    }
}
