using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tally.Server.Tests;

/// <summary>A gzip body is read whole and its trailer checked before anything of it counts: a cut body is refused, never stored in part.</summary>
public sealed class GzipBodyTests : IAsyncLifetime
{
    private const long Company = 31;
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return compressed.ToArray();
    }

    /// <summary>500 NDJSON connection events of <see cref="Company"/>, and where line 100 ends in the bytes.</summary>
    private static (byte[] Body, int EndOfLine100) FiveHundredLines()
    {
        var lines = Enumerable.Range(0, 500).Select(i => Events.Connection($"gz-{i:D3}", company: Company, user: 1 + (i % 40), minute: i).ToJsonString() + "\n").ToList();
        return (Encoding.UTF8.GetBytes(string.Concat(lines)), Encoding.UTF8.GetByteCount(string.Concat(lines.Take(100))));
    }

    /// <summary>The smallest prefix of <paramref name="compressed"/> that inflates to at least <paramref name="inflated"/> bytes.</summary>
    private static int PrefixInflatingTo(byte[] compressed, int inflated)
    {
        for (var cut = 10; cut < compressed.Length; cut += 16)
        {
            using var gzip = new GZipStream(new MemoryStream(compressed, 0, cut), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            if (output.Length >= inflated)
            {
                return cut;
            }
        }

        throw new InvalidOperationException("No prefix inflates that far.");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, byte[] body, string contentType)
    {
        using var client = _server.Client();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = content });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, Events.Parse(text));
    }

    private async Task<long> StoredEventsAsync()
    {
        using var client = _server.Client();
        using var response = await client.GetAsync($"/api/v2/admin/ingestion-stats/?company_id={Company}");
        return response.StatusCode == HttpStatusCode.NotFound
            ? 0
            : Events.Parse(await response.Content.ReadAsStringAsync())[0].GetProperty("stored_events").GetInt64();
    }

    private static void ShouldBeInvalidGzip(HttpStatusCode status, JsonElement body)
    {
        status.ShouldBe(HttpStatusCode.BadRequest, body.ToString());
        body.GetProperty("detail").GetString()!.ShouldContain("nothing was stored");
        var error = body.GetProperty("errors").EnumerateArray().Single();
        error.GetProperty("index").ValueKind.ShouldBe(JsonValueKind.Null);
        error.GetProperty("message").GetString()!.ShouldContain("gzip");
    }

    [Fact]
    public async Task A_gzip_body_cut_after_line_100_of_500_is_400_and_stores_nothing()
    {
        var (plain, endOfLine100) = FiveHundredLines();
        var compressed = Gzip(plain);
        var cut = compressed[..PrefixInflatingTo(compressed, endOfLine100)];

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v2/events", cut, "application/x-ndjson");

        ShouldBeInvalidGzip(status, body);
        (await StoredEventsAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData(8)] // the whole trailer missing
    [InlineData(4)] // the size missing
    [InlineData(1)]
    public async Task A_gzip_body_without_its_whole_trailer_is_400_and_stores_nothing(int missing)
    {
        var compressed = Gzip(FiveHundredLines().Body);

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v2/events", compressed[..^missing], "application/x-ndjson");

        ShouldBeInvalidGzip(status, body);
        (await StoredEventsAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_gzip_body_whose_crc_is_wrong_or_that_is_followed_by_other_bytes_is_400()
    {
        var compressed = Gzip(FiveHundredLines().Body);
        var wrongCrc = (byte[])compressed.Clone();
        wrongCrc[^8] ^= 0x01;
        byte[] trailing = [.. compressed, 0x00, 0x01, 0x02];

        var crc = await SendAsync(HttpMethod.Post, "/api/v2/events", wrongCrc, "application/x-ndjson");
        var extra = await SendAsync(HttpMethod.Post, "/api/v2/events", trailing, "application/x-ndjson");

        ShouldBeInvalidGzip(crc.Status, crc.Body);
        ShouldBeInvalidGzip(extra.Status, extra.Body);
        (await StoredEventsAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_whole_gzip_body_of_one_or_two_members_is_stored()
    {
        var (plain, endOfLine100) = FiveHundredLines();
        // Two members, as `cat a.gz b.gz` makes: a valid gzip body.
        byte[] twoMembers = [.. Gzip(plain[..endOfLine100]), .. Gzip(plain[endOfLine100..])];

        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v2/events", twoMembers, "application/x-ndjson");

        status.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("accepted").GetInt32().ShouldBe(500);
        (await StoredEventsAsync()).ShouldBe(500);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("")]
    [InlineData("\u001f\u008b\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0003")] // a gzip header and nothing else
    public async Task An_admin_body_shorter_than_a_gzip_member_is_400_and_creates_nothing(string bytes)
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/778", Encoding.Latin1.GetBytes(bytes), "application/json");

        status.ShouldBe(HttpStatusCode.BadRequest, body.ToString());
        body.GetProperty("detail").GetString()!.ShouldContain("gzip");
        using var client = _server.Client();
        (await client.GetStringAsync("/api/v2/admin/companies")).ShouldNotContain("778");
    }

    [Fact]
    public async Task A_whole_gzip_admin_body_is_read()
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/779",
            Gzip(Encoding.UTF8.GetBytes("""{"name": "Zipped", "timezone": "Europe/Paris"}""")), "application/json");

        status.ShouldBe(HttpStatusCode.Created, body.ToString());
        body.GetProperty("name").GetString().ShouldBe("Zipped");
    }
}
