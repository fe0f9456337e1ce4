using System.Globalization;
using Tally.Events;

namespace Tally.Reports;

public enum ReportFormat
{
    Json,
    Csv,
}

/// <summary>A report request's parameters, validated.</summary>
public sealed record ReportQuery(
    DateOnly Start,
    DateOnly? End,
    long? CompanyId,
    ReportFormat Format,
    long? UserId = null,
    int Limit = ReportQuery.DefaultLimit,
    string? Cursor = null,
    bool UsersTable = false,
    Granularity Granularity = Granularity.Day,
    int? DocumentsLimit = null)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxDays = 3660;

    /// <summary>
    /// Reads the query string of a report. Unknown parameters are ignored (Paradigm scripts send filters Tally
    /// does not have); a known one given twice or empty is an error; every bad field is listed at once.
    /// </summary>
    public static ReportQuery Parse(ReportKind kind, IReadOnlyDictionary<string, IReadOnlyList<string?>> parameters)
    {
        var errors = new ValidationErrors();

        string? Single(string name)
        {
            if (!parameters.TryGetValue(name, out var values) || values.Count == 0)
            {
                return null;
            }

            if (values.Count > 1)
            {
                errors.Add(name, "This parameter may be given only once.");
                return null;
            }

            if (string.IsNullOrEmpty(values[0]))
            {
                errors.Add(name, "This field may not be blank.");
                return null;
            }

            return values[0];
        }

        DateOnly? Date(string name, bool required)
        {
            var text = Single(name);
            if (text is null)
            {
                if (required && !errors.Has(name))
                {
                    errors.Add(name, "This field is required.");
                }

                return null;
            }

            if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            errors.Add(name, "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
            return null;
        }

        long? Integer(string name, long minimum, long maximum)
        {
            var text = Single(name);
            if (text is null)
            {
                return null;
            }

            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum)
            {
                return value;
            }

            errors.Add(name, string.Create(CultureInfo.InvariantCulture, $"A valid integer between {minimum} and {maximum} is required."));
            return null;
        }

        var start = Date("start_date", required: true);
        var end = Date("end_date", required: false);
        var companyId = Integer("company_id", 1, PlatformEvent.MaxIdentifier);
        var format = ReportFormat.Json;
        if (Single("format") is { } formatText)
        {
            if (formatText == "json" || formatText == "csv")
            {
                format = formatText == "csv" ? ReportFormat.Csv : ReportFormat.Json;
            }
            else
            {
                errors.Add("format", $"\"{formatText}\" is not a valid choice: json or csv.");
            }
        }

        long? userId = null;
        var limit = DefaultLimit;
        string? cursor = null;
        var usersTable = false;
        if (kind is ReportKind.UserActivities or ReportKind.Connections)
        {
            userId = Integer("user_id", 1, PlatformEvent.MaxIdentifier);
        }

        if (kind == ReportKind.Connections)
        {
            limit = (int)(Integer("limit", 1, MaxLimit) ?? DefaultLimit);
            cursor = Single("cursor");
        }

        if (kind == ReportKind.UserActivities && Single("table") is { } table)
        {
            if (table is "users" or "dates")
            {
                usersTable = table == "users";
            }
            else
            {
                errors.Add("table", $"\"{table}\" is not a valid choice: dates or users.");
            }
        }

        var granularity = Granularity.Day;
        if (kind is not (ReportKind.Users or ReportKind.Connections) && Single("granularity") is { } granularityText)
        {
            Granularity? parsed = granularityText switch
            {
                "day" => Granularity.Day,
                "week" => Granularity.Week,
                "month" => Granularity.Month,
                "total" => Granularity.Total,
                _ => null,
            };
            if (parsed is { } valid)
            {
                granularity = valid;
            }
            else
            {
                errors.Add("granularity", $"\"{granularityText}\" is not a valid choice: day, week, month or total.");
            }
        }

        int? documentsLimit = null;
        if (kind == ReportKind.UsedDocuments)
        {
            documentsLimit = (int?)Integer("limit", 1, MaxLimit);
        }

        if (start is { } first && end is { } last)
        {
            if (last < first)
            {
                errors.Add("end_date", "end_date must not be before start_date.");
            }
            else if (last.DayNumber - first.DayNumber + 1 > MaxDays)
            {
                errors.Add("end_date", string.Create(CultureInfo.InvariantCulture, $"The range may not exceed {MaxDays} days."));
            }
        }

        if (!errors.IsEmpty)
        {
            throw new ValidationException(errors);
        }

        return new ReportQuery(start!.Value, end, companyId, format, userId, limit, cursor, usersTable, granularity, documentsLimit);
    }
}
