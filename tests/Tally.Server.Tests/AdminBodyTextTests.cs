using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tally.Server.Tests;

/// <summary>Text in an admin body that is not Unicode (invalid UTF-8, an escaped lone surrogate) is a 400 naming its field, never a 500.</summary>
public sealed class AdminBodyTextTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, byte[] json)
    {
        using var client = _server.Client();
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        using var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = content });
        return (response.StatusCode, Events.Parse(await response.Content.ReadAsStringAsync()));
    }

    private static byte[] Bytes(string json, params byte[] replacingAt)
    {
        // The JSON's one '@' becomes the given raw bytes (which no C# string literal can hold as UTF-8).
        var utf8 = Encoding.UTF8.GetBytes(json);
        var at = Array.IndexOf(utf8, (byte)'@');
        return at < 0 ? utf8 : [.. utf8[..at], .. replacingAt, .. utf8[(at + 1)..]];
    }

    private async Task<string> CompaniesAsync()
    {
        using var client = _server.Client();
        return await client.GetStringAsync("/api/v2/admin/companies");
    }

    private async Task<string> KeysAsync()
    {
        using var client = _server.Client();
        return await client.GetStringAsync("/api/v2/admin/api-keys");
    }

    private static void ShouldNameOnly(JsonElement body, string field)
    {
        body.EnumerateObject().Select(p => p.Name).ShouldBe([field], body.ToString());
        body.GetProperty(field)[0].GetString()!.ShouldContain("Unicode");
    }

    [Fact]
    public async Task Invalid_utf8_in_a_company_name_is_400_naming_name_and_creates_nothing()
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/41", Bytes("""{"name":"@"}""", 0xFF));

        status.ShouldBe(HttpStatusCode.BadRequest);
        ShouldNameOnly(body, "name");
        (await CompaniesAsync()).ShouldNotContain("\"id\":41");
    }

    [Fact]
    public async Task A_lone_surrogate_escape_in_a_key_name_is_400_naming_name_and_creates_no_key()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v2/admin/api-keys", Bytes("""{"name":"k\ud800","role":"ingest"}"""));

        status.ShouldBe(HttpStatusCode.BadRequest);
        ShouldNameOnly(body, "name");
        (await KeysAsync()).ShouldBe("[]");
    }

    [Theory]
    [InlineData("""{"timezone":"Europe/@"}""", "timezone", new byte[] { 0xC3 })] // a sequence cut short
    [InlineData("""{"timezone":"\udc00Europe/Paris"}""", "timezone", new byte[0])] // a lone low surrogate
    [InlineData("""{"name":"ok","comment":"@"}""", "comment", new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate, in a field Tally does not read
    [InlineData("""{"name":"ok","tags":[{"x":"\ud83d"}]}""", "tags", new byte[0])] // nested: named by its top-level field
    public async Task Any_string_of_an_admin_body_that_is_not_unicode_is_400_naming_its_field(string json, string field, byte[] bytes)
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/42", Bytes(json, bytes));

        status.ShouldBe(HttpStatusCode.BadRequest);
        ShouldNameOnly(body, field);
        (await CompaniesAsync()).ShouldNotContain("\"id\":42");
    }

    [Fact]
    public async Task A_field_name_that_is_not_unicode_is_400_under_non_field_errors()
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/43", Bytes("""{"\ud800":"x","name":"ok"}"""));

        status.ShouldBe(HttpStatusCode.BadRequest);
        ShouldNameOnly(body, "non_field_errors");
    }

    [Theory]
    [InlineData("/api/v2/admin/companies/44", """{"name":"ok","na\ud800me":"x"}""")]
    [InlineData("/api/v2/admin/api-keys", """{"name":"k","\ud800azany":"x","role":"company_admin"}""")]
    public async Task A_field_name_that_is_not_unicode_beside_fields_looked_for_is_400_not_500(string path, string json)
    {
        // Found by fuzzing (fuzz/corpus/admin-json/crash-*): looking a field up by name read every other field's name,
        // the one that is not text included, and threw.
        var (status, body) = await SendAsync(path.Contains("companies", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post, path, Bytes(json));

        status.ShouldBe(HttpStatusCode.BadRequest);
        ShouldNameOnly(body, "non_field_errors");
        (await CompaniesAsync()).ShouldNotContain("\"id\":44");
        (await KeysAsync()).ShouldNotContain("\"name\":\"k\"");
    }

    [Fact]
    public async Task Every_bad_field_is_listed_together()
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/abc", Bytes("""{"name":"@","timezone":"\ud800"}""", 0x80));

        status.ShouldBe(HttpStatusCode.BadRequest);
        body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ShouldBe(["id", "name", "timezone"]);
    }

    [Fact]
    public async Task A_paired_surrogate_escape_is_text()
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "/api/v2/admin/companies/44", Bytes("""{"name":"Rocket \ud83d\ude80"}"""));

        status.ShouldBe(HttpStatusCode.Created, body.ToString());
        body.GetProperty("name").GetString().ShouldBe("Rocket \U0001F680");
    }
}
