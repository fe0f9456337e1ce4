using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tally.Tests;

/// <summary>What the tests that send events to a real <c>tally serve</c> and count them back share.</summary>
internal static class EventsHttp
{
    public static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Sends a batch, which must be accepted; returns its accepted and duplicate counts.</summary>
    public static async Task<(int Accepted, int Duplicates)> PostAsync(HttpClient http, string batch)
    {
        using var response = await http.PostAsync("/api/v2/events", Json(batch));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("accepted").GetInt32(), body.RootElement.GetProperty("duplicates").GetInt32());
    }

    /// <summary>The events stored, over every company, from the ingestion statistics.</summary>
    public static async Task<long> StoredEventsAsync(HttpClient http)
    {
        using var stats = JsonDocument.Parse(await http.GetStringAsync("/api/v2/admin/ingestion-stats/"));
        return stats.RootElement.EnumerateArray().Sum(company => company.GetProperty("stored_events").GetInt64());
    }
}
