using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tally.Client;

/// <summary>Calls the instance administrator's endpoints of a running Tally server: companies and API keys.</summary>
public sealed class TallyAdminClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;

    /// <summary>Creates a client for the server at <paramref name="serverUrl"/> authenticating with <paramref name="apiKey"/>.</summary>
    public TallyAdminClient(Uri serverUrl, string apiKey, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(serverUrl.ToString().TrimEnd('/') + "/");
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>Lists companies by id.</summary>
    public Task<IReadOnlyList<CompanyInfo>> ListCompaniesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<CompanyInfo>>(new HttpRequestMessage(HttpMethod.Get, "api/v2/admin/companies"), cancellationToken);

    /// <summary>Creates or updates a company; null fields are left as they are.</summary>
    public Task<CompanyInfo> SetCompanyAsync(long id, string? name, string? timeZone, CancellationToken cancellationToken = default) =>
        SendAsync<CompanyInfo>(new HttpRequestMessage(HttpMethod.Put, $"api/v2/admin/companies/{id}")
        {
            Content = JsonContent.Create(new { name, timezone = timeZone }, options: Json),
        }, cancellationToken);

    /// <summary>Creates a key; the returned secret is never shown again.</summary>
    public Task<CreatedApiKeyInfo> CreateKeyAsync(string name, string role, long? companyId, CancellationToken cancellationToken = default) =>
        SendAsync<CreatedApiKeyInfo>(new HttpRequestMessage(HttpMethod.Post, "api/v2/admin/api-keys")
        {
            Content = JsonContent.Create(new { name, role, company_id = companyId }, options: Json),
        }, cancellationToken);

    /// <summary>Lists keys, revoked ones included, without their secrets.</summary>
    public Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ApiKeyInfo>>(new HttpRequestMessage(HttpMethod.Get, "api/v2/admin/api-keys"), cancellationToken);

    /// <summary>Revokes a key.</summary>
    public async Task RevokeKeyAsync(long id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/v2/admin/api-keys/{id}");
        using var response = await _http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new TallyApiException(response.StatusCode, "The server answered with an empty body.");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new TallyApiException(response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {Describe(body)}");
    }

    /// <summary>The server's message: <c>detail</c>, or each field's messages, or the raw body.</summary>
    private static string Describe(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                return detail.GetString()!;
            }

            if (root.ValueKind == JsonValueKind.Object)
            {
                return string.Join("; ", root.EnumerateObject().Select(p => $"{p.Name}: {string.Join(" ", p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(m => m.ToString()) : [p.Value.ToString()])}"));
            }
        }
        catch (JsonException)
        {
            // Not JSON: show it as it came.
        }

        return body.Length > 500 ? body[..500] : body;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}

/// <summary>A company as the admin API returns it.</summary>
public sealed record CompanyInfo(long Id, string Name, string Timezone, DateTime CreatedAt);

/// <summary>An API key as listed (no secret).</summary>
public sealed record ApiKeyInfo(long Id, string Name, string Role, long? CompanyId, DateTime CreatedAt, DateTime? RevokedAt, DateTime? LastUsedAt);

/// <summary>A key just created, with its secret.</summary>
public sealed record CreatedApiKeyInfo(long Id, string Key, string Name, string Role, long? CompanyId, DateTime CreatedAt);
