using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Tally.Storage.Postgres;
using Tally.Testing;

namespace Tally.Server.Tests;

/// <summary>
/// Every server of the process exports the meters named "Tally", so these tests run alone (not in parallel with
/// other servers' traffic) and assert exact movements of the counters between two scrapes.
/// </summary>
[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsTests))]
public sealed class MetricsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Counters_move_by_exactly_what_was_sent()
    {
        using var admin = _server.Client();
        using var anonymous = _server.Client(key: null);
        var before = await ScrapeAsync();

        (await admin.PostAsync("/api/v2/events", TestServer.Json(Events.Batch("m", 12).ToJsonString()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // 5 again (duplicates) and 3 new.
        var again = new JsonArray([.. Events.Batch("m", 5).Select(e => e!.DeepClone()), .. Events.Batch("n", 3).Select(e => e!.DeepClone())]);
        (await admin.PostAsync("/api/v2/events", TestServer.Json(again.ToJsonString()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsync("/api/v2/events", TestServer.Json("{}"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostAsync("/api/v2/events", TestServer.Json("not json"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await anonymous.PostAsync("/api/v2/events", TestServer.Json("[]"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using (var text = new StringContent("[]", System.Text.Encoding.UTF8, "text/plain"))
        {
            (await admin.PostAsync("/api/v2/events", text)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        }

        for (var i = 0; i < 3; i++)
        {
            (await admin.GetAsync("/api/v2/reporting/tools?start_date=2025-03-01&end_date=2025-03-02")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await admin.GetAsync("/api/v2/reporting/users?start_date=2025-03-01&end_date=2025-03-02")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var after = await ScrapeAsync();
        Moved(before, after, "tally_events_accepted_total").ShouldBe(15);
        // 12 events of three types in turn, then 3 new of the same three types.
        Moved(before, after, "tally_events_accepted_total", "type=\"user_query\"").ShouldBe(5);
        Moved(before, after, "tally_events_accepted_total", "type=\"model_response\"").ShouldBe(5);
        Moved(before, after, "tally_events_accepted_total", "type=\"connection\"").ShouldBe(5);
        Moved(before, after, "tally_events_duplicates_total").ShouldBe(5);
        Moved(before, after, "tally_requests_rejected_total", "reason=\"invalid_request\"").ShouldBe(2);
        Moved(before, after, "tally_requests_rejected_total", "reason=\"unauthorized\"").ShouldBe(1);
        Moved(before, after, "tally_requests_rejected_total", "reason=\"unsupported_media_type\"").ShouldBe(1);
        Moved(before, after, "tally_requests_rejected_total").ShouldBe(4);
        Moved(before, after, "tally_commit_size_count").ShouldBeInRange(1, 2);
        Moved(before, after, "tally_commit_size_sum").ShouldBe(20);
        Moved(before, after, "tally_report_duration_seconds_count", "report=\"tools\"").ShouldBe(3);
        Moved(before, after, "tally_report_duration_seconds_count", "report=\"users\"").ShouldBe(1);
        after.Keys.ShouldContain(line => line.StartsWith("tally_ingest_queue_depth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aggregation_lag_counts_the_commits_no_report_has_read_yet_and_store_size_is_the_files()
    {
        using var admin = _server.Client();
        Current(await ScrapeAsync(), "tally_aggregation_lag").ShouldBe(0);

        (await admin.PostAsync("/api/v2/events", TestServer.Json(Events.Batch("a", 3).ToJsonString()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsync("/api/v2/events", TestServer.Json(Events.Batch("b", 3).ToJsonString()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        Current(await ScrapeAsync(), "tally_aggregation_lag").ShouldBe(2, "two commits, one request each, not aggregated yet");

        (await admin.GetAsync("/api/v2/reporting/tools?start_date=2025-03-01&end_date=2025-03-02")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var scraped = await ScrapeAsync();
        Current(scraped, "tally_aggregation_lag").ShouldBe(0, "a report reads every acknowledged commit");
        Current(scraped, "tally_store_size_bytes").ShouldBe(new FileInfo(Path.Combine(_server.Storage.Location, Tally.Storage.DuckDb.DuckDbStore.FileName)).Length);
    }

    [Fact]
    public async Task Health_answers_HEAD_without_a_body_and_readiness_200_on_a_healthy_store()
    {
        using var client = _server.Client(key: null);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"));
        head.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await head.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();

        using var ready = await client.GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ready.Content.ReadAsStringAsync()).ShouldBe("{\"status\":\"ready\"}");
    }

    [Fact]
    public async Task Readiness_and_requests_answer_503_within_seconds_once_the_PostgreSQL_server_is_stopped()
    {
        var cluster = await PostgresCluster.StartAsync();
        var connectionString = await cluster.CreateDatabaseAsync("ready");
        var app = await TallyApplication.BuildAsync(new TallyServerOptions
        {
            OpenStore = () => PostgresStore.Open(connectionString),
            Urls = "http://127.0.0.1:0",
            BootstrapAdminKey = TestServer.AdminKey,
        });
        try
        {
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(20) };
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);

            // The database's size, as PostgreSQL counts it; it moves only with autovacuum's bookkeeping meanwhile.
            var size = Current(await ScrapeAsync(client), "tally_store_size_bytes");
            await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var query = new Npgsql.NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
                size.ShouldBe(Convert.ToDouble(await query.ExecuteScalarAsync(), CultureInfo.InvariantCulture), tolerance: 1024 * 1024);
            }

            Current(await ScrapeAsync(client), "tally_aggregation_lag").ShouldBe(0);
            await cluster.DisposeAsync();

            var started = TimeProvider.System.GetTimestamp();
            using var response = await client.GetAsync("/health/ready");
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await response.Content.ReadAsStringAsync()).ShouldContain("\"detail\":");
            TimeProvider.System.GetElapsedTime(started).ShouldBeLessThan(TimeSpan.FromSeconds(10));
            (await client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);

            // A request that needs the store is an outage to retry, not a server fault: 503 with a wait, no internals.
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestServer.AdminKey);
            foreach (var request in new[]
            {
                new HttpRequestMessage(HttpMethod.Get, "/api/v2/reporting/users?start_date=2025-03-01&end_date=2025-03-02"),
                new HttpRequestMessage(HttpMethod.Post, "/api/v2/events")
                {
                    Content = new StringContent("""[{"id":"e1","type":"connection","timestamp":"2025-03-01T10:00:00Z","company_id":1,"user_id":1}]""",
                        System.Text.Encoding.UTF8, "application/json"),
                },
            })
            {
                using var refused = await client.SendAsync(request);
                var body = await refused.Content.ReadAsStringAsync();
                refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, $"{request.Method} {request.RequestUri}: {body}");
                refused.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldBe(TimeSpan.FromSeconds(5));
                body.ShouldBe("""{"detail":"The store is unreachable; nothing of this request was stored. It is safe to retry."}""");
            }
        }
        finally
        {
            await cluster.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var client = _server.Client(key: null);
        return await ScrapeAsync(client);
    }

    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{labels} value [timestamp]
            var end = line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : line.IndexOf(' ', StringComparison.Ordinal);
            var fields = line[end..].Trim().Split(' ');
            series[line[..end]] = double.Parse(fields[0], CultureInfo.InvariantCulture);
        }

        return series;
    }

    /// <summary>A series' value now, summed over its labels.</summary>
    private static double Current(Dictionary<string, double> series, string name) =>
        series.Where(pair => pair.Key == name || pair.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(pair => pair.Value);

    private static double Moved(Dictionary<string, double> before, Dictionary<string, double> after, string name, string? label = null)
    {
        double Sum(Dictionary<string, double> series) => series
            .Where(pair => (pair.Key == name || pair.Key.StartsWith(name + "{", StringComparison.Ordinal)) && (label is null || pair.Key.Contains(label, StringComparison.Ordinal)))
            .Sum(pair => pair.Value);
        return Sum(after) - Sum(before);
    }
}
