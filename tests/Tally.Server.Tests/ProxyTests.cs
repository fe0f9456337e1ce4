using System.Net;

namespace Tally.Server.Tests;

/// <summary>
/// Behind a reverse proxy on the same host (nginx passing X-Forwarded-For and X-Forwarded-Proto, as the README's
/// example does), the client's own address decides what is per address, and a client cannot claim to be loopback.
/// The test client connects over loopback, as such a proxy does.
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

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            first.Add(await GuessAsync("203.0.113.1"));
        }

        var other = await GuessAsync("203.0.113.2");

        first.Take(2).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        first.Last().ShouldBe(HttpStatusCode.TooManyRequests);
        other.ShouldBe(HttpStatusCode.Unauthorized, "another client behind the same proxy has its own bucket");

        async Task<HttpStatusCode> GuessAsync(string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/admin/companies");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await guesser.SendAsync(request);
            return response.StatusCode;
        }
    }
}
