using System.Net;
using System.Text.Json.Nodes;
using Tally.Access;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// Who sees which company, the parameters and their errors, and "today". The clock says 2025-06-10T05:00Z:
/// then it is 2025-06-10 in Paris (company 2) and Kiritimati (UTC+14, company 4), still 2025-06-09 in
/// Pago Pago (UTC-11, company 6).
/// </summary>
public sealed class ReportAccessTests(ReportAccessTests.Companies companies) : IClassFixture<ReportAccessTests.Companies>
{
    public sealed class Companies : IAsyncLifetime
    {
        public static readonly DateTimeOffset Now = new(2025, 6, 10, 5, 0, 0, TimeSpan.Zero);

        public TestServer Server { get; private set; } = null!;

        public string CompanyAdminKey { get; private set; } = null!;

        public string InstanceAdminKey { get; private set; } = null!;

        public string IngestKey { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await ReportApi.StartAsync(new FixedTime(Now));
            using var admin = Server.Client();
            await ReportApi.PutCompanyAsync(admin, 2, "Acme", "Europe/Paris");
            await ReportApi.PutCompanyAsync(admin, 4, "Kiritimati", "Pacific/Kiritimati");
            await ReportApi.PutCompanyAsync(admin, 6, "Pago Pago", "Pacific/Pago_Pago");
            var events = new JsonArray();
            for (var i = 0; i < 5; i++)
            {
                events.Add(new JsonObject
                {
                    ["id"] = $"c-{i}", ["type"] = "connection", ["timestamp"] = $"2025-06-0{i + 1}T12:00:00Z", ["company_id"] = 2, ["user_id"] = 1 + (i % 2),
                });
                events.Add(new JsonObject
                {
                    ["id"] = $"c-{i}", ["type"] = "connection", ["timestamp"] = $"2025-06-0{i + 1}T12:00:00Z", ["company_id"] = 4, ["user_id"] = 1,
                });
            }

            await ReportApi.SendAsync(admin, events);
            CompanyAdminKey = await Server.CreateKeyAsync(Role.CompanyAdmin, 2);
            InstanceAdminKey = await Server.CreateKeyAsync(Role.InstanceAdmin);
            IngestKey = await Server.CreateKeyAsync(Role.Ingest);
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public static TheoryData<string> Reports => new(ReportApi.Reports);

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? key = TestServer.AdminKey)
    {
        using var client = companies.Server.Client(key);
        return await ReportApi.GetAsync(client, path);
    }

