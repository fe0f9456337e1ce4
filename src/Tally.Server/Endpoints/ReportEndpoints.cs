using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Tally.Access;
using Tally.Events;
using Tally.Observability;
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
            async query => Respond(query, await reports.ChatSessionsAsync(context.Caller(), query, context.RequestAborted), report => ReportCsv.ChatSessions(report, query.Granularity))))
            .WithSummary("Chat sessions and agent threads per day: sessions, models, queries, answers (with documents)")
            .Describe<ChatSessionsReport>(ReportKind.ChatSessions);
        reporting.MapGet("/chats-feedback", (HttpContext context, ReportService reports) => Serve(context, ReportKind.ChatsFeedback,
            async query => Respond(query, await reports.ChatsFeedbackAsync(context.Caller(), query, context.RequestAborted), report => ReportCsv.ChatsFeedback(report, query.Granularity))))
            .WithSummary("Answers and feedback per day: likes, dislikes (latest rating), copies, flags")
            .Describe<ChatsFeedbackReport>(ReportKind.ChatsFeedback);
        reporting.MapGet("/tools", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Tools,
            async query => Respond(query, await reports.ToolsAsync(context.Caller(), query, context.RequestAborted), report => ReportCsv.Tools(report, query.Granularity))))
            .WithSummary("Tool calls per day and tool: usage, users, errors")
            .Describe<ToolsReport>(ReportKind.Tools);
        reporting.MapGet("/used-documents", (HttpContext context, ReportService reports) => Serve(context, ReportKind.UsedDocuments,
            async query => Respond(query, await reports.UsedDocumentsAsync(context.Caller(), query, context.RequestAborted), report => ReportCsv.UsedDocuments(report, query.Granularity))))
            .WithSummary("Documents used by answers, per day")
            .Describe<UsedDocumentsReport>(ReportKind.UsedDocuments);
        reporting.MapGet("/satisfaction", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Satisfaction,
            async query => Respond(query, await reports.SatisfactionAsync(context.Caller(), query, context.RequestAborted),
                report => ReportCsv.Satisfaction(report, query.Granularity))))
            .WithSummary("Where the ratings go: likes, dislikes and satisfaction rate per period, by model, tool and document of the rated answer")
            .Describe<SatisfactionReport>(ReportKind.Satisfaction);
        reporting.MapGet("/users", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Users,
            async query => Respond(query, await reports.UsersAsync(context.Caller(), query, context.RequestAborted), ReportCsv.Users)))
            .WithSummary("Company members: historical and currently active, as of end_date")
            .Describe<UsersReport>(ReportKind.Users);
        reporting.MapGet("/user-activities", (HttpContext context, ReportService reports) => Serve(context, ReportKind.UserActivities,
            async query => Respond(query, await reports.UserActivitiesAsync(context.Caller(), query, context.RequestAborted),
                report => ReportCsv.UserActivities(report, query.UsersTable, query.Granularity))))
            .WithSummary("Active users per day (DAU, WAU, MAU, new), connections, and the per-user table (Tally's definition)")
            .Describe<UserActivitiesReport>(ReportKind.UserActivities);
        reporting.MapGet("/models", (HttpContext context, ModelsReportService models) => Serve(context, ReportKind.Models,
            async query => Respond(query, await models.ModelsAsync(context.Caller(), query, context.RequestAborted), report => ReportCsv.Models(report, query.Granularity))))
            .WithSummary("Answers per model and period: responses, users, tokens, latency percentiles and cost (Tally's definition)")
            .Describe<ModelsReport>(ReportKind.Models);
        reporting.MapGet("/connections", (HttpContext context, ReportService reports) => Serve(context, ReportKind.Connections, async query =>
        {
            var report = await reports.ConnectionsAsync(context.Caller(), query, context.RequestAborted);

            // One company's page links to the next; several companies' first pages have no single next page.
            if (query.Format == ReportFormat.Csv && report.Reporting is [{ Next: { } next } company])
            {
                context.Response.Headers.Link = $"<{NextPage(context.Request, company.Company.Id, next)}>; rel=\"next\"";
            }

            return Respond(query, report, ReportCsv.Connections);
        }))
            .WithSummary("Latest connections, newest first, paged with a cursor (Tally's definition)")
            .Describe<ConnectionsReport>(ReportKind.Connections)
            .WithResponseHeader(StatusCodes.Status200OK, "Link", "With format=csv, when exactly one company has a next page: <its URL>; rel=\"next\".");
        return routes;
    }

    /// <summary>A report's parameters (as <see cref="ReportQuery.Parse"/> reads them), answers and refusals.</summary>
    private static RouteHandlerBuilder Describe<TReport>(this RouteHandlerBuilder builder, ReportKind kind)
    {
        var identifier = ApiDescription.IntegerSchema(1, PlatformEvent.MaxIdentifier);
        List<ApiParameter> parameters =
        [
            ApiParameter.Query("start_date", "The first day, in each company's time zone.", ApiDescription.TextSchema("date"), "2026-03-01", required: true),
            ApiParameter.Query("end_date", $"The last day, included (default: each company's today); at most {ReportQuery.MaxDays:N0} days from start_date.", ApiDescription.TextSchema("date"), "2026-03-31"),
            ApiParameter.Query("company_id", "One company (default: every company the key may see, by id).", identifier, "2"),
            ApiParameter.Query("format", "JSON, or the same numbers as CSV (RFC 4180).", ApiDescription.ChoiceSchema("json", "csv"), "json"),
        ];
        if (kind is not (ReportKind.Users or ReportKind.Connections))
        {
            parameters.Add(ApiParameter.Query("granularity", "The period of each element of dates: a day, an ISO week (Monday to Sunday), a calendar month, or the whole range; periods are clipped to the range.",
                ApiDescription.ChoiceSchema("day", "week", "month", "total"), "day"));
        }

        if (kind == ReportKind.UsedDocuments)
        {
            parameters.Add(ApiParameter.Query("limit", "The most documents listed per period (documents_count counts them all).", ApiDescription.IntegerSchema(1, ReportQuery.MaxLimit), "50"));
        }

        if (kind is ReportKind.UserActivities or ReportKind.Connections)
        {
            parameters.Add(ApiParameter.Query("user_id", "Only this user.", identifier, "17"));
        }

        if (kind == ReportKind.UserActivities)
        {
            parameters.Add(ApiParameter.Query("table", "With format=csv: the daily table (dates) or the per-user table (users).", ApiDescription.ChoiceSchema("dates", "users"), "dates"));
        }

        if (kind == ReportKind.Connections)
        {
            parameters.Add(ApiParameter.Query("limit", "Rows per company.", ApiDescription.IntegerSchema(1, ReportQuery.MaxLimit, ReportQuery.DefaultLimit), "100"));
            parameters.Add(ApiParameter.Query("cursor", "The next value of the previous page (opaque; valid only with the same filters).", ApiDescription.TextSchema()));
        }

        return builder
            .WithParameters([.. parameters])
            .Produces<TReport>()
            .AlsoAnswers(StatusCodes.Status200OK, "text/csv", ApiDescription.TextSchema())
            .Refuses(StatusCodes.Status400BadRequest, "A bad, blank or repeated parameter (every one listed).", ErrorBody.Fields)
            .Refuses(StatusCodes.Status403Forbidden, "A company admin naming another company.")
            .Refuses(StatusCodes.Status404NotFound, "An instance admin naming a company that does not exist.");
    }

    private static async Task<IResult> Serve(HttpContext context, ReportKind kind, Func<ReportQuery, Task<IResult>> build)
    {
        var query = ParseQuery(kind, context.Request.QueryString);
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();
        var result = await build(query);
        // Refused queries (a bad parameter, a company out of scope) throw above and are counted as rejections instead.
        context.RequestServices.GetRequiredService<TallyMetrics>().ReportAnswered(ReportPath(kind), time.GetElapsedTime(started));
        return result;
    }

    /// <summary>A report's query string, validated; throws <see cref="ValidationException"/> listing every bad parameter.</summary>
    public static ReportQuery ParseQuery(ReportKind kind, QueryString queryString)
    {
        var parameters = Parameters(queryString)
            .GroupBy(pair => pair.Name, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => (IReadOnlyList<string?>)group.Select(pair => pair.Value).ToArray(), StringComparer.Ordinal);
        return ReportQuery.Parse(kind, parameters);
    }

    /// <summary>The report's path under /api/v2/reporting/, the <c>report</c> tag of <c>tally.report.duration</c>.</summary>
    public static string ReportPath(ReportKind kind) => kind switch
    {
        ReportKind.ChatSessions => "chat-sessions",
        ReportKind.ChatsFeedback => "chats-feedback",
        ReportKind.Tools => "tools",
        ReportKind.UsedDocuments => "used-documents",
        ReportKind.Users => "users",
        ReportKind.UserActivities => "user-activities",
        ReportKind.Connections => "connections",
        ReportKind.Models => "models",
        ReportKind.Satisfaction => "satisfaction",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

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
