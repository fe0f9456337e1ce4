using System.Net;
using System.Text;
using System.Text.Json;

namespace Tally.Server.Tests;

/// <summary>Every refusal the application can shape carries the JSON body of access.md.</summary>
public sealed class RefusalBodyTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Detail(RawHttp.Answer answer)
    {
        answer.Head.ShouldContain("application/json", Case.Insensitive, answer.Head);
        return JsonDocument.Parse(answer.Body).RootElement.GetProperty("detail").GetString()!;
    }

    [Fact]
    public void The_error_bodies_options_are_complete_and_frozen_so_two_first_answers_at_once_cannot_race()
    {
        // Results.Json fills in a missing resolver on options that are not read-only: racing the first serialization,
        // that threw (a 500 on a server's first concurrent batches).
        Tally.Server.Http.ErrorResponses.Json.IsReadOnly.ShouldBeTrue();
        Tally.Server.Http.ErrorResponses.Json.TypeInfoResolver.ShouldNotBeNull();
    }

    [Fact]
    public async Task Bytes_above_0x7f_in_the_authorization_header_are_an_invalid_key_with_its_json_body()
    {
        byte[] header = [.. "Authorization: Bearer tally_"u8.ToArray(), 0x80, 0xE9, 0xFF];

        var answer = await RawHttp.SendAsync(_server.BaseAddress, RawHttp.Request("GET /api/v2/admin/companies HTTP/1.1", [header]));

        answer.Status.ShouldBe(401, answer.Head);
        answer.Head.ShouldContain("WWW-Authenticate: Bearer");
        Detail(answer).ShouldBe("Invalid API key.");
    }

    [Fact]
    public async Task A_malformed_chunked_body_is_400_with_a_json_body_not_a_500()
    {
        byte[][] headers =
        [
            Encoding.ASCII.GetBytes($"Authorization: Bearer {TestServer.AdminKey}"),
            "Content-Type: application/json"u8.ToArray(),
            "Transfer-Encoding: chunked"u8.ToArray(),
        ];

        var answer = await RawHttp.SendAsync(_server.BaseAddress,
            RawHttp.Request("POST /api/v2/events HTTP/1.1", headers, "zz\r\n[]\r\n0\r\n\r\n"u8.ToArray()));

        answer.Status.ShouldBe(400, answer.Head);
        Detail(answer).ShouldContain("could not be read");
    }

    [Fact]
    public async Task A_body_shorter_than_its_content_length_stores_nothing_and_is_never_answered_as_accepted()
    {
        byte[][] headers =
        [
            Encoding.ASCII.GetBytes($"Authorization: Bearer {TestServer.AdminKey}"),
            "Content-Type: application/json"u8.ToArray(),
            "Content-Length: 100000"u8.ToArray(),
        ];
        var events = new System.Text.Json.Nodes.JsonArray(Events.Connection("short-1", company: 51));

        var answer = await RawHttp.SendAsync(_server.BaseAddress,
            RawHttp.Request("POST /api/v2/events HTTP/1.1", headers, Encoding.UTF8.GetBytes(events.ToJsonString())), endSending: true);

        // The client ended its side, so Kestrel may drop the connection before any answer; if one comes, it is a refusal.
        if (answer.Status != 0)
        {
            answer.Status.ShouldBe(400, answer.Head);
            Detail(answer).ShouldContain("could not be read");
        }

        using var client = _server.Client();
        using var stats = await client.GetAsync("/api/v2/admin/ingestion-stats/?company_id=51");
        stats.StatusCode.ShouldBe(HttpStatusCode.NotFound, "no event of company 51 was stored");
    }

    [Fact]
    public async Task A_null_character_in_the_path_is_refused_before_the_application_runs()
    {
        // Kestrel refuses a request target holding %00 while parsing the request line, with a bodiless 400, and
        // offers no hook to shape it (docs/decisions.md). What is pinned: a refusal, never a path served or a 500.
        var answer = await RawHttp.SendAsync(_server.BaseAddress, RawHttp.Request("GET /api/v2/admin/companies%00 HTTP/1.1",
            [Encoding.ASCII.GetBytes($"Authorization: Bearer {TestServer.AdminKey}")]));

        answer.Status.ShouldBe(400, answer.Head);
    }
}
