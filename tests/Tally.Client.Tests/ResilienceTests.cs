using System.Net;
using Tally.Access;
using Tally.Client.Reports;
using Tally.Server;
using Tally.Storage.Postgres;
using Tally.Testing;

namespace Tally.Client.Tests;

/// <summary>Retries against a real server that rate-limits, and failures that must not be retried forever.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task A_429_burst_is_waited_out_and_the_fetch_succeeds_with_the_same_numbers()
    {
        // Two requests a second with a burst of two: fourteen chunks asked eight at a time meet many 429s.
        await using var limited = await DemoServer.StartAsync(options => options with
        {
            RateLimits = Enum.GetValues<Role>().ToDictionary(role => role, _ => new RateLimit(2, 2)),
        });
        await using var unlimited = await DemoServer.StartAsync();
        var request = new ReportRequest(DemoServer.Today.AddDays(-399), DemoServer.Today);
        var retries = new List<RetryNotice>();
        using var limitedClient = new TallyClient(new TallyClientOptions
        {
            Url = limited.BaseAddress,
            ApiKey = Server.Tests.TestServer.AdminKey,
            MaxAttempts = 20,
            OnRetry = notice =>
            {
                lock (retries)
                {
                    retries.Add(notice);
                }
            },
        });
        using var unlimitedClient = new TallyClient(new TallyClientOptions { Url = unlimited.BaseAddress, ApiKey = Server.Tests.TestServer.AdminKey });
        using var throttled = new ReportFetcher(limitedClient, new FetchOptions { ChunkDays = 30, MaxConcurrency = 8 });
        using var free = new ReportFetcher(unlimitedClient, new FetchOptions { ChunkDays = 30 });

        var afterWaiting = await throttled.ChatSessionsAsync(request);
        var direct = await free.ChatSessionsAsync(request);

        retries.ShouldNotBeEmpty();
        retries.ShouldAllBe(notice => notice.Reason.StartsWith("429", StringComparison.Ordinal));
        retries.ShouldAllBe(notice => notice.Delay >= TimeSpan.FromSeconds(1));
        afterWaiting.Reporting.ShouldBe(direct.Reporting, new ReportingComparer());
    }

    [Fact]
    public async Task An_unreachable_server_fails_after_a_bounded_number_of_attempts()
    {
        var retries = 0;
        using var client = new TallyClient(new TallyClientOptions
        {
            Url = new Uri("http://127.0.0.1:9"),
            ApiKey = "any",
            MaxAttempts = 3,
            FirstRetryDelay = TimeSpan.FromMilliseconds(10),
            OnRetry = _ => Interlocked.Increment(ref retries),
        });

        await Should.ThrowAsync<HttpRequestException>(() => client.GetUsersAsync(new ReportRequest(new DateOnly(2026, 1, 1))));

        retries.ShouldBe(2);
    }

    [Fact]
    public async Task A_network_failure_is_retried_for_put_and_delete_but_never_for_the_post_that_creates_a_key()
    {
        var retries = new List<RetryNotice>();
        using var admin = new TallyAdminClient(new TallyClientOptions
        {
            Url = new Uri("http://127.0.0.1:9"),
            ApiKey = "any",
            MaxAttempts = 3,
            FirstRetryDelay = TimeSpan.FromMilliseconds(10),
            OnRetry = retries.Add,
        });

        await Should.ThrowAsync<HttpRequestException>(() => admin.SetCompanyAsync(2, "Acme", null));
        await Should.ThrowAsync<HttpRequestException>(() => admin.RevokeKeyAsync(3));
        await Should.ThrowAsync<HttpRequestException>(() => admin.CreateKeyAsync("k", "ingest", null));

        retries.Select(notice => notice.Path).ShouldBe(
            ["/api/v2/admin/companies/2", "/api/v2/admin/companies/2", "/api/v2/admin/api-keys/3", "/api/v2/admin/api-keys/3"]);
    }

    [Fact]
    public async Task A_store_that_cannot_be_reached_is_retried_after_the_wait_the_503_asks_for()
    {
        // A server on its own PostgreSQL cluster, then the cluster stopped: every report request answers 503.
        var cluster = await PostgresCluster.StartAsync();
        var connectionString = await cluster.CreateDatabaseAsync("outage");
        await using var server = await DemoServer.StartAsync(options => options with { DemoSeed = null, OpenStore = () => PostgresStore.Open(connectionString) });
        await cluster.DisposeAsync();
        var retries = new List<RetryNotice>();
        using var client = new TallyClient(new TallyClientOptions
        {
            Url = server.BaseAddress,
            ApiKey = Server.Tests.TestServer.AdminKey,
            MaxAttempts = 2,
            FirstRetryDelay = TimeSpan.FromMilliseconds(10),
            OnRetry = retries.Add,
        });

        var error = await Should.ThrowAsync<TallyApiException>(() => client.GetUsersAsync(new ReportRequest(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2))));

        error.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var retry = retries.ShouldHaveSingleItem();
        retry.Reason.ShouldStartWith("503");
        retry.Delay.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5), "the server's Retry-After, not the 10 ms backoff");
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var server = await DemoServer.StartAsync();
        var retries = 0;
        using var client = new TallyClient(new TallyClientOptions
        {
            Url = server.BaseAddress,
            ApiKey = "wrong",
            OnRetry = _ => Interlocked.Increment(ref retries),
        });

        var error = await Should.ThrowAsync<TallyApiException>(() => client.GetUsersAsync(new ReportRequest(new DateOnly(2026, 1, 1))));

        error.Status.ShouldBe(HttpStatusCode.Unauthorized);
        retries.ShouldBe(0);
    }

    [Fact]
    public async Task An_attempt_that_takes_too_long_times_out_and_cancellation_stops_at_once()
    {
        await using var server = await DemoServer.StartAsync();
        using var client = new TallyClient(new TallyClientOptions
        {
            Url = server.BaseAddress,
            ApiKey = Server.Tests.TestServer.AdminKey,
            AttemptTimeout = TimeSpan.FromTicks(1),
            MaxAttempts = 2,
            FirstRetryDelay = TimeSpan.FromMilliseconds(10),
        });
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<TimeoutException>(() => client.GetUsersAsync(new ReportRequest(new DateOnly(2026, 1, 1))));
        await Should.ThrowAsync<OperationCanceledException>(() => client.GetUsersAsync(new ReportRequest(new DateOnly(2026, 1, 1)), cancelled.Token));
    }

    private sealed class ReportingComparer : IEqualityComparer<CompanyDays<ChatSessionsDay>>
    {
        public bool Equals(CompanyDays<ChatSessionsDay>? x, CompanyDays<ChatSessionsDay>? y) =>
            x is not null && y is not null && x.Company == y.Company && x.Dates.SequenceEqual(y.Dates);

        public int GetHashCode(CompanyDays<ChatSessionsDay> obj) => obj.Company.GetHashCode();
    }
}
