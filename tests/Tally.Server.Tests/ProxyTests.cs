using System.Net;

namespace Tally.Server.Tests;

/// <summary>
/// Behind a reverse proxy on the same host (nginx passing X-Forwarded-For and X-Forwarded-Proto, as the README's
/// example does), the client's own address decides what is per address, and a client cannot claim to be loopback;
/// a proxy on another host in front of it names the client only when trusted (<c>TrustedProxies</c>). The test
/// client connects over loopback, as the proxy on the same host does.
/// </summary>
public sealed class ProxyTests
{
    [Fact]
    public async Task Metrics_refuse_a_client_a_loopback_proxy_forwards_and_serve_the_host_itself()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.Client();

        (await StatusAsync(client, null)).ShouldBe(HttpStatusCode.OK, "a scrape from this host");
        (await StatusAsync(client, "203.0.113.7")).ShouldBe(HttpStatusCode.Forbidden, "a client the proxy forwards");
        (await StatusAsync(client, "127.0.0.1, 203.0.113.7")).ShouldBe(HttpStatusCode.Forbidden,
            "nginx appends the address it saw to what the client sent: the last entry is the client");
        (await StatusAsync(client, "127.0.0.1")).ShouldBe(HttpStatusCode.OK, "a proxy forwarding a request from this host");

        static async Task<HttpStatusCode> StatusAsync(HttpClient client, string? forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            if (forwardedFor is not null)
            {
                request.Headers.Add("X-Forwarded-For", forwardedFor);
            }

            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }
    }

    [Fact]
    public async Task Failed_authentications_behind_a_loopback_proxy_are_limited_per_forwarded_client()
    {
        await using var server = await TestServer.StartWithFailureLimitAsync();
        using var guesser = server.Client("guess");

        var first = await GuessesAsync(guesser, "203.0.113.1", 4);
        var other = await GuessesAsync(guesser, "203.0.113.2", 1);

        first.Take(2).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        first.Last().ShouldBe(HttpStatusCode.TooManyRequests);
        other.ShouldBe([HttpStatusCode.Unauthorized], "another client behind the same proxy has its own bucket");
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_on_another_host_each_client_has_its_own_failure_bucket_and_behind_another_they_share_one()
    {
        // A CDN or load balancer (203.0.113.9, trusted; 203.0.113.10, not) in front of the proxy on this host, which
        // appends the address it saw: "client, far proxy".
        await using var server = await TestServer.StartWithFailureLimitAsync(trustedProxies: [System.Net.IPNetwork.Parse("203.0.113.9/32")]);
        using var guesser = server.Client("guess");

        var trustedFirst = await GuessesAsync(guesser, "198.51.100.1, 203.0.113.9", 4);
        var trustedOther = await GuessesAsync(guesser, "198.51.100.2, 203.0.113.9", 1);
        var untrustedFirst = await GuessesAsync(guesser, "198.51.100.3, 203.0.113.10", 4);
        var untrustedOther = await GuessesAsync(guesser, "198.51.100.4, 203.0.113.10", 2);

        // Four guesses, as in AccessTests: the bucket refills one a second, so a tick may fall among them.
        trustedFirst.Take(2).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        trustedFirst.Last().ShouldBe(HttpStatusCode.TooManyRequests);
        trustedOther.ShouldBe([HttpStatusCode.Unauthorized], "the trusted proxy names its client, whose bucket is full");
        untrustedFirst.Take(2).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        untrustedFirst.Last().ShouldBe(HttpStatusCode.TooManyRequests);
        // A tick may give the shared bucket one token back, not two.
        untrustedOther.ShouldContain(HttpStatusCode.TooManyRequests, "an untrusted proxy is the client: its clients share its bucket");
    }

    private static async Task<List<HttpStatusCode>> GuessesAsync(HttpClient guesser, string forwardedFor, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/admin/companies");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await guesser.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
