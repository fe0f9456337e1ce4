using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tally.Client;

/// <summary>The HTTP plumbing both clients share: the API base, the key, retries, JSON and error messages.</summary>
internal sealed class ApiHttp : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
    };

    private readonly HttpClient _http;

    public ApiHttp(TallyClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Each attempt has its own timeout inside the retry handler; the client's own would cut retries short.
        _http = new HttpClient(new RetryHandler(options)) { BaseAddress = options.ApiBase, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
    }

    public async Task<T> GetJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendJsonAsync<T>(request, cancellationToken);
    }

    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public async Task<T> SendJsonAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new TallyApiException(response.StatusCode, $"{request.RequestUri}: the server answered with an empty body.", request.RequestUri?.OriginalString);
        }
        catch (JsonException exception)
        {
            throw new TallyApiException(response.StatusCode, $"{request.RequestUri}: the answer is not the JSON this client expects ({exception.Message}).", request.RequestUri?.OriginalString);
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new TallyApiException(response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {Describe(body)}", request.RequestUri?.OriginalString);
        }
    }

    /// <summary>The server's message: <c>detail</c>, or each field's messages, or the start of the raw body.</summary>
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
                return string.Join("; ", root.EnumerateObject().Select(field => $"{field.Name}: {Messages(field.Value)}"));
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): show it as it came.
        }

        return body.Length > 500 ? body[..500] : body;
    }

    private static string Messages(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? string.Join(" ", value.EnumerateArray().Select(message => message.ToString())) : value.ToString();

    public void Dispose() => _http.Dispose();
}
