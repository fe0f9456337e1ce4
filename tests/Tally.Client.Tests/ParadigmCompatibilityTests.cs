using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Tally.Client.Reports;
using Tally.Client.Tables;

namespace Tally.Client.Tests;

/// <summary>
/// The client against a server shaped like Paradigm: only the reports Paradigm documents, under an API base that
/// ends in <c>/api/v2</c>, without Tally's additions (agent data, time zones, generation time). Built as a
/// loopback proxy in front of a real Tally server, so the numbers are real.
/// </summary>
[Collection(DemoServerCollection.Name)]
public sealed class ParadigmCompatibilityTests(DemoServer demo) : IAsyncLifetime
{
    private static readonly string[] ParadigmReports = ["chat-sessions", "chats-feedback", "used-documents", "users"];

    private WebApplication? _paradigm;

    private Uri ApiBase => new(_paradigm!.Urls.First() + "/api/v2");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _paradigm = builder.Build();
        var tally = demo.Server.Client();
        _paradigm.MapGet("/api/v2/reporting/{report}/", async (string report, HttpRequest request) =>
        {
            if (!ParadigmReports.Contains(report))
            {
                return Results.NotFound(new { detail = "Not found." });
            }

            using var forwarded = new HttpRequestMessage(HttpMethod.Get, $"/api/v2/reporting/{report}/{request.QueryString}");
            forwarded.Headers.TryAddWithoutValidation("Authorization", request.Headers.Authorization.ToString());
            using var answer = await tally.SendAsync(forwarded);
            var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            if (body is JsonObject root)
            {
                root.Remove("reporting_agent");
                root.Remove("generated_at");
                foreach (var entry in root["reporting"]?.AsArray() ?? [])
                {
                    entry!["company"]!.AsObject().Remove("timezone");
                }
            }

            return Results.Content(body.ToJsonString(), "application/json", statusCode: (int)answer.StatusCode);
        });
        await _paradigm.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_paradigm is not null)
        {
            await _paradigm.DisposeAsync();
        }
    }

    [Fact]
    public async Task Reports_a_server_lacks_are_skipped_with_a_warning_and_the_rest_still_merge()
    {
        var warnings = new List<string>();
        var request = new ReportRequest(DemoServer.Today.AddDays(-30), DemoServer.Today, 2);
        using var paradigm = new TallyClient(TallyClientOptions.FromEnvironment(null, null, name => name switch
        {
            "PARADIGM_BASE_URL" => ApiBase.ToString(),
            "PARADIGM_API_KEY" => Server.Tests.TestServer.AdminKey,
            _ => null,
        }));
        using var tally = new TallyClient(demo.Options());
        using var fromParadigm = new ReportFetcher(paradigm, new FetchOptions { Warn = warnings.Add });
        using var fromTally = new ReportFetcher(tally);

        var reports = await fromParadigm.AllAsync(request);
        var merged = MergedTable.Build(reports);
        var full = MergedTable.Build(await fromTally.AllAsync(request));

        warnings.Count.ShouldBe(4);
        foreach (var missing in new[] { "tools", "user-activities", "models", "satisfaction" })
        {
            warnings.ShouldContain(warning => warning.Contains($"no {missing} report", StringComparison.Ordinal), missing);
        }

        reports.Tools.ShouldBeNull();
        reports.Models.ShouldBeNull();
        reports.Satisfaction.ShouldBeNull();
        reports.ChatSessions!.ReportingAgent.ShouldBeNull();
        reports.ChatSessions.Reporting[0].Company.Timezone.ShouldBeNull();
        merged.IndexOf("tool_calls_count").ShouldBe(-1);
        merged.IndexOf("active_users_count").ShouldBe(-1);
        merged.IndexOf("cost").ShouldBe(-1);
        merged.Rows.Count.ShouldBe(31);
        foreach (var column in new[] { "sessions_count", "user_queries_count", "likes_count", "dislikes_count", "satisfaction_rate", "top_document" })
        {
            merged.Rows.Select(row => row[merged.IndexOf(column)]).ShouldBe(full.Rows.Select(row => row[full.IndexOf(column)]), column);
        }

        merged.Rows.ShouldAllBe(row => row[merged.IndexOf("agent_threads_count")] == null);
    }

    [Fact]
    public async Task A_server_that_answers_nothing_is_an_error_not_a_warning()
    {
        using var client = new TallyClient(new TallyClientOptions { Url = new Uri(ApiBase + "/nowhere"), ApiKey = Server.Tests.TestServer.AdminKey });
        using var fetcher = new ReportFetcher(client);

        var error = await Should.ThrowAsync<TallyApiException>(() => fetcher.AllAsync(new ReportRequest(DemoServer.Today.AddDays(-3), DemoServer.Today)));

        error.Status.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }
}
