using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Tally.Access;
using Tally.Reports;
using Tally.Server.Http;

namespace Tally.Server.Endpoints;

/// <summary><c>GET /api/v2/reporting/...</c>: the reports, wire-compatible with Paradigm's, in JSON or CSV.</summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder routes)
    {
        var reporting = routes.MapGroup("/api/v2/reporting").RequireRole(Role.InstanceAdmin, Role.CompanyAdmin).WithTags("Reporting");

        reporting.MapGet("/chat-sessions", (HttpContext context, ReportService reports) => Serve(context, ReportKind.ChatSessions,
            async query => Respond(query, await reports.ChatSessionsAsync(context.Caller(), query, context.RequestAborted), ReportCsv.ChatSessions)))
            .WithSummary("Chat sessions and agent threads per day: sessions, models, queries, answers (with documents)");
        reporting.MapGet("/chats-feedback", (HttpContext context, ReportService reports) => Serve(context, ReportKind.ChatsFeedback,
            async query => Respond(query, await reports.ChatsFeedbackAsync(context.Caller(), query, context.RequestAborted), ReportCsv.ChatsFeedback)))
            .WithSummary("Answers and feedback per day: likes, dislikes (latest rating), copies, flags");
        reporting.MapGet("/tools", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Tools,
            async query => Respond(query, await reports.ToolsAsync(context.Caller(), query, context.RequestAborted), ReportCsv.Tools)))
            .WithSummary("Tool calls per day and tool: usage, users, errors");
        reporting.MapGet("/used-documents", (HttpContext context, ReportService reports) => Serve(context, ReportKind.UsedDocuments,
            async query => Respond(query, await reports.UsedDocumentsAsync(context.Caller(), query, context.RequestAborted), ReportCsv.UsedDocuments)))
            .WithSummary("Documents used by answers, per day");
        reporting.MapGet("/users", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Users,
            async query => Respond(query, await reports.UsersAsync(context.Caller(), query, context.RequestAborted), ReportCsv.Users)))
            .WithSummary("Company members: historical and currently active, as of end_date");
        reporting.MapGet("/user-activities", (HttpContext context, ReportService reports) => Serve(context, ReportKind.UserActivities,
            async query => Respond(query, await reports.UserActivitiesAsync(context.Caller(), query, context.RequestAborted),
                report => ReportCsv.UserActivities(report, query.UsersTable))))
            .WithSummary("Active users per day (DAU, WAU, MAU, new), connections, and the per-user table (Tally's definition)");
        reporting.MapGet("/connections", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Connections, async query =>
        {
            var report = await reports.ConnectionsAsync(context.Caller(), query, context.RequestAborted);

            // One company's page links to the next; several companies' first pages have no single next page.
            if (query.Format == ReportFormat.Csv && report.Reporting is [{ Next: { } next } company])
            {
                context.Response.Headers.Link = $"<{NextPage(context.Request, company.Company.Id, next)}>; rel=\"next\"";
            }

            return Respond(query, report, ReportCsv.Connections);
        })).WithSummary("Latest connections, newest first, paged with a cursor (Tally's definition)");
        return routes;
    }

    private static async Task<IResult> Serve(HttpContext context, ReportKind kind, Func<ReportQuery, Task<IResult>> build) =>
        await build(ParseQuery(kind, context.Request.QueryString));

    /// <summary>A report's query string, validated; throws <see cref="ValidationException"/> listing every bad parameter.</summary>
    public static ReportQuery ParseQuery(ReportKind kind, QueryString queryString)
    {
        var parameters = Parameters(queryString)
            .GroupBy(pair => pair.Name, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => (IReadOnlyList<string?>)group.Select(pair => pair.Value).ToArray(), StringComparer.Ordinal);
        return ReportQuery.Parse(kind, parameters);
    }

    /// <summary>
    /// The query string's parameters as sent. Names are case-sensitive, as in Paradigm (Django): ASP.NET's own
    /// query collection would merge <c>Start_Date</c>, an unknown parameter, into <c>start_date</c>.
    /// </summary>
    private static List<(string Name, string Value)> Parameters(QueryString queryString)
    {
        var parameters = new List<(string Name, string Value)>();
        foreach (var pair in new QueryStringEnumerable(queryString.Value))
        {
            parameters.Add((pair.DecodeName().ToString(), pair.DecodeValue().ToString()));
        }

        return parameters;
    }

    private static IResult Respond<TReport>(ReportQuery query, TReport report, Func<TReport, string> csv) =>
        query.Format == ReportFormat.Csv
            ? Results.Text(csv(report), "text/csv; charset=utf-8", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
            : Results.Json(report, ErrorResponses.Json);

    /// <summary>This request again with the company named (a cursor needs it) and the next cursor.</summary>
    private static string NextPage(HttpRequest request, long companyId, string cursor)
    {
        var query = new QueryBuilder(Parameters(request.QueryString).Where(pair => pair.Name is not ("cursor" or "company_id")).Select(pair => KeyValuePair.Create(pair.Name, pair.Value)))
        {
            { "company_id", companyId.ToString(CultureInfo.InvariantCulture) },
            { "cursor", cursor },
        };
        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{query}";
    }
}
