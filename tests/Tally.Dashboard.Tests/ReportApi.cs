using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tally.Dashboard.Tests;

/// <summary>The public reporting API read directly, with the instance-admin key: what the dashboard must agree with.</summary>
public sealed class ReportApi(Uri address, string key) : IDisposable
{
    private readonly HttpClient _client = new()
    {
        BaseAddress = address,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
    };

    public async Task<JsonElement> GetAsync(string report, string query)
    {
        using var document = JsonDocument.Parse(await GetTextAsync(report, query));
        return document.RootElement.Clone();
    }

    public async Task<string> GetTextAsync(string report, string query)
    {
        using var response = await _client.GetAsync(new Uri($"/api/v2/reporting/{report}/?{query}", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{report}?{query}: {(int)response.StatusCode} {text}");
        return text;
    }

    /// <summary>The report's days of one company over a range.</summary>
    public async Task<List<JsonElement>> DaysAsync(string report, View view, string part = "reporting") =>
        (await GetAsync(report, view.Query)).GetProperty(part)[0].GetProperty("dates").EnumerateArray().ToList();

    /// <summary>chat-sessions' days of one company: mode chat, then mode agent.</summary>
    public async Task<(List<JsonElement> Chat, List<JsonElement> Agent)> SessionDaysAsync(View view)
    {
        var sessions = await GetAsync("chat-sessions", view.Query);
        return (sessions.GetProperty("reporting")[0].GetProperty("dates").EnumerateArray().ToList(),
            sessions.GetProperty("reporting_agent")[0].GetProperty("dates").EnumerateArray().ToList());
    }

    /// <summary>A count summed over days, found in each day by a path of keys.</summary>
    public static long Sum(IEnumerable<JsonElement> days, params string[] path) =>
        days.Sum(d => path.Aggregate(d, (e, name) => e.GetProperty(name)).GetInt64());

    public async Task<IReadOnlyList<(long Id, string Name)>> CompaniesAsync()
    {
        var users = await GetAsync("users", $"start_date={DateTime.UtcNow:yyyy-MM-dd}");
        return users.GetProperty("reporting").EnumerateArray()
            .Select(r => (r.GetProperty("company").GetProperty("id").GetInt64(), r.GetProperty("company").GetProperty("name").GetString()!))
            .ToList();
    }

    public async Task<string> CreateCompanyAdminKeyAsync(long companyId)
    {
        using var response = await _client.PostAsJsonAsync(new Uri("/api/v2/admin/api-keys", UriKind.Relative),
            new { name = $"dashboard test, company {companyId}", role = "company_admin", company_id = companyId });
        response.EnsureSuccessStatusCode();
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return created.RootElement.GetProperty("key").GetString()!;
    }

    public async Task CreateCompanyAsync(long companyId, string name)
    {
        using var response = await _client.PutAsJsonAsync(new Uri($"/api/v2/admin/companies/{companyId}", UriKind.Relative),
            new { name, timezone = "Europe/Berlin" });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Sets a model's price from a day on (instance-admin endpoint of analytics.md).</summary>
    public async Task SetPriceAsync(string model, string effectiveFrom, decimal inputPerMillion, decimal outputPerMillion)
    {
        using var response = await _client.PutAsJsonAsync(new Uri($"/api/v2/admin/model-prices/{Uri.EscapeDataString(model)}", UriKind.Relative),
            new { effective_from = effectiveFrom, currency = "EUR", input_per_million = inputPerMillion, output_per_million = outputPerMillion });
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Deletes every stored price entry (of <paramref name="model"/> only, when given).</summary>
    public async Task DeletePricesAsync(string? model = null)
    {
        using var list = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/api/v2/admin/model-prices", UriKind.Relative)));
        foreach (var price in list.RootElement.GetProperty("prices").EnumerateArray())
        {
            var name = price.GetProperty("model").GetString()!;
            if (model is null || name == model)
            {
                using var response = await _client.DeleteAsync(new Uri(
                    $"/api/v2/admin/model-prices/{Uri.EscapeDataString(name)}?effective_from={price.GetProperty("effective_from").GetString()}", UriKind.Relative));
                response.EnsureSuccessStatusCode();
            }
        }
    }

    /// <summary>The tiles as docs/decisions.md defines them, computed from the API's JSON.</summary>
    public async Task<ExpectedTiles> TilesAsync(View view)
    {
        var (chat, agent) = await SessionDaysAsync(view);
        var feedback = await DaysAsync("chats-feedback", view);
        var tools = await DaysAsync("tools", view);
        var users = (await GetAsync("user-activities", view.Query)).GetProperty("reporting")[0].GetProperty("users").GetArrayLength();
        return new ExpectedTiles(
            ActiveUsers: users,
            Sessions: Sum(chat, "sessions", "sessions_count") + Sum(agent, "threads", "threads_count"),
            Questions: Sum(chat, "chats", "user_queries_count") + Sum(agent, "chats", "user_queries_count"),
            GroundedAnswers: Sum(chat, "chats", "model_responses_with_docs_count") + Sum(agent, "chats", "model_responses_with_docs_count"),
            Answers: Sum(chat, "chats", "model_responses_count") + Sum(agent, "chats", "model_responses_count"),
            Likes: Sum(feedback, "feedbacks", "likes_count"),
            Dislikes: Sum(feedback, "feedbacks", "dislikes_count"),
            ToolCalls: Sum(tools, "tool_calls_count"));
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>One company over an inclusive range of days, in periods of a day, a week or a month, as the dashboard shows it.</summary>
public sealed record View(long CompanyId, string From, string To, string Granularity = "day")
{
    public string Query => $"company_id={CompanyId}&start_date={From}&end_date={To}" + (Granularity == "day" ? "" : $"&granularity={Granularity}");

    /// <summary>The dashboard's <c>data-loaded</c> marker.</summary>
    public string Marker => $"{CompanyId}|{From}|{To}|{Granularity}";

    public int Days => DateOnly.ParseExact(To, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber
        - DateOnly.ParseExact(From, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber + 1;

    /// <summary>The period of the same length just before: what the tiles compare against.</summary>
    public View Previous
    {
        get
        {
            var from = DateOnly.ParseExact(From, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            return new View(CompanyId, Day(from.AddDays(-Days)), Day(from.AddDays(-1)), Granularity);
        }
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Reads the dashboard's <c>data-loaded</c> marker: "company|from|to|granularity".</summary>
    public static View Parse(string loaded)
    {
        var parts = loaded.Split('|');
        return new View(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2], parts[3]);
    }
}

public sealed record ExpectedTiles(long ActiveUsers, long Sessions, long Questions, long GroundedAnswers, long Answers, long Likes, long Dislikes, long ToolCalls);
