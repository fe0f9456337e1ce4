using System.Text;
using Microsoft.AspNetCore.Http.Extensions;
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
            if (query.Format == ReportFormat.Csv && report.Reporting.Select(c => c.Next).OfType<string>().SingleOrDefault() is { } next)
            {
                context.Response.Headers.Link = $"<{NextPage(context.Request, next)}>; rel=\"next\"";
            }

            return Respond(query, report, ReportCsv.Connections);
        })).WithSummary("Latest connections, newest first, paged with a cursor (Tally's definition)");
        return routes;
    }

    private static async Task<IResult> Serve(HttpContext context, ReportKind kind, Func<ReportQuery, Task<IResult>> build)
    {
        var parameters = context.Request.Query.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<string?>)pair.Value.ToArray(),
            StringComparer.Ordinal);
        return await build(ReportQuery.Parse(kind, parameters));
    }

    private static IResult Respond<TReport>(ReportQuery query, TReport report, Func<TReport, string> csv) =>
        query.Format == ReportFormat.Csv
            ? Results.Text(csv(report), "text/csv; charset=utf-8", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
            : Results.Json(report, ErrorResponses.Json);

    private static string NextPage(HttpRequest request, string cursor)
    {
        var query = new QueryBuilder(request.Query.Where(pair => pair.Key != "cursor").SelectMany(pair => pair.Value.Select(value => KeyValuePair.Create(pair.Key, value ?? ""))))
        {
            { "cursor", cursor },
        };
        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{query}";
    }
}