    private async Task<JsonObject> JsonAsync(string path, string? key = TestServer.AdminKey)
    {
        var (status, body) = await GetAsync(path, key);
        status.ShouldBe(HttpStatusCode.OK, $"{path}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static long[] CompanyIds(JsonObject response) =>
        response["reporting"]!.AsArray().Select(c => c!["company"]!["id"]!.GetValue<long>()).ToArray();

    private static void ShouldBeDetail((HttpStatusCode Status, string Body) response, HttpStatusCode status, string detail)
    {
        response.Status.ShouldBe(status, response.Body);
        JsonNode.Parse(response.Body).ShouldMatch(new JsonObject { ["detail"] = detail }, "body");
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task A_company_admin_without_company_id_gets_its_own_company(string report)
    {
        CompanyIds(await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01", companies.CompanyAdminKey)).ShouldBe([2]);
        CompanyIds(await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&company_id=2", companies.CompanyAdminKey)).ShouldBe([2]);
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task A_company_admin_naming_another_company_existing_or_not_is_403(string report)
    {
        foreach (var other in new[] { 4, 6, 999 })
        {
            ShouldBeDetail(await GetAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&company_id={other}", companies.CompanyAdminKey),
                HttpStatusCode.Forbidden, "You do not have permission to perform this action.");
        }
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task The_instance_admin_without_company_id_sees_every_company_by_id(string report)
    {
        CompanyIds(await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&end_date=2025-06-02", companies.InstanceAdminKey)).ShouldBe([2, 4, 6]);
        CompanyIds(await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&end_date=2025-06-02&company_id=4")).ShouldBe([4]);
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task An_unknown_company_is_404_and_creates_nothing(string report)
    {
        ShouldBeDetail(await GetAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&company_id=999"), HttpStatusCode.NotFound, "Not found.");
        var (_, list) = await GetAsync("/api/v2/admin/companies");
        JsonNode.Parse(list)!.AsArray().Select(c => c!["id"]!.GetValue<long>()).ShouldBe([2, 4, 6]);
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task An_ingest_key_is_403_and_no_key_is_401(string report)
    {
        ShouldBeDetail(await GetAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01", companies.IngestKey),
            HttpStatusCode.Forbidden, "You do not have permission to perform this action.");
        ShouldBeDetail(await GetAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01", null),
            HttpStatusCode.Unauthorized, "Authentication credentials were not provided.");
    }

    public static TheoryData<string, string, string[]> BadParameters => new()
    {
        { "chat-sessions", "", ["start_date"] },
        { "users", "end_date=2025-01-01", ["start_date"] },
        { "tools", "start_date=", ["start_date"] },
        { "tools", "start_date=2025-13-01", ["start_date"] },
        { "tools", "start_date=2025-02-30", ["start_date"] },
        { "tools", "start_date=2025-1-1", ["start_date"] },
        { "tools", "start_date=01/02/2025", ["start_date"] },
        { "tools", "start_date=2025-01-01T00:00:00", ["start_date"] },
        { "used-documents", "start_date=2025-01-02&end_date=2025-01-01", ["end_date"] },
        { "used-documents", "start_date=2025-01-01&end_date=2025-1-2", ["end_date"] },
        { "chats-feedback", "start_date=2000-01-01&end_date=2010-01-08", ["end_date"] },
        { "chat-sessions", "start_date=2025-01-01&company_id=abc", ["company_id"] },
        { "chat-sessions", "start_date=2025-01-01&company_id=0", ["company_id"] },
        { "chat-sessions", "start_date=2025-01-01&company_id=-2", ["company_id"] },
        { "chat-sessions", "start_date=2025-01-01&company_id=1.0", ["company_id"] },
        { "chat-sessions", "start_date=2025-01-01&company_id=", ["company_id"] },
        { "chat-sessions", "start_date=2025-01-01&company_id=9007199254740993", ["company_id"] },
        { "users", "start_date=2025-01-01&format=xml", ["format"] },
        { "tools", "start_date=2025-01-01&granularity=year", ["granularity"] },
        { "chat-sessions", "start_date=2025-01-01&granularity=Week", ["granularity"] },
        { "user-activities", "start_date=2025-01-01&granularity=", ["granularity"] },
        { "used-documents", "start_date=2025-01-01&limit=0", ["limit"] },
        { "used-documents", "start_date=2025-01-01&limit=1001", ["limit"] },
        { "used-documents", "start_date=2025-01-01&granularity=months&limit=ten", ["granularity", "limit"] },
        { "users", "start_date=2025-01-01&format=CSV", ["format"] },
        { "users", "start_date=2025-01-01&start_date=2025-01-02", ["start_date"] },
        { "users", "start_date=2025-01-01&company_id=2&company_id=2", ["company_id"] },
        { "users", "start_date=2025-01-01&format=json&format=json", ["format"] },
        { "user-activities", "start_date=2025-01-01&user_id=0", ["user_id"] },
        { "user-activities", "start_date=2025-01-01&user_id=x", ["user_id"] },
        { "connections", "start_date=2025-01-01&limit=0", ["limit"] },
        { "connections", "start_date=2025-01-01&limit=1001", ["limit"] },
        { "connections", "start_date=2025-01-01&limit=ten", ["limit"] },
        { "connections", "start_date=2025-01-01&company_id=2&cursor=%21%21%21", ["cursor"] },
        { "connections", "start_date=2025-01-01&company_id=2&cursor=abc", ["cursor"] },
        { "connections", "start_date=2025-01-01&company_id=2&cursor=", ["cursor"] },
        { "connections", "start_date=2025-01-01&cursor=YzEKMnx8MjAyNS0wMS0wMXwKMAp4", ["cursor"] },
        { "chat-sessions", "start_date=bad&end_date=worse&company_id=abc&format=xml", ["start_date", "end_date", "company_id", "format"] },
        { "connections", "end_date=bad&company_id=0&format=pdf&limit=0&user_id=-1", ["start_date", "end_date", "company_id", "format", "limit", "user_id"] },
    };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task Bad_parameters_are_400_listing_every_bad_field(string report, string query, string[] fields)
    {
        var (status, body) = await GetAsync($"/api/v2/reporting/{report}/?{query}");

        status.ShouldBe(HttpStatusCode.BadRequest, body);
        var errors = JsonNode.Parse(body)!.AsObject();
        errors.Select(p => p.Key).Order(StringComparer.Ordinal).ShouldBe(fields.Order(StringComparer.Ordinal), body);
        foreach (var (_, messages) in errors)
        {
            messages!.AsArray().ShouldNotBeEmpty();
            messages.AsArray().ShouldAllBe(m => !string.IsNullOrWhiteSpace(m!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task A_missing_start_date_is_the_paradigm_message()
    {
        var (status, body) = await GetAsync("/api/v2/reporting/chat-sessions/?company_id=2");

        status.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(body).ShouldMatch(JsonNode.Parse("""{"start_date": ["This field is required."]}"""), "body");
    }

    [Fact]
    public async Task A_range_of_exactly_3660_days_is_allowed()
    {
        var response = await JsonAsync("/api/v2/reporting/chats-feedback/?start_date=2000-01-01&end_date=2010-01-07&company_id=2");

        response["reporting"]![0]!["dates"]!.AsArray().Count.ShouldBe(3660);
    }

    [Fact]
    public async Task A_range_to_today_longer_than_3660_days_is_400_before_the_company_checks()
    {
        // Today is 2025-06-09 or 2025-06-10 depending on the company: from 2015-06-13 a range has at most 3,651 days, from 2015-06-01 at least 3,662.
        (await GetAsync("/api/v2/reporting/tools/?start_date=2015-06-13&company_id=2")).Status.ShouldBe(HttpStatusCode.OK);
        var tooLong = await GetAsync("/api/v2/reporting/tools/?start_date=2015-06-01&company_id=2");
        var otherCompany = await GetAsync("/api/v2/reporting/tools/?start_date=2015-06-01&company_id=4", companies.CompanyAdminKey);
        var unknownCompany = await GetAsync("/api/v2/reporting/tools/?start_date=2015-06-01&company_id=999");

        tooLong.Status.ShouldBe(HttpStatusCode.BadRequest, tooLong.Body);
        tooLong.Body.ShouldContain("start_date");
        otherCompany.Status.ShouldBe(HttpStatusCode.BadRequest, otherCompany.Body);
        unknownCompany.Status.ShouldBe(HttpStatusCode.BadRequest, unknownCompany.Body);
    }

    [Fact]
    public async Task Parameter_errors_come_before_the_company_scope_and_unknown_companies()
    {
        (await GetAsync("/api/v2/reporting/tools/?start_date=bad&company_id=4", companies.CompanyAdminKey)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await GetAsync("/api/v2/reporting/tools/?start_date=bad&company_id=999")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await GetAsync("/api/v2/reporting/connections/?start_date=2025-06-01&company_id=4&cursor=abc", companies.CompanyAdminKey)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await GetAsync("/api/v2/reporting/connections/?start_date=2025-06-01&company_id=999&cursor=abc")).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task Unknown_parameters_are_ignored(string report)
    {
        var plain = await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&end_date=2025-06-05&company_id=2");
        var extra = await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&end_date=2025-06-05&company_id=2&model=gpt&page=2&page=3&Start_Date=x&foo=");

        extra.ShouldMatch(plain, "with unknown parameters");
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task Reports_answer_with_and_without_the_trailing_slash_and_with_a_json_content_type(string report)
    {
        var slash = await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-01&end_date=2025-06-05");
        var bare = await JsonAsync($"/api/v2/reporting/{report}?start_date=2025-06-01&end_date=2025-06-05");
        bare.ShouldMatch(slash, "without the slash");

        using var client = companies.Server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v2/reporting/{report}/?start_date=2025-06-01&end_date=2025-06-05")
        {
            Content = TestServer.Json(""),
        };
        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonNode.Parse(await response.Content.ReadAsStringAsync()).ShouldMatch(slash, "with Content-Type: application/json");
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task Another_method_is_405(string report)
    {
        using var client = companies.Server.Client();
        using var response = await client.PostAsync(new Uri($"/api/v2/reporting/{report}/?start_date=2025-06-01", UriKind.Relative), TestServer.Json("{}"));

        ShouldBeDetail((response.StatusCode, await response.Content.ReadAsStringAsync()), HttpStatusCode.MethodNotAllowed, "Method \"POST\" not allowed.");
    }

    [Fact]
    public async Task Without_end_date_each_company_ends_on_its_own_today()
    {
        var response = await JsonAsync("/api/v2/reporting/tools/?start_date=2025-06-09");

        response["reporting"]!.AsArray().Select(c => string.Join(",", c!["dates"]!.AsArray().Select(d => d!["date"]!.GetValue<string>())))
            .ShouldBe(["2025-06-09,2025-06-10", "2025-06-09,2025-06-10", "2025-06-09"]);
    }

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task A_company_whose_today_is_before_start_date_gets_empty_dates(string report)
    {
        var response = await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-10");
        var reporting = response["reporting"]!.AsArray();
        CompanyIds(response).ShouldBe([2, 4, 6]);

        switch (report)
        {
            case "users":
                // Not dated: as of the end of today in each zone.
                reporting.Select(c => c!["total_historical_members"]!.GetValue<long>()).ShouldBe([2, 1, 0]);
                break;
            case "connections":
                reporting.ShouldAllBe(c => c!["connections"]!.AsArray().Count == 0 && c["next"] == null);
                break;
            default:
                reporting.Select(c => c!["dates"]!.AsArray().Count).ShouldBe([1, 1, 0]);
                if (report == "chat-sessions")
                {
                    response["reporting_agent"]!.AsArray().Select(c => c!["dates"]!.AsArray().Count).ShouldBe([1, 1, 0]);
                }

                if (report == "user-activities")
                {
                    reporting[2]!["users"]!.AsArray().ShouldBeEmpty();
                }

                break;
        }

        var later = await JsonAsync($"/api/v2/reporting/{report}/?start_date=2025-06-12");
        if (report is not ("users" or "connections"))
        {
            later["reporting"]!.AsArray().ShouldAllBe(c => c!["dates"]!.AsArray().Count == 0);
        }
    }

    [Fact]
    public async Task Days_without_events_are_zeros_empty_lists_and_nulls()
    {
        var range = "start_date=2025-05-31&end_date=2025-06-01&company_id=6";
        var sessions = await JsonAsync($"/api/v2/reporting/chat-sessions/?{range}");
        sessions["reporting"]![0]!["dates"]![1].ShouldMatch(JsonNode.Parse("""
            {"date": "2025-06-01", "sessions": {"sessions_count": 0, "unique_models_count": 0, "average_session_length": 0},
             "chats": {"user_queries_count": 0, "model_responses_with_docs_count": 0, "model_responses_count": 0, "last_model_response_date": null}}
            """), "chat-sessions");
        (await JsonAsync($"/api/v2/reporting/tools/?{range}"))["reporting"]![0]!["dates"]![1].ShouldMatch(JsonNode.Parse("""
            {"date": "2025-06-01", "tool_calls_count": 0, "tools": []}
            """), "tools");
        (await JsonAsync($"/api/v2/reporting/used-documents/?{range}"))["reporting"]![0]!["dates"]![0].ShouldMatch(JsonNode.Parse("""
            {"date": "2025-05-31", "documents_count": 0, "documents": []}
            """), "used-documents");
        (await JsonAsync($"/api/v2/reporting/user-activities/?{range}"))["reporting"]![0].ShouldMatch(JsonNode.Parse("""
            {"company": {"name": "Pago Pago", "id": 6, "timezone": "Pacific/Pago_Pago"},
             "dates": [
               {"date": "2025-05-31", "active_users_count": 0, "new_active_users_count": 0, "weekly_active_users_count": 0, "monthly_active_users_count": 0, "connections_count": 0},
               {"date": "2025-06-01", "active_users_count": 0, "new_active_users_count": 0, "weekly_active_users_count": 0, "monthly_active_users_count": 0, "connections_count": 0}],
             "users": []}
            """), "user-activities");
        (await JsonAsync($"/api/v2/reporting/users/?{range}"))["reporting"]![0].ShouldMatch(JsonNode.Parse("""
            {"company": {"id": 6, "name": "Pago Pago", "timezone": "Pacific/Pago_Pago"}, "total_historical_members": 0, "current_active_members": 0}
            """), "users");
    }

    [Fact]
    public async Task Metadata_is_present_when_reporting_is_empty()
    {
        await using var empty = await TestServer.StartAsync();
        using var client = empty.Client();
        foreach (var report in ReportApi.Reports)
        {
            var response = await ReportApi.GetJsonAsync(client, $"/api/v2/reporting/{report}/?start_date=2025-06-01");
            response["reporting"]!.AsArray().ShouldBeEmpty();
            response["metadata"]!.AsObject().Count.ShouldBeGreaterThan(0);
            response["generated_at"]!.GetValue<string>().ShouldEndWith("Z");
        }
    }

    [Theory]
    [InlineData("start_date=0001-01-01&end_date=0001-01-03", "0001-01-01,0001-01-02,0001-01-03", 0)]
    [InlineData("start_date=9999-12-29&end_date=9999-12-31", "9999-12-29,9999-12-30,9999-12-31", 2)]
    [InlineData("start_date=9999-12-31", "", 2)] // after the company's today: no day to report
    public async Task Dates_at_the_ends_of_the_calendar_are_served(string range, string days, int membersAtTheEnd)
    {
        var expected = days.Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (var report in ReportApi.Reports)
        {
            var company = (await JsonAsync($"/api/v2/reporting/{report}/?{range}&company_id=2"))["reporting"]!.AsArray().Single()!;
            company["company"]!["id"]!.GetValue<long>().ShouldBe(2);
            switch (report)
            {
                case "users":
                    company["total_historical_members"]!.GetValue<int>().ShouldBe(membersAtTheEnd, report);
                    break;
                case "connections":
                    company["connections"]!.AsArray().ShouldBeEmpty(report);
                    break;
                default:
                    company["dates"]!.AsArray().Select(day => day!["date"]!.GetValue<string>()).ShouldBe(expected, report);
                    break;
            }
        }
    }

    // A whole month at either end of the calendar is where month arithmetic ("the next month's first day") overflows.
    [Theory]
    [InlineData("week", "0001-01-01", "0001-02-28", "0001-01-07")]
    [InlineData("month", "0001-01-01", "0001-02-28", "0001-01-31")]
    [InlineData("month", "9999-11-15", "9999-12-31", "9999-11-30")]
    [InlineData("week", "9999-11-15", "9999-12-31", "9999-11-21")]
    [InlineData("total", "9999-11-01", "9999-12-31", "9999-12-31")]
    [InlineData("day", "9999-11-25", "9999-12-31", null)]
    public async Task Periods_at_the_ends_of_the_calendar_are_served(string granularity, string first, string last, string? firstEnd)
    {
        foreach (var report in ReportApi.Reports.Append("models").Where(report => report is not "users" and not "connections"))
        {
            var dates = (await JsonAsync($"/api/v2/reporting/{report}/?start_date={first}&end_date={last}&granularity={granularity}&company_id=2"))
                ["reporting"]!.AsArray().Single()!["dates"]!.AsArray();
            dates[0]!["date"]!.GetValue<string>().ShouldBe(first, report);
            dates[0]!["end_date"]?.GetValue<string>().ShouldBe(firstEnd, report);
            (dates[^1]!["end_date"] ?? dates[^1]!["date"])!.GetValue<string>().ShouldBe(last, report);
        }
    }

    [Fact]
    public async Task Connections_page_with_a_cursor_until_next_is_null()
    {
        var rows = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await JsonAsync($"/api/v2/reporting/connections/?start_date=2025-06-01&company_id=2&limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}"))["reporting"]![0]!;
            rows.AddRange(page["connections"]!.AsArray().Select(c => c!["timestamp"]!.GetValue<string>()));
            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null);

        rows.ShouldBe(["2025-06-05T12:00:00Z", "2025-06-04T12:00:00Z", "2025-06-03T12:00:00Z", "2025-06-02T12:00:00Z", "2025-06-01T12:00:00Z"]);
    }

    [Fact]
    public async Task A_cursor_is_only_valid_for_the_filters_it_was_made_for()
    {
        var first = await JsonAsync("/api/v2/reporting/connections/?start_date=2025-06-01&company_id=2&limit=1");
        var cursor = Uri.EscapeDataString(first["reporting"]![0]!["next"]!.GetValue<string>());

        // Another limit is fine; a company admin may continue without company_id.
        (await GetAsync($"/api/v2/reporting/connections/?start_date=2025-06-01&company_id=2&limit=3&cursor={cursor}")).Status.ShouldBe(HttpStatusCode.OK);
        (await GetAsync($"/api/v2/reporting/connections/?start_date=2025-06-01&cursor={cursor}", companies.CompanyAdminKey)).Status.ShouldBe(HttpStatusCode.OK);

        foreach (var other in new[]
        {
            "start_date=2025-06-02&company_id=2", "start_date=2025-06-01&end_date=2025-06-10&company_id=2", "start_date=2025-06-01&company_id=2&user_id=1",
            "start_date=2025-06-01&company_id=4", "start_date=2025-06-01",
        })
        {
            var (status, body) = await GetAsync($"/api/v2/reporting/connections/?{other}&cursor={cursor}");
            status.ShouldBe(HttpStatusCode.BadRequest, other);
            JsonNode.Parse(body)!.AsObject().Select(p => p.Key).ShouldBe(["cursor"]);
        }
    }

    [Fact]
    public async Task Connections_csv_links_to_the_next_page()
    {
        using var client = companies.Server.Client();
        var csv = new List<string>();
        var next = new Uri("/api/v2/reporting/connections?start_date=2025-06-01&company_id=2&limit=2&format=csv", UriKind.Relative);
        for (var pages = 0; ; pages++)
        {
            pages.ShouldBeLessThan(10);
            using var response = await client.GetAsync(next);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            lines[0].ShouldBe("company_id,company_name,user_id,user_name,timestamp,ip,user_agent,auth_method");
            csv.AddRange(lines.Skip(1));
            if (!response.Headers.TryGetValues("Link", out var links))
            {
                break;
            }

            var link = links.Single();
            link.ShouldEndWith(">; rel=\"next\"");
            next = new Uri(link[1..link.IndexOf('>', StringComparison.Ordinal)]);
        }

        csv.Select(line => line.Split(',')[4]).ShouldBe(["2025-06-05T12:00:00Z", "2025-06-04T12:00:00Z", "2025-06-03T12:00:00Z", "2025-06-02T12:00:00Z", "2025-06-01T12:00:00Z"]);
    }

    [Fact]
    public async Task Connections_csv_behind_a_TLS_proxy_on_this_host_links_to_an_https_page()
    {
        using var client = companies.Server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/reporting/connections?start_date=2025-06-01&company_id=2&limit=2&format=csv");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Host = "tally.example.com";

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("Link").Single().ShouldStartWith("<https://tally.example.com/api/v2/reporting/connections?");
    }

    [Fact]
    public async Task Connections_csv_of_every_company_is_served()
    {
        using var client = companies.Server.Client();
        using var response = await client.GetAsync(new Uri("/api/v2/reporting/connections?start_date=2025-06-01&limit=2&format=csv", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(5);
        response.Headers.Contains("Link").ShouldBeFalse("several companies have no single next page");
    }

    [Fact]
    public async Task Connections_that_arrive_between_pages_never_repeat_a_row()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.Client();
        JsonObject Login(string id, int day) => new()
        {
            ["id"] = id, ["type"] = "connection", ["timestamp"] = $"2025-06-{day:00}T08:00:00Z", ["company_id"] = 9, ["user_id"] = day,
        };

        await ReportApi.SendAsync(client, [Login("a", 2), Login("b", 4), Login("c", 6), Login("d", 8)]);
        const string Path = "/api/v2/reporting/connections/?start_date=2025-06-01&end_date=2025-06-30&company_id=9&limit=2";
        var first = (await ReportApi.GetJsonAsync(client, Path))["reporting"]![0]!;
        await ReportApi.SendAsync(client, [Login("newer", 9), Login("older", 1), Login("between", 5)]);
        var second = (await ReportApi.GetJsonAsync(client, Path + "&cursor=" + Uri.EscapeDataString(first["next"]!.GetValue<string>())))["reporting"]![0]!;
        var third = (await ReportApi.GetJsonAsync(client, Path + "&cursor=" + Uri.EscapeDataString(second["next"]!.GetValue<string>())))["reporting"]![0]!;

        new[] { first, second, third }.SelectMany(page => page["connections"]!.AsArray().Select(c => c!["user_id"]!.GetValue<int>()))
            .ShouldBe([8, 6, 5, 4, 2, 1]);
        third["next"].ShouldBeNull();
    }
}
