using System.Net;
using System.Text.Json.Nodes;
using Tally.Testing;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// One company in Paris over three days around the spring DST change (2025-03-30), a handful of events, and every
/// report written out in full. Times are UTC; Paris is UTC+1 until 2025-03-30T01:00Z, UTC+2 after.
/// On every engine: the subclasses below choose it, through the fixture.
/// </summary>
public abstract partial class HandWrittenTests(HandWrittenTests.Acme acme)
{
    /// <summary>The company and its events, stored once per engine and read by every test of the class.</summary>
    public abstract class Acme(StoreKind engine) : IAsyncLifetime
    {
        public static readonly DateTimeOffset Now = new(2025, 4, 2, 12, 0, 0, TimeSpan.Zero);

        public TestServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await ReportApi.StartAsync(new FixedTime(Now), engine);
            using var admin = Server.Client();
            await ReportApi.PutCompanyAsync(admin, 2, "Acme, Inc.", "Europe/Paris");
            var events = JsonNode.Parse("""
            [
              {"id": "e01", "type": "member_joined", "timestamp": "2025-03-28T10:00:00Z", "company_id": 2, "user_id": 7, "user_name": "Ada"},
              {"id": "e02", "type": "connection", "timestamp": "2025-03-29T00:30:00+01:00", "company_id": 2, "user_id": 7, "ip": "10.1.2.3", "user_agent": "Mozilla/5.0", "auth_method": "sso"},
              {"id": "e03", "type": "session_started", "timestamp": "2025-03-29T08:00:00Z", "company_id": 2, "user_id": 7, "session_id": "s-1"},
              {"id": "e04", "type": "user_query", "timestamp": "2025-03-29T08:01:00Z", "company_id": 2, "user_id": 7, "session_id": "s-1", "mode": "chat"},
              {"id": "e05", "type": "model_response", "timestamp": "2025-03-29T08:01:05.123456789Z", "company_id": 2, "user_id": 7, "session_id": "s-1",
               "response_id": "r-1", "model": "model-a",
               "documents": [{"id": 12, "filename": "draft.pdf"}, {"id": 12, "filename": "policy.pdf", "title": "Travel policy"}]},
              {"id": "e06", "type": "user_query", "timestamp": "2025-03-29T08:02:00Z", "company_id": 2, "user_id": 7, "session_id": "s-1"},
              {"id": "e07", "type": "model_response", "timestamp": "2025-03-29T08:02:30Z", "company_id": 2, "user_id": 7, "session_id": "s-1",
               "response_id": "r-2", "model": "model-b", "documents": []},
              {"id": "e08", "type": "user_query", "timestamp": "2025-03-29T09:00:00Z", "company_id": 2, "user_id": 7, "session_id": "s-2"},
              {"id": "e09", "type": "session_started", "timestamp": "2025-03-29T22:30:00Z", "company_id": 2, "user_id": 8, "session_id": "t-1", "mode": "agent"},
              {"id": "e10", "type": "user_query", "timestamp": "2025-03-29T23:10:00Z", "company_id": 2, "user_id": 8, "session_id": "t-1", "mode": "agent"},
              {"id": "e11", "type": "model_response", "timestamp": "2025-03-30T01:30:00Z", "company_id": 2, "user_id": 8, "session_id": "t-1", "mode": "agent",
               "response_id": "r-3", "model": "model-a", "documents": [{"id": 13, "filename": "notes.txt", "title": null}]},
              {"id": "e12", "type": "tool_call", "timestamp": "2025-03-30T01:29:00Z", "company_id": 2, "user_id": 8, "session_id": "t-1", "mode": "agent",
               "tool_name": "document_search", "tool_type": "native", "status": "ok"},
              {"id": "e13", "type": "tool_call", "timestamp": "2025-03-29T08:01:30Z", "company_id": 2, "user_id": 7, "session_id": "s-1",
               "tool_name": "jira.search", "tool_type": "mcp", "status": "error"},
              {"id": "e14", "type": "tool_call", "timestamp": "2025-03-29T08:01:02Z", "company_id": 2, "user_id": 7, "session_id": "s-1", "tool_name": "document_search"},
              {"id": "e15", "type": "tool_call", "timestamp": "2025-03-29T12:00:00Z", "company_id": 2, "user_id": 8, "session_id": "s-9", "tool_name": "jira.search", "tool_type": "mcp"},
              {"id": "e16", "type": "feedback", "timestamp": "2025-03-29T08:05:00Z", "company_id": 2, "user_id": 7, "response_id": "r-1", "kind": "like"},
              {"id": "e17", "type": "feedback", "timestamp": "2025-03-30T10:00:00Z", "company_id": 2, "user_id": 7, "response_id": "r-1", "kind": "dislike"},
              {"id": "e18", "type": "feedback", "timestamp": "2025-03-29T08:06:00Z", "company_id": 2, "user_id": 7, "response_id": "r-2", "kind": "copy"},
              {"id": "e19", "type": "feedback", "timestamp": "2025-03-30T02:00:00Z", "company_id": 2, "user_id": 8, "response_id": "r-3", "kind": "like"},
              {"id": "e20", "type": "member_left", "timestamp": "2025-03-30T20:00:00Z", "company_id": 2, "user_id": 8},
              {"id": "e21", "type": "member_joined", "timestamp": "2025-03-29T12:00:00Z", "company_id": 2, "user_id": 9, "user_name": "Bob"},
              {"id": "e05", "type": "model_response", "timestamp": "2025-03-31T08:00:00Z", "company_id": 2, "user_id": 7, "session_id": "s-1",
               "response_id": "r-1", "model": "model-z", "documents": []},
              {"id": "x01", "type": "tool_call", "timestamp": "2025-03-30T12:00:00Z", "company_id": 4, "user_id": 1, "session_id": "s", "tool_name": "web_search"}
            ]
            """)!.AsArray();
            (await ReportApi.SendAsync(admin, events)).ShouldBe((22, 1));

