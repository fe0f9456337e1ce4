using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// Two real <c>tally serve</c> processes on one PostgreSQL database, as a deployment behind a load balancer runs
/// them: whatever one server accepts or changes, the other answers with on its very next request. Each test starts
/// both servers on a fresh database (the same bootstrap admin key for both) and drops it at the end.
/// </summary>
[Trait("Engine", "PostgreSQL")]
public sealed class TwoServerTests : IAsyncLifetime
{
    private const string AdminKey = "two-server-admin-key-0123456789abcdef";

    private StoreEngine? _storage;
    private TallyProcess? _a;
    private TallyProcess? _b;

    private TallyProcess A => _a!;

    private TallyProcess B => _b!;

    public async Task InitializeAsync()
    {
        _storage = await StoreEngine.PostgreSqlAsync("two_servers");
        // Started together: both migrate the new database at once, which the store serializes.
        var a = TallyProcess.ServeAsync(_storage.CommandLineOptions, AdminKey);
        var b = TallyProcess.ServeAsync(_storage.CommandLineOptions, AdminKey);
        try
        {
            await Task.WhenAll(a, b);
        }
        finally
        {
            // Whichever started is kept for DisposeAsync, also when the other failed.
            _a = a.IsCompletedSuccessfully ? a.Result : null;
            _b = b.IsCompletedSuccessfully ? b.Result : null;
        }
    }

