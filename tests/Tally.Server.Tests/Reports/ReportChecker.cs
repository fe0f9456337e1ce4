using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>Compares the server's reports with the reference's.</summary>
public sealed partial class ReportChecker(ReferenceReports reference, DateTime now)
{
    public async Task AllAsync(HttpClient client, DateOnly start, DateOnly? end)
    {
        await CompanyAsync(client, null, null, start, end);
        foreach (var company in reference.Companies)
        {
            await CompanyAsync(client, company.Id, company.Id, start, end);
        }

        // One user alone, and a user nobody knows.
        var busiest = reference.Stored.Where(e => e.Company == 8 && e.Type == "user_query").GroupBy(e => e.User).MaxBy(g => g.Count())!.Key;
        foreach (var user in new long[] { busiest, 25, 999 })
        {
            var path = ReportApi.Path("user-activities", ("start_date", ReportApi.Date(start)), ("end_date", Date(end)), ("company_id", 8), ("user_id", user));
            (await ReportApi.GetJsonAsync(client, path))["reporting"].ShouldMatch(
                reference.UserActivities(reference.Scopes(8, start, end, now), user), path);
            await ConnectionsAsync(client, 8, start, end, user, limit: 7);
        }
    }

    /// <summary>
    /// Every report for one company (or all, when <paramref name="companyId"/> is null); with a granularity (sent as
    /// given, day when null) and a used-documents limit when named.
    /// </summary>
    public async Task CompanyAsync(HttpClient client, long? companyId, long? expectedCompany, DateOnly start, DateOnly? end,
        string? granularity = null, int? documentsLimit = null)
    {
        var scopes = reference.Scopes(expectedCompany, start, end, now);
        var periods = granularity ?? "day";
        string PathOf(string report) => ReportApi.Path(report, ("start_date", ReportApi.Date(start)), ("end_date", Date(end)), ("company_id", companyId),
            ("granularity", granularity), ("limit", report == "used-documents" ? documentsLimit : null));

        var sessions = await ReportApi.GetJsonAsync(client, PathOf("chat-sessions"));
        var (chat, agent) = reference.ChatSessions(scopes, periods);
        sessions["reporting"].ShouldMatch(chat, PathOf("chat-sessions"));
        sessions["reporting_agent"].ShouldMatch(agent, PathOf("chat-sessions") + " (agent)");

        (await ReportApi.GetJsonAsync(client, PathOf("chats-feedback")))["reporting"].ShouldMatch(reference.ChatsFeedback(scopes, periods), PathOf("chats-feedback"));
        (await ReportApi.GetJsonAsync(client, PathOf("tools")))["reporting"].ShouldMatch(reference.Tools(scopes, periods), PathOf("tools"));
        (await ReportApi.GetJsonAsync(client, PathOf("used-documents")))["reporting"].ShouldMatch(reference.UsedDocuments(scopes, periods, documentsLimit), PathOf("used-documents"));
        (await ReportApi.GetJsonAsync(client, PathOf("users")))["reporting"].ShouldMatch(reference.Users(scopes), PathOf("users"));
        (await ReportApi.GetJsonAsync(client, PathOf("user-activities")))["reporting"].ShouldMatch(reference.UserActivities(scopes, granularity: periods), PathOf("user-activities"));
        if (granularity is not null)
        {
            return;
        }

        // Every granularity of the models report at once.
        await ModelsAsync(client, companyId, scopes, start, end);

        if (companyId is { } id)
        {
            await ConnectionsAsync(client, id, start, end, userId: null, limit: 53);
        }
        else
        {
            // All companies: the first page of each, with a cursor when more rows remain.
            var page = await ReportApi.GetJsonAsync(client, PathOf("connections"));
            var reporting = page["reporting"]!.AsArray();
            reporting.Count.ShouldBe(scopes.Count);
            for (var i = 0; i < scopes.Count; i++)
            {
                var expected = reference.Connections(scopes[i]);
                reporting[i]!["company"].ShouldMatch(ReferenceReports.CompanyObject(scopes[i].Company), "connections company");
                reporting[i]!["connections"].ShouldMatch(new JsonArray(expected.Take(100).Select(n => n!.DeepClone()).ToArray()), PathOf("connections"));
                (reporting[i]!["next"] is not null).ShouldBe(expected.Count > 100);
            }
        }
    }

    /// <summary>Pages through one company's connections until next is null; the pages together are the reference's list.</summary>
    public async Task ConnectionsAsync(HttpClient client, long companyId, DateOnly start, DateOnly? end, long? userId, int limit)
    {
        var scope = reference.Scopes(companyId, start, end, now).Single();
        var expected = reference.Connections(scope, userId);
        var rows = new JsonArray();
        string? cursor = null;
        var pages = 0;
        do
        {
            var path = ReportApi.Path("connections", ("start_date", ReportApi.Date(start)), ("end_date", Date(end)),
                ("company_id", companyId), ("user_id", userId), ("limit", limit), ("cursor", cursor));
            var company = (await ReportApi.GetJsonAsync(client, path))["reporting"]!.AsArray().Single()!;
            company["company"].ShouldMatch(ReferenceReports.CompanyObject(scope.Company), path);
            var page = company["connections"]!.AsArray();
            cursor = company["next"]?.GetValue<string>();
            (page.Count == limit || (cursor is null && page.Count <= limit)).ShouldBeTrue($"{path}: a page of {page.Count} rows with next {cursor}");
            foreach (var row in page)
            {
                rows.Add(row!.DeepClone());
            }

            pages++;
            pages.ShouldBeLessThan(1000);
        }
        while (cursor is not null);

        rows.ShouldMatch(expected, $"connections of company {companyId}, user {userId}, {start}..{end}, by {limit}");
        pages.ShouldBe(Math.Max(1, (expected.Count + limit - 1) / limit));
    }

    /// <summary>The CSV of every company, cell for cell, against the reference's JSON flattened.</summary>
    public async Task CsvAsync(HttpClient client, DateOnly start, DateOnly end, string granularity = "day", int? documentsLimit = null)
    {
        var scopes = reference.Scopes(null, start, end, now);
        foreach (var (report, expected) in new[]
        {
            ("tools", reference.Tools(scopes, granularity)), ("used-documents", reference.UsedDocuments(scopes, granularity, documentsLimit)),
            ("users", reference.Users(scopes)), ("user-activities", reference.UserActivities(scopes)),
            ("user-activities-dates", reference.UserActivities(scopes, granularity: granularity)),
        })
        {
            var path = ReportApi.Path(report.Replace("-dates", "", StringComparison.Ordinal), ("start_date", ReportApi.Date(start)), ("end_date", ReportApi.Date(end)),
                ("format", "csv"), ("table", report == "user-activities" ? "users" : null), ("granularity", granularity),
                ("limit", report == "used-documents" ? documentsLimit : null));
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var rows = Csv.Read(await response.Content.ReadAsStringAsync());
            var want = Csv.Expected(report, expected);
            rows.Count.ShouldBe(want.Count, path);
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i].ShouldBe(want[i], $"{path}, row {i}");
            }
        }
    }

    private static string? Date(DateOnly? day) => day is { } d ? ReportApi.Date(d) : null;
}
