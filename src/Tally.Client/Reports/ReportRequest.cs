using System.Globalization;
using System.Text;

namespace Tally.Client.Reports;

/// <summary>
/// The parameters of a report call. <see cref="EndDate"/> null means "up to each company's today", as the
/// server decides; <see cref="CompanyId"/> null means every company the key may see.
/// </summary>
public sealed record ReportRequest(DateOnly StartDate, DateOnly? EndDate = null, long? CompanyId = null)
{
    /// <summary>Only this user (user-activities, connections).</summary>
    public long? UserId { get; init; }

    /// <summary>Rows per page (connections, 1–1000), or the most documents listed per day or period (used-documents, 1–1000).</summary>
    public int? Limit { get; init; }

    /// <summary>The period of each element of a dated report; null leaves it to the server (days).</summary>
    public Granularity? Granularity { get; init; }

    /// <summary>The <c>next</c> value of the previous page (connections).</summary>
    public string? Cursor { get; init; }

    /// <summary>The relative path and query string of <paramref name="report"/> for these parameters.</summary>
    public string PathFor(string report, string? format = null)
    {
        var query = new StringBuilder($"reporting/{report}/?start_date={Date(StartDate)}");
        Append(query, "end_date", EndDate is { } end ? Date(end) : null);
        Append(query, "company_id", CompanyId?.ToString(CultureInfo.InvariantCulture));
        Append(query, "user_id", UserId?.ToString(CultureInfo.InvariantCulture));
        Append(query, "limit", Limit?.ToString(CultureInfo.InvariantCulture));
        Append(query, "cursor", Cursor);
        Append(query, "granularity", Granularity?.ToString().ToLowerInvariant());
        Append(query, "format", format);
        return query.ToString();
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (value is not null)
        {
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }
}

/// <summary>The period of each element of <c>dates</c>: a day, an ISO week (Monday to Sunday), a calendar month, or the whole range.</summary>
public enum Granularity
{
    /// <summary>One element per day (the default).</summary>
    Day,

    /// <summary>One element per ISO week, Monday to Sunday, cut to the range.</summary>
    Week,

    /// <summary>One element per calendar month, cut to the range.</summary>
    Month,

    /// <summary>One element for the whole range.</summary>
    Total,
}