            // Company 6 (UTC): queries per session of 9/8 = 1.125, 5/3, 10/3 and 21/8 = 2.625.
            var queries = new JsonArray();
            void Queries(string day, string mode, int count, int sessions)
            {
                for (var i = 0; i < count; i++)
                {
                    queries.Add(new JsonObject
                    {
                        ["id"] = $"{day}-{mode}-{i}", ["type"] = "user_query", ["timestamp"] = $"{day}T10:{i:00}:00Z",
                        ["company_id"] = 6, ["user_id"] = 1, ["session_id"] = $"s-{i % sessions}", ["mode"] = mode,
                    });
                }
            }

            Queries("2025-03-29", "chat", 9, 8);
            Queries("2025-03-29", "agent", 5, 3);
            Queries("2025-03-30", "chat", 10, 3);
            Queries("2025-03-30", "agent", 21, 8);
            (await ReportApi.SendAsync(admin, queries)).ShouldBe((45, 0));
        }

        public async Task DisposeAsync()
        {
            // Null when the server could not start: that failure is the one to report.
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
        }
    }

    private const string Range = "company_id=2&start_date=2025-03-29&end_date=2025-03-31";

    private async Task<JsonObject> GetAsync(string report, string query = Range)
    {
        using var client = acme.Server.Client();
        return await ReportApi.GetJsonAsync(client, $"/api/v2/reporting/{report}/?{query}");
    }

    private async Task<string> CsvAsync(string report, string query = Range)
    {
        using var client = acme.Server.Client();
        using var response = await client.GetAsync(new Uri($"/api/v2/reporting/{report}?{query}&format=csv", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(3).ShouldNotBe(new byte[] { 0xEF, 0xBB, 0xBF }, "no byte-order mark");
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    private static void TopLevel(JsonObject response, params string[] keys)
    {
        response.Select(p => p.Key).ShouldBe([.. keys, "generated_at"]);
        DateTimeOffset.Parse(response["generated_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(Acme.Now);
    }

    private const string Company = """{"name": "Acme, Inc.", "id": 2, "timezone": "Europe/Paris"}""";

    [Fact]
    public async Task Chat_sessions_are_counted_per_mode_and_local_day_in_full()
    {
        var response = await GetAsync("chat-sessions");

        TopLevel(response, "metadata", "reporting", "metadata_agent", "reporting_agent");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}}, "dates": [
              {"date": "2025-03-29",
               "sessions": {"sessions_count": 1, "unique_models_count": 2, "average_session_length": 1.5},
               "chats": {"user_queries_count": 3, "model_responses_with_docs_count": 1, "model_responses_count": 2, "last_model_response_date": "2025-03-29T08:02:30Z"}},
              {"date": "2025-03-30",
               "sessions": {"sessions_count": 0, "unique_models_count": 0, "average_session_length": 0},
               "chats": {"user_queries_count": 0, "model_responses_with_docs_count": 0, "model_responses_count": 0, "last_model_response_date": null}},
              {"date": "2025-03-31",
               "sessions": {"sessions_count": 0, "unique_models_count": 0, "average_session_length": 0},
               "chats": {"user_queries_count": 0, "model_responses_with_docs_count": 0, "model_responses_count": 0, "last_model_response_date": null}}]}]
            """), "reporting");
        response["reporting_agent"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}}, "dates": [
              {"date": "2025-03-29",
               "threads": {"threads_count": 1, "unique_models_count": 0, "average_thread_length": 0},
               "chats": {"user_queries_count": 0, "model_responses_with_docs_count": 0, "model_responses_count": 0, "last_model_response_date": null}},
              {"date": "2025-03-30",
               "threads": {"threads_count": 0, "unique_models_count": 1, "average_thread_length": 1},
               "chats": {"user_queries_count": 1, "model_responses_with_docs_count": 1, "model_responses_count": 1, "last_model_response_date": "2025-03-30T01:30:00Z"}},
              {"date": "2025-03-31",
               "threads": {"threads_count": 0, "unique_models_count": 0, "average_thread_length": 0},
               "chats": {"user_queries_count": 0, "model_responses_with_docs_count": 0, "model_responses_count": 0, "last_model_response_date": null}}]}]
            """), "reporting_agent");
    }

    [Fact]
    public async Task Chats_feedback_counts_the_latest_rating_on_its_day_in_full()
    {
        var response = await GetAsync("chats-feedback");

        TopLevel(response, "metadata", "reporting");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}}, "dates": [
              {"date": "2025-03-29", "model_responses_count": 2, "feedbacks": {"likes_count": 0, "dislikes_count": 0, "copies_count": 1, "flags_count": 0}},
              {"date": "2025-03-30", "model_responses_count": 1, "feedbacks": {"likes_count": 1, "dislikes_count": 1, "copies_count": 0, "flags_count": 0}},
              {"date": "2025-03-31", "model_responses_count": 0, "feedbacks": {"likes_count": 0, "dislikes_count": 0, "copies_count": 0, "flags_count": 0}}]}]
            """), "reporting");
    }

    [Fact]
    public async Task Tools_are_listed_per_day_by_usage_in_full()
    {
        var response = await GetAsync("tools");

        TopLevel(response, "metadata", "reporting");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}}, "dates": [
              {"date": "2025-03-29", "tool_calls_count": 3, "tools": [
                {"tool_name": "jira.search", "tool_type": "mcp", "usage_count": 2, "users_count": 2, "errors_count": 1},
                {"tool_name": "document_search", "tool_type": "native", "usage_count": 1, "users_count": 1, "errors_count": 0}]},
              {"date": "2025-03-30", "tool_calls_count": 1, "tools": [
                {"tool_name": "document_search", "tool_type": "native", "usage_count": 1, "users_count": 1, "errors_count": 0}]},
              {"date": "2025-03-31", "tool_calls_count": 0, "tools": []}]}]
            """), "reporting");
    }

    [Fact]
    public async Task Used_documents_count_an_answer_once_and_take_its_last_listing_in_full()
    {
        var response = await GetAsync("used-documents");

        TopLevel(response, "metadata", "reporting");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}}, "dates": [
              {"date": "2025-03-29", "documents_count": 1, "documents": [{"document_filename": "policy.pdf", "document_title": "Travel policy", "document_id": 12, "usage_count": 1}]},
              {"date": "2025-03-30", "documents_count": 1, "documents": [{"document_filename": "notes.txt", "document_title": null, "document_id": 13, "usage_count": 1}]},
              {"date": "2025-03-31", "documents_count": 0, "documents": []}]}]
            """), "reporting");
    }

    [Theory]
    [InlineData("2025-03-31", 3, 2)]
    [InlineData("2025-03-30", 3, 2)] // user 8 left at 22:00 Paris time on the 30th
    [InlineData("2025-03-29", 3, 3)]
    [InlineData("2025-03-28", 1, 1)]
    [InlineData("2025-03-27", 0, 0)]
    public async Task Users_are_counted_as_of_the_end_of_end_date_in_full(string end, int historical, int active)
    {
        var response = await GetAsync("users", $"company_id=2&start_date=2025-01-01&end_date={end}");

        TopLevel(response, "reporting", "metadata");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {"id": 2, "name": "Acme, Inc.", "timezone": "Europe/Paris"}, "total_historical_members": {{{historical}}}, "current_active_members": {{{active}}}}]
            """), "reporting");
        (await GetAsync("users", $"company_id=2&start_date={end}&end_date={end}"))["reporting"].ShouldMatch(response["reporting"], "start_date changes nothing");
    }

    [Fact]
    public async Task User_activities_count_active_users_and_list_them_in_full()
    {
        var response = await GetAsync("user-activities");

        TopLevel(response, "metadata", "reporting");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}},
              "dates": [
                {"date": "2025-03-29", "active_users_count": 2, "new_active_users_count": 2, "weekly_active_users_count": 2, "monthly_active_users_count": 2, "connections_count": 1},
                {"date": "2025-03-30", "active_users_count": 2, "new_active_users_count": 0, "weekly_active_users_count": 2, "monthly_active_users_count": 2, "connections_count": 0},
                {"date": "2025-03-31", "active_users_count": 0, "new_active_users_count": 0, "weekly_active_users_count": 2, "monthly_active_users_count": 2, "connections_count": 0}],
              "users": [
                {"user_id": 7, "user_name": "Ada", "active_days_count": 2, "sessions_count": 1, "user_queries_count": 3, "feedbacks_count": 3, "tool_calls_count": 2,
                 "first_activity_date": "2025-03-29", "last_activity_date": "2025-03-30", "last_connection": "2025-03-28T23:30:00Z",
                 "input_tokens": 0, "output_tokens": 0, "cost": 0},
                {"user_id": 8, "user_name": null, "active_days_count": 2, "sessions_count": 1, "user_queries_count": 1, "feedbacks_count": 1, "tool_calls_count": 2,
                 "first_activity_date": "2025-03-29", "last_activity_date": "2025-03-30", "last_connection": null,
                 "input_tokens": 0, "output_tokens": 0, "cost": 0}]}]
            """), "reporting");
    }

    [Fact]
    public async Task User_activities_of_one_day_still_look_back_for_the_week_and_month()
    {
        var response = await GetAsync("user-activities", "company_id=2&start_date=2025-04-05&end_date=2025-04-06");

        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}},
              "dates": [
                {"date": "2025-04-05", "active_users_count": 0, "new_active_users_count": 0, "weekly_active_users_count": 2, "monthly_active_users_count": 2, "connections_count": 0},
                {"date": "2025-04-06", "active_users_count": 0, "new_active_users_count": 0, "weekly_active_users_count": 0, "monthly_active_users_count": 2, "connections_count": 0}],
              "users": []}]
            """), "reporting");
    }

    [Fact]
    public async Task User_activities_for_one_user_count_as_if_the_company_had_only_them()
    {
        var response = await GetAsync("user-activities", Range + "&user_id=8");

        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}},
              "dates": [
                {"date": "2025-03-29", "active_users_count": 1, "new_active_users_count": 1, "weekly_active_users_count": 1, "monthly_active_users_count": 1, "connections_count": 0},
                {"date": "2025-03-30", "active_users_count": 1, "new_active_users_count": 0, "weekly_active_users_count": 1, "monthly_active_users_count": 1, "connections_count": 0},
                {"date": "2025-03-31", "active_users_count": 0, "new_active_users_count": 0, "weekly_active_users_count": 1, "monthly_active_users_count": 1, "connections_count": 0}],
              "users": [
                {"user_id": 8, "user_name": null, "active_days_count": 2, "sessions_count": 1, "user_queries_count": 1, "feedbacks_count": 1, "tool_calls_count": 2,
                 "first_activity_date": "2025-03-29", "last_activity_date": "2025-03-30", "last_connection": null,
                 "input_tokens": 0, "output_tokens": 0, "cost": 0}]}]
            """), "reporting");
    }

    [Fact]
    public async Task Connections_are_listed_newest_first_in_full()
    {
        var response = await GetAsync("connections");

        TopLevel(response, "metadata", "reporting");
        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}},
              "connections": [{"user_id": 7, "user_name": "Ada", "timestamp": "2025-03-28T23:30:00Z", "ip": "10.1.2.3", "user_agent": "Mozilla/5.0", "auth_method": "sso"}],
              "next": null}]
            """), "reporting");
    }

    [Fact]
    public async Task The_instance_admin_without_company_id_gets_every_company_by_id()
    {
        var response = await GetAsync("tools", "start_date=2025-03-30&end_date=2025-03-30");

        response["reporting"].ShouldMatch(JsonCompare.Parse($$$"""
            [{"company": {{{Company}}}, "dates": [{"date": "2025-03-30", "tool_calls_count": 1, "tools": [
                {"tool_name": "document_search", "tool_type": "native", "usage_count": 1, "users_count": 1, "errors_count": 0}]}]},
             {"company": {"name": "Company 4", "id": 4, "timezone": "UTC"}, "dates": [{"date": "2025-03-30", "tool_calls_count": 1, "tools": [
                {"tool_name": "web_search", "tool_type": "native", "usage_count": 1, "users_count": 1, "errors_count": 0}]}]},
             {"company": {"name": "Company 6", "id": 6, "timezone": "UTC"}, "dates": [{"date": "2025-03-30", "tool_calls_count": 0, "tools": []}]}]
            """), "reporting");
    }

    [Fact]
    public async Task Averages_are_rounded_to_two_decimals_half_away_from_zero()
    {
        var response = await GetAsync("chat-sessions", "company_id=6&start_date=2025-03-29&end_date=2025-03-30");

        response["reporting"]![0]!["dates"]!.AsArray().Select(d => d!["sessions"]!["average_session_length"]!.GetValue<decimal>()).ShouldBe([1.13m, 3.33m]);
        response["reporting_agent"]![0]!["dates"]!.AsArray().Select(d => d!["threads"]!["average_thread_length"]!.GetValue<decimal>()).ShouldBe([1.67m, 2.63m]);
        (await CsvAsync("chat-sessions", "company_id=6&start_date=2025-03-29&end_date=2025-03-30")).ShouldBe(
            "company_id,company_name,date,sessions_count,unique_models_count,average_session_length,user_queries_count,model_responses_with_docs_count,model_responses_count,last_model_response_date,"
            + "agent_threads_count,agent_unique_models_count,agent_average_thread_length,agent_user_queries_count,agent_model_responses_with_docs_count,agent_model_responses_count,agent_last_model_response_date\r\n"
            + "6,Company 6,2025-03-29,0,0,1.13,9,0,0,,0,0,1.67,5,0,0,\r\n"
            + "6,Company 6,2025-03-30,0,0,3.33,10,0,0,,0,0,2.63,21,0,0,\r\n");
    }

    [Fact]
    public async Task Chat_sessions_csv_is_the_json_flattened()
    {
        (await CsvAsync("chat-sessions")).ShouldBe(
            "company_id,company_name,date,sessions_count,unique_models_count,average_session_length,user_queries_count,model_responses_with_docs_count,model_responses_count,last_model_response_date,"
            + "agent_threads_count,agent_unique_models_count,agent_average_thread_length,agent_user_queries_count,agent_model_responses_with_docs_count,agent_model_responses_count,agent_last_model_response_date\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,1,2,1.5,3,1,2,2025-03-29T08:02:30Z,1,0,0.0,0,0,0,\r\n"
            + "2,\"Acme, Inc.\",2025-03-30,0,0,0.0,0,0,0,,0,1,1.0,1,1,1,2025-03-30T01:30:00Z\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,0,0,0.0,0,0,0,,0,0,0.0,0,0,0,\r\n");
    }

    [Fact]
    public async Task Tools_csv_has_a_row_per_tool_and_one_empty_row_for_a_day_without()
    {
        (await CsvAsync("tools")).ShouldBe(
            "company_id,company_name,date,tool_calls_count,tool_name,tool_type,usage_count,users_count,errors_count\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,3,jira.search,mcp,2,2,1\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,3,document_search,native,1,1,0\r\n"
            + "2,\"Acme, Inc.\",2025-03-30,1,document_search,native,1,1,0\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,0,,,,,\r\n");
    }

    [Fact]
    public async Task Tools_csv_of_every_company_is_ordered_by_company_then_date()
    {
        (await CsvAsync("tools", "start_date=2025-03-30&end_date=2025-03-31")).ShouldBe(
            "company_id,company_name,date,tool_calls_count,tool_name,tool_type,usage_count,users_count,errors_count\r\n"
            + "2,\"Acme, Inc.\",2025-03-30,1,document_search,native,1,1,0\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,0,,,,,\r\n"
            + "4,Company 4,2025-03-30,1,web_search,native,1,1,0\r\n"
            + "4,Company 4,2025-03-31,0,,,,,\r\n"
            + "6,Company 6,2025-03-30,0,,,,,\r\n"
            + "6,Company 6,2025-03-31,0,,,,,\r\n");
    }

    [Fact]
    public async Task The_other_reports_csv_are_the_json_flattened()
    {
        (await CsvAsync("chats-feedback")).ShouldBe(
            "company_id,company_name,date,model_responses_count,likes_count,dislikes_count,copies_count,flags_count\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,2,0,0,1,0\r\n"
            + "2,\"Acme, Inc.\",2025-03-30,1,1,1,0,0\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,0,0,0,0,0\r\n");
        (await CsvAsync("used-documents")).ShouldBe(
            "company_id,company_name,date,documents_count,document_id,document_filename,document_title,usage_count\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,1,12,policy.pdf,Travel policy,1\r\n"
            + "2,\"Acme, Inc.\",2025-03-30,1,13,notes.txt,,1\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,0,,,,\r\n");
        (await CsvAsync("users")).ShouldBe(
            "company_id,company_name,total_historical_members,current_active_members\r\n"
            + "2,\"Acme, Inc.\",3,2\r\n");
        (await CsvAsync("user-activities")).ShouldBe(
            "company_id,company_name,date,active_users_count,new_active_users_count,weekly_active_users_count,monthly_active_users_count,connections_count\r\n"
            + "2,\"Acme, Inc.\",2025-03-29,2,2,2,2,1\r\n"
            + "2,\"Acme, Inc.\",2025-03-30,2,0,2,2,0\r\n"
            + "2,\"Acme, Inc.\",2025-03-31,0,0,2,2,0\r\n");
        (await CsvAsync("user-activities", Range + "&table=users")).ShouldBe(
            "company_id,company_name,user_id,user_name,active_days_count,sessions_count,user_queries_count,feedbacks_count,tool_calls_count,first_activity_date,last_activity_date,last_connection,input_tokens,output_tokens,cost\r\n"
            + "2,\"Acme, Inc.\",7,Ada,2,1,3,3,2,2025-03-29,2025-03-30,2025-03-28T23:30:00Z,0,0,0\r\n"
            + "2,\"Acme, Inc.\",8,,2,1,1,1,2,2025-03-29,2025-03-30,,0,0,0\r\n");
        (await CsvAsync("connections")).ShouldBe(
            "company_id,company_name,user_id,user_name,timestamp,ip,user_agent,auth_method\r\n"
            + "2,\"Acme, Inc.\",7,Ada,2025-03-28T23:30:00Z,10.1.2.3,Mozilla/5.0,sso\r\n");
    }

    [Fact]
    public async Task Every_value_key_has_metadata_with_a_description_and_a_unit()
    {
        foreach (var report in ReportApi.Reports)
        {
            var response = await GetAsync(report);
            foreach (var (data, metadata) in new[] { ("reporting", "metadata"), ("reporting_agent", "metadata_agent") })
            {
                if (response[data] is not JsonArray reporting)
                {
                    continue;
                }

                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var company in reporting)
                {
                    foreach (var (key, value) in company!.AsObject().Where(p => p.Key != "company"))
                    {
                        ValueKeys(key, value, keys);
                    }
                }

                keys.ShouldNotBeEmpty();
                var described = response[metadata]!.AsObject();
                foreach (var key in keys)
                {
                    described.ContainsKey(key).ShouldBeTrue($"{report}: {metadata} lacks {key}");
                    described[key]!["description"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
                    described[key]!["unit"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
                }
            }
        }
    }

    private static void ValueKeys(string key, JsonNode? node, HashSet<string> keys)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    ValueKeys(k, v, keys);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    ValueKeys(key, item, keys);
                }

                break;
            default:
                keys.Add(key);
                break;
        }
    }
}

public sealed class DuckDbHandWrittenTests(DuckDbHandWrittenTests.AcmeOnDuckDb acme) : HandWrittenTests(acme), IClassFixture<DuckDbHandWrittenTests.AcmeOnDuckDb>
{
    public sealed class AcmeOnDuckDb() : Acme(StoreKind.DuckDb);
}

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresHandWrittenTests(PostgresHandWrittenTests.AcmeOnPostgres acme) : HandWrittenTests(acme), IClassFixture<PostgresHandWrittenTests.AcmeOnPostgres>
{
    public sealed class AcmeOnPostgres() : Acme(StoreKind.PostgreSql);
}