    public async Task DisposeAsync()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }
    }

    [Fact]
    public async Task Events_sent_through_both_servers_at_once_are_each_accepted_exactly_once()
    {
        const int Rounds = 4;
        const int RequestsPerRound = 20;
        const int EventsPerRequest = 200;
        const int Stride = 100;
        using var a = Client(A);
        using var b = Client(B);
        var random = new Random(20250301);
        var distinct = new HashSet<(long Company, string Id)>();
        var sent = 0;
        var accepted = 0;
        var duplicates = 0;
        for (var round = 0; round < Rounds; round++)
        {
            // Request k covers events [start + k*Stride, start + k*Stride + 200): each overlaps its neighbours by half,
            // and rounds overlap earlier rounds (a random start), so most events arrive several times, through both.
            var start = random.Next(0, 1500);
            var requests = new List<(HttpClient Server, string Body)>();
            for (var k = 0; k < RequestsPerRound; k++)
            {
                var first = start + (k * Stride);
                var body = Batch(first, EventsPerRequest, distinct);
                requests.Add((k % 2 == 0 ? a : b, body));
                if (k % 4 == 0)
                {
                    // The very same request through the other server too, at the same moment.
                    requests.Add((k % 2 == 0 ? b : a, body));
                }
            }

            var results = await Task.WhenAll(requests.Select(r => PostEventsAsync(r.Server, r.Body)));
            foreach (var (newlyAccepted, duplicated) in results)
            {
                (newlyAccepted + duplicated).ShouldBe(EventsPerRequest);
                accepted += newlyAccepted;
                duplicates += duplicated;
            }

            sent += requests.Count * EventsPerRequest;
            accepted.ShouldBe(distinct.Count, $"after round {round}, the events accepted are the distinct (company, id) sent");
        }

        (accepted + duplicates).ShouldBe(sent);
        duplicates.ShouldBeGreaterThan(0, "requests were sent through both servers at once");
        foreach (var server in new[] { a, b })
        {
            var stats = await IngestionStatsAsync(server);
            stats.Sum(s => s.Stored).ShouldBe(distinct.Count, $"stored events as {server.BaseAddress} counts them");
            stats.Sum(s => s.Duplicates).ShouldBe(duplicates, $"duplicates as {server.BaseAddress} counts them");
            foreach (var (company, stored, _) in stats)
            {
                stored.ShouldBe(distinct.Count(e => e.Company == company), $"company {company} on {server.BaseAddress}");
            }
        }
    }

    [Fact]
    public async Task A_report_on_one_server_includes_what_the_other_just_acknowledged()
    {
        const long Company = 7;
        var day = new DateOnly(2025, 5, 10);
        using var a = Client(A);
        using var b = Client(B);
        var queries = 0;
        var sessions = new HashSet<string>();
        var models = new HashSet<string>();
        var users = new HashSet<long>();
        for (var i = 0; i < 10; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (a, b) : (b, a);
            var events = new List<string>();
            for (var q = 0; q < 2 + i; q++)
            {
                var user = 1 + ((i + q) % 6);
                var session = $"s-{(i * 3 + q) % 7}";
                events.Add(Query($"ryw-{i}-q{q}", Company, user, session, day.ToDateTime(new TimeOnly(8, i, q), DateTimeKind.Utc)));
                users.Add(user);
                sessions.Add(session);
                queries++;
            }

            var model = $"model-{i % 4}";
            events.Add(Response($"ryw-{i}-r", Company, 20 + i, $"s-{i}", model, day.ToDateTime(new TimeOnly(9, i), DateTimeKind.Utc)));
            models.Add(model);
            users.Add(20 + i);
            (await PostEventsAsync(writer, "[" + string.Join(',', events) + "]")).ShouldBe((events.Count, 0));

            // No wait: the 200 means committed, and the other server reads the same database.
            using var chat = await GetJsonAsync(reader, Report("chat-sessions", Company, day, day));
            var date = chat.RootElement.GetProperty("reporting")[0].GetProperty("dates")[0];
            date.GetProperty("date").GetString().ShouldBe("2025-05-10");
            var label = $"iteration {i}, written through {writer.BaseAddress}, read through {reader.BaseAddress}";
            date.GetProperty("chats").GetProperty("user_queries_count").GetInt64().ShouldBe(queries, label);
            date.GetProperty("chats").GetProperty("model_responses_count").GetInt64().ShouldBe(i + 1, label);
            date.GetProperty("sessions").GetProperty("unique_models_count").GetInt64().ShouldBe(models.Count, label);
            date.GetProperty("sessions").GetProperty("average_session_length").GetDecimal()
                .ShouldBe(Math.Round((decimal)queries / sessions.Count, 2, MidpointRounding.AwayFromZero), label);

            using var activity = await GetJsonAsync(reader, Report("user-activities", Company, day, day));
            var company = activity.RootElement.GetProperty("reporting")[0];
            company.GetProperty("dates")[0].GetProperty("active_users_count").GetInt64().ShouldBe(users.Count, label);
            company.GetProperty("users").EnumerateArray().Sum(u => u.GetProperty("user_queries_count").GetInt64()).ShouldBe(queries, label);
        }
    }

    [Fact]
    public async Task A_key_created_on_one_server_works_on_the_other_until_revoked_there()
    {
        using var adminA = Client(A);
        using var created = await adminA.PostAsJsonAsync("/api/v2/admin/api-keys", new { name = "platform", role = "ingest", company_id = 3 });
        var createdBody = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, createdBody);
        using var key = JsonDocument.Parse(createdBody);
        var id = key.RootElement.GetProperty("id").GetInt64();
        using var ingestB = Client(B, key.RootElement.GetProperty("key").GetString());
        using var ingestA = Client(A, key.RootElement.GetProperty("key").GetString());

        (await PostEventsAsync(ingestB, "[" + Query("k-1", 3, 1, "s", new DateTime(2025, 6, 1, 10, 0, 0, DateTimeKind.Utc)) + "]")).ShouldBe((1, 0));
        // Its company scope holds on B too.
        using (var foreign = await ingestB.PostAsync("/api/v2/events", Json("[" + Query("k-2", 4, 1, "s", new DateTime(2025, 6, 1, 10, 0, 0, DateTimeKind.Utc)) + "]")))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        // A company-admin key made on A reads its company's reports on B.
        using (var companyAdminKey = await adminA.PostAsJsonAsync("/api/v2/admin/api-keys", new { name = "viewer", role = "company_admin", company_id = 3 }))
        {
            companyAdminKey.StatusCode.ShouldBe(HttpStatusCode.Created);
            using var secret = JsonDocument.Parse(await companyAdminKey.Content.ReadAsStringAsync());
            using var viewerB = Client(B, secret.RootElement.GetProperty("key").GetString());
            using var report = await GetJsonAsync(viewerB, "/api/v2/reporting/chat-sessions/?start_date=2025-06-01&end_date=2025-06-01");
            var company = report.RootElement.GetProperty("reporting").EnumerateArray().Single();
            company.GetProperty("company").GetProperty("id").GetInt64().ShouldBe(3);
            company.GetProperty("dates")[0].GetProperty("chats").GetProperty("user_queries_count").GetInt64().ShouldBe(1);
        }

        using (var revoke = await adminA.DeleteAsync($"/api/v2/admin/api-keys/{id}"))
        {
            revoke.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // B's very next request with it is refused, with nothing stored; A refuses it too.
        using (var refused = await ingestB.PostAsync("/api/v2/events", Json("[" + Query("k-3", 3, 1, "s", new DateTime(2025, 6, 1, 11, 0, 0, DateTimeKind.Utc)) + "]")))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, await refused.Content.ReadAsStringAsync());
        }

        using (var refusedOnA = await ingestA.PostAsync("/api/v2/events", Json("[]")))
        {
            refusedOnA.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using var adminB = Client(B);
        (await IngestionStatsAsync(adminB)).ShouldBe([(3L, 1L, 0L)]);
        using var listed = await GetJsonAsync(adminB, "/api/v2/admin/api-keys");
        listed.RootElement.EnumerateArray().Single(k => k.GetProperty("id").GetInt64() == id)
            .GetProperty("revoked_at").ValueKind.ShouldBe(JsonValueKind.String);
    }

    [Fact]
    public async Task A_time_zone_set_on_one_server_is_used_by_the_others_next_report()
    {
        const long Company = 11;
        using var a = Client(A);
        using var b = Client(B);
        using (var created = await a.PutAsJsonAsync($"/api/v2/admin/companies/{Company}", new { name = "Zoned", timezone = "UTC" }))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        (await PostEventsAsync(a, "[" + Query("late", Company, 1, "s", new DateTime(2025, 3, 1, 23, 30, 0, DateTimeKind.Utc)) + "]")).ShouldBe((1, 0));
        var first = new DateOnly(2025, 3, 1);
        var second = new DateOnly(2025, 3, 2);

        (await QueriesByDayAsync(b, Company, first, second)).ShouldBe([("2025-03-01", 1L), ("2025-03-02", 0L)]);

        using (var paris = await a.PutAsJsonAsync($"/api/v2/admin/companies/{Company}", new { timezone = "Europe/Paris" }))
        {
            paris.StatusCode.ShouldBe(HttpStatusCode.OK, await paris.Content.ReadAsStringAsync());
        }

        // 23:30 UTC is 00:30 on the next day in Paris (UTC+1 in March).
        (await QueriesByDayAsync(b, Company, first, second)).ShouldBe([("2025-03-01", 0L), ("2025-03-02", 1L)]);

        // And back, the other way round: set on B, read on A.
        using (var utc = await b.PutAsJsonAsync($"/api/v2/admin/companies/{Company}", new { timezone = "UTC" }))
        {
            utc.StatusCode.ShouldBe(HttpStatusCode.OK, await utc.Content.ReadAsStringAsync());
        }

        (await QueriesByDayAsync(a, Company, first, second)).ShouldBe([("2025-03-01", 1L), ("2025-03-02", 0L)]);
    }

    private static HttpClient Client(TallyProcess server, string? key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<(int Accepted, int Duplicates)> PostEventsAsync(HttpClient server, string events)
    {
        using var response = await server.PostAsync("/api/v2/events", Json(events));
        var text = await response.Content.ReadAsStringAsync();
        // A server error is explained in the server's log, not in its answer: the log goes with the failure.
        var log = response.StatusCode == HttpStatusCode.OK
            ? ""
            : $"{(server.BaseAddress == A.Address ? A : B).Output}\nPostgreSQL's log:\n{(await PostgresCluster.SharedAsync()).ServerLog()}";
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"POST /api/v2/events on {server.BaseAddress}: {text}\n{log}");
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("accepted").GetInt32(), body.RootElement.GetProperty("duplicates").GetInt32());
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient server, string path)
    {
        using var response = await server.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path} on {server.BaseAddress}: {text}");
        return JsonDocument.Parse(text);
    }

    /// <summary>Per company, ordered by id: stored events and duplicates received.</summary>
    private static async Task<List<(long Company, long Stored, long Duplicates)>> IngestionStatsAsync(HttpClient server)
    {
        using var stats = await GetJsonAsync(server, "/api/v2/admin/ingestion-stats/");
        return stats.RootElement.EnumerateArray()
            .Select(c => (c.GetProperty("company_id").GetInt64(), c.GetProperty("stored_events").GetInt64(), c.GetProperty("duplicates_received").GetInt64()))
            .OrderBy(c => c.Item1)
            .ToList();
    }

    private static async Task<List<(string Date, long Queries)>> QueriesByDayAsync(HttpClient server, long company, DateOnly start, DateOnly end)
    {
        using var report = await GetJsonAsync(server, Report("chat-sessions", company, start, end));
        return report.RootElement.GetProperty("reporting")[0].GetProperty("dates").EnumerateArray()
            .Select(d => (d.GetProperty("date").GetString()!, d.GetProperty("chats").GetProperty("user_queries_count").GetInt64()))
            .ToList();
    }

    private static string Report(string report, long company, DateOnly start, DateOnly end) =>
        string.Create(CultureInfo.InvariantCulture, $"/api/v2/reporting/{report}/?company_id={company}&start_date={start:yyyy-MM-dd}&end_date={end:yyyy-MM-dd}");

    /// <summary>
    /// Events <paramref name="first"/> to first + count - 1 of one endless sequence, as a JSON array: event n has id
    /// <c>e{n/2}</c> in company 1 + n % 3, so an id is reused by two companies and each (company, id) is one n. Adds
    /// each (company, id) to <paramref name="distinct"/>.
    /// </summary>
    private static string Batch(int first, int count, HashSet<(long Company, string Id)> distinct)
    {
        var events = new List<string>(count);
        for (var n = first; n < first + count; n++)
        {
            var company = 1 + (n % 3);
            var id = string.Create(CultureInfo.InvariantCulture, $"e{n / 2}");
            distinct.Add((company, id));
            var timestamp = new DateTime(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(n * 7);
            events.Add(n % 5 == 0
                ? Response(id, company, 1 + (n % 40), $"s-{n / 10}", $"model-{n % 3}", timestamp)
                : Query(id, company, 1 + (n % 40), $"s-{n / 10}", timestamp));
        }

        return "[" + string.Join(',', events) + "]";
    }

    private static string Query(string id, long company, long user, string session, DateTime timestamp) =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"id":"{{id}}","type":"user_query","timestamp":"{{timestamp:yyyy-MM-dd'T'HH:mm:ss'Z'}}","company_id":{{company}},"user_id":{{user}},"session_id":"{{session}}"}""");

    private static string Response(string id, long company, long user, string session, string model, DateTime timestamp) =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"id":"{{id}}","type":"model_response","timestamp":"{{timestamp:yyyy-MM-dd'T'HH:mm:ss'Z'}}","company_id":{{company}},"user_id":{{user}},"session_id":"{{session}}","response_id":"r-{{id}}","model":"{{model}}","documents":[]}""");
}
