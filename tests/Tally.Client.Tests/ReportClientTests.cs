using System.Net;
using System.Text.Json;
using Tally.Access;
using Tally.Client.Reports;
using Names = Tally.Client.TallyClient.ReportNames;

namespace Tally.Client.Tests;

[Collection(DemoServerCollection.Name)]
public sealed class ReportClientTests(DemoServer demo)
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly ReportRequest LastMonth = new(DemoServer.Today.AddDays(-30), DemoServer.Today);

    public static TheoryData<string> Reports => [Names.ChatSessions, Names.ChatsFeedback, Names.Tools, Names.UsedDocuments, Names.Users, Names.UserActivities, Names.Connections];

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task Typed_reports_carry_every_value_the_server_sent(string report)
    {
        // By day, and by week (elements with an end_date, cut to the range).
        foreach (var request in new[] { LastMonth, LastMonth with { Granularity = Granularity.Week } })
        {
            using var client = new TallyClient(demo.Options());
            using var raw = demo.Server.Client();
            var expected = JsonLeaves.Of(await raw.GetStringAsync("/api/v2/" + request.PathFor(report)));
            object typed = report switch
            {
                Names.ChatSessions => await client.GetChatSessionsAsync(request),
                Names.ChatsFeedback => await client.GetChatsFeedbackAsync(request),
                Names.Tools => await client.GetToolsAsync(request),
                Names.UsedDocuments => await client.GetUsedDocumentsAsync(request),
                Names.Users => await client.GetUsersAsync(request),
                Names.UserActivities => await client.GetUserActivitiesAsync(request),
                _ => await client.GetConnectionsAsync(request),
            };
            var actual = JsonLeaves.Of(JsonSerializer.Serialize(typed, typed.GetType(), SnakeCase));

            expected.Count.ShouldBeGreaterThan(20);
            JsonLeaves.ShouldEqual(actual, expected);
        }
    }

    [Theory]
    [InlineData("week")]
    [InlineData("month")]
    [InlineData("total")]
    public async Task The_typed_satisfaction_report_carries_every_value_the_server_sent(string granularity)
    {
        using var client = new TallyClient(demo.Options());
        using var raw = demo.Server.Client();
        var request = LastMonth with { Granularity = Enum.Parse<Granularity>(granularity, ignoreCase: true) };
        var expected = JsonLeaves.Of(await raw.GetStringAsync("/api/v2/" + request.PathFor(Names.Satisfaction)));
        var actual = JsonLeaves.Of(JsonSerializer.Serialize(await client.GetSatisfactionAsync(request), SnakeCase));

        expected.Keys.ShouldContain(key => key.Contains("by_document", StringComparison.Ordinal));
        expected.Keys.ShouldContain(key => key.Contains("end_date", StringComparison.Ordinal));
        JsonLeaves.ShouldEqual(actual, expected);
    }

    [Fact]
    public async Task Error_answers_become_exceptions_with_the_servers_message()
    {
        var companyAdminKey = await demo.Server.CreateKeyAsync(Role.CompanyAdmin, companyId: 1);
        using var wrongKey = new TallyClient(demo.Options("not-a-key"));
        using var companyAdmin = new TallyClient(demo.Options(companyAdminKey));
        using var admin = new TallyClient(demo.Options());

        var unauthorized = await Should.ThrowAsync<TallyApiException>(() => wrongKey.GetToolsAsync(LastMonth));
        var forbidden = await Should.ThrowAsync<TallyApiException>(() => companyAdmin.GetToolsAsync(LastMonth with { CompanyId = 2 }));
        var notFound = await Should.ThrowAsync<TallyApiException>(() => admin.GetToolsAsync(LastMonth with { CompanyId = 99 }));
        var badRequest = await Should.ThrowAsync<TallyApiException>(() => admin.GetConnectionsAsync(LastMonth with { Limit = 5000 }));

        unauthorized.Status.ShouldBe(HttpStatusCode.Unauthorized);
        unauthorized.Message.ShouldContain("Invalid API key");
        forbidden.Status.ShouldBe(HttpStatusCode.Forbidden);
        notFound.Status.ShouldBe(HttpStatusCode.NotFound);
        notFound.Message.ShouldStartWith("404");
        badRequest.Status.ShouldBe(HttpStatusCode.BadRequest);
        badRequest.Message.ShouldContain("limit");
    }

    [Fact]
    public async Task A_company_admin_gets_its_own_company_from_the_same_calls()
    {
        var key = await demo.Server.CreateKeyAsync(Role.CompanyAdmin, companyId: 3);
        using var client = new TallyClient(demo.Options(key));
        using var fetcher = new ReportFetcher(client);

        var reports = await fetcher.AllAsync(LastMonth);

        reports.ChatSessions!.Reporting.Single().Company.Id.ShouldBe(3);
        reports.UserActivities!.Reporting.Single().Company.Timezone.ShouldBe("Asia/Kolkata");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_400_day_range_fetched_in_chunks_equals_one_fetch(bool explicitEnd)
    {
        var request = new ReportRequest(DemoServer.Today.AddDays(-399), explicitEnd ? DemoServer.Today : null);
        using var client = new TallyClient(demo.Options());
        var progress = new List<FetchProgress>();
        using var chunked = new ReportFetcher(client, new FetchOptions { ChunkDays = 30, Time = new Server.Tests.Reports.FixedTime(DemoServer.Now), Progress = new SynchronousProgress(progress) });
        using var whole = new ReportFetcher(client, new FetchOptions { ChunkDays = 3660 });

        var inChunks = await chunked.AllAsync(request);
        var inOne = await whole.AllAsync(request);

        chunked.Plan(request).Count.ShouldBe(14);
        whole.Plan(request).Count.ShouldBe(1);
        progress.Max(step => step.Completed).ShouldBe(7 * 14 + 1);
        inChunks.ChatSessions!.Reporting[0].Dates.Count.ShouldBe(400);
        inChunks.UserActivities!.Reporting.Sum(entry => entry.Users!.Count).ShouldBeGreaterThan(100);
        Comparable(inChunks).ShouldBe(Comparable(inOne));
    }

    [Theory]
    [InlineData(Granularity.Week)]
    [InlineData(Granularity.Month)]
    [InlineData(Granularity.Total)]
    public async Task By_week_month_or_total_chunks_end_with_a_period_and_equal_one_fetch(Granularity granularity)
    {
        var request = new ReportRequest(DemoServer.Today.AddDays(-80), DemoServer.Today) { Granularity = granularity };
        using var client = new TallyClient(demo.Options());
        using var chunked = new ReportFetcher(client, new FetchOptions { ChunkDays = 10 });
        using var whole = new ReportFetcher(client, new FetchOptions { ChunkDays = 3660 });

        var plan = chunked.Plan(request);
        plan.Count.ShouldBe(granularity == Granularity.Total ? 1 : granularity == Granularity.Week ? 7 : 3, string.Join(" ", plan.Select(p => $"{p.StartDate}..{p.EndDate}")));
        foreach (var chunk in plan.SkipLast(1))
        {
            // The day after a chunk starts a new period: a Monday, or the first of a month.
            var next = chunk.EndDate!.Value.AddDays(1);
            (granularity == Granularity.Week ? next.DayOfWeek == DayOfWeek.Monday : next.Day == 1).ShouldBeTrue($"{next:yyyy-MM-dd}");
        }

        Comparable(await chunked.AllAsync(request)).ShouldBe(Comparable(await whole.AllAsync(request)));
    }

    [Fact]
    public void An_open_ended_plan_leaves_the_last_chunk_to_each_companys_today()
    {
        var fetcher = new ReportFetcher(new TallyClient(demo.Options()), new FetchOptions { ChunkDays = 90, Time = new Server.Tests.Reports.FixedTime(DemoServer.Now) });

        var plan = fetcher.Plan(new ReportRequest(DemoServer.Today.AddDays(-200), CompanyId: 2));
        var short_ = fetcher.Plan(new ReportRequest(DemoServer.Today.AddDays(-10)));

        plan.Count.ShouldBe(3);
        plan[0].ShouldBe(new ReportRequest(DemoServer.Today.AddDays(-200), DemoServer.Today.AddDays(-111), 2));
        plan[1].StartDate.ShouldBe(DemoServer.Today.AddDays(-110));
        plan[1].EndDate.ShouldBe(DemoServer.Today.AddDays(-21));
        plan[2].ShouldBe(new ReportRequest(DemoServer.Today.AddDays(-20), null, 2));
        short_.ShouldBe([new ReportRequest(DemoServer.Today.AddDays(-10))]);
    }

    [Fact]
    public async Task Connections_page_through_the_cursor_up_to_the_limit()
    {
        using var client = new TallyClient(demo.Options());
        using var fetcher = new ReportFetcher(client);
        var request = new ReportRequest(DemoServer.Today.AddDays(-30), DemoServer.Today, 2);

        var all = await fetcher.ConnectionsAsync(request with { Limit = 1000 }, maxRowsPerCompany: 100_000);
        var paged = await fetcher.ConnectionsAsync(request with { Limit = 7 }, maxRowsPerCompany: 100_000);
        var capped = await fetcher.ConnectionsAsync(request with { Limit = 7 }, maxRowsPerCompany: 20);

        var rows = all.Reporting.Single().Connections;
        rows.Count.ShouldBeGreaterThan(50);
        all.Reporting.Single().Next.ShouldBeNull();
        paged.Reporting.Single().Connections.ShouldBe(rows);
        capped.Reporting.Single().Connections.ShouldBe(rows.Take(20));
        capped.Reporting.Single().Next.ShouldNotBeNull();
    }

    /// <summary>The reports as JSON, without the generation time that differs from call to call.</summary>
    private static string Comparable(UsageReports reports) => JsonSerializer.Serialize(reports with
    {
        ChatSessions = reports.ChatSessions! with { GeneratedAt = null },
        ChatsFeedback = reports.ChatsFeedback! with { GeneratedAt = null },
        Tools = reports.Tools! with { GeneratedAt = null },
        UsedDocuments = reports.UsedDocuments! with { GeneratedAt = null },
        UserActivities = reports.UserActivities! with { GeneratedAt = null },
        Users = reports.Users! with { GeneratedAt = null },
        Models = reports.Models! with { GeneratedAt = null },
        Satisfaction = reports.Satisfaction! with { GeneratedAt = null },
    }, SnakeCase);

    private sealed class SynchronousProgress(List<FetchProgress> steps) : IProgress<FetchProgress>
    {
        public void Report(FetchProgress value)
        {
            lock (steps)
            {
                steps.Add(value);
            }
        }
    }
}
