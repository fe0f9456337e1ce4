using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tally.Testing;

namespace Tally.Server.Tests.Reports;

/// <summary>Calls the reporting and admin endpoints of a test server.</summary>
public static class ReportApi
{
    public static readonly string[] Reports = ["chat-sessions", "chats-feedback", "tools", "used-documents", "users", "user-activities", "connections", "satisfaction"];

    /// <summary>A server whose clock is <paramref name="time"/>, on a new folder or on <paramref name="dataDirectory"/>.</summary>
    public static Task<TestServer> StartAsync(TimeProvider time, string? dataDirectory = null) =>
        TestServer.StartAsync(options => options with { Time = time }, dataDirectory);

    /// <summary>A server whose clock is <paramref name="time"/>, on fresh storage of <paramref name="engine"/>.</summary>
    public static Task<TestServer> StartAsync(TimeProvider time, StoreKind engine) =>
        TestServer.StartAsync(options => options with { Time = time }, engine: engine);

    /// <summary>The path of a report with its query string; null values are left out.</summary>
    public static string Path(string report, params (string Name, object? Value)[] parameters)
    {
        var query = string.Join('&', parameters.Where(p => p.Value is not null).Select(p =>
            $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(Convert.ToString(p.Value, CultureInfo.InvariantCulture)!)}"));
        return $"/api/v2/reporting/{report}/" + (query.Length == 0 ? "" : "?" + query);
    }

    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static async Task<JsonObject> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}: {body}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Sends one request of events; every event must be accepted or counted as a duplicate.</summary>
    public static async Task<(int Accepted, int Duplicates)> SendAsync(HttpClient client, JsonArray events)
    {
        using var content = TestServer.Json(events.ToJsonString());
        using var response = await client.PostAsync(new Uri("/api/v2/events", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.Length > 2000 ? body[..2000] : body);
        var result = JsonNode.Parse(body)!;
        return (result["accepted"]!.GetValue<int>(), result["duplicates"]!.GetValue<int>());
    }

    public static async Task PutCompanyAsync(HttpClient client, long id, string? name, string? timezone)
    {
        var body = new JsonObject();
        if (name is not null)
        {
            body["name"] = name;
        }

        if (timezone is not null)
        {
            body["timezone"] = timezone;
        }

        using var response = await client.PutAsJsonAsync(new Uri($"/api/v2/admin/companies/{id}", UriKind.Relative), body);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Stores a price entry (its amounts written exactly, as JSON numbers).</summary>
    public static async Task PutPriceAsync(HttpClient client, RefPrice price)
    {
        var body = $$"""{"effective_from": "{{Date(price.From)}}", "currency": "{{price.Currency}}", "input_per_million": {{price.Input.ToString(CultureInfo.InvariantCulture)}}, "output_per_million": {{price.Output.ToString(CultureInfo.InvariantCulture)}}}""";
        using var response = await client.PutAsync(new Uri($"/api/v2/admin/model-prices/{Uri.EscapeDataString(price.Model)}", UriKind.Relative),
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }
}
