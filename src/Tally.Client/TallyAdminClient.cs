using System.Globalization;
using System.Net.Http.Json;

namespace Tally.Client;

/// <summary>Calls the instance administrator's endpoints of a running Tally server: companies, API keys, model prices and backups.</summary>
public sealed class TallyAdminClient : IDisposable
{
    private readonly ApiHttp _http;

    /// <summary>Creates a client for the server and key in <paramref name="options"/>.</summary>
    public TallyAdminClient(TallyClientOptions options) => _http = new ApiHttp(options);

    /// <summary>Lists companies by id.</summary>
    public Task<IReadOnlyList<CompanyInfo>> ListCompaniesAsync(CancellationToken cancellationToken = default) =>
        _http.GetJsonAsync<IReadOnlyList<CompanyInfo>>("admin/companies", cancellationToken);

    /// <summary>Creates or updates a company; null fields are left as they are.</summary>
    public async Task<CompanyInfo> SetCompanyAsync(long id, string? name, string? timeZone, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"admin/companies/{id}")
        {
            Content = JsonContent.Create(new { name, timezone = timeZone }, options: ApiHttp.Json),
        };
        return await _http.SendJsonAsync<CompanyInfo>(request, cancellationToken);
    }

    /// <summary>Creates a key; the returned secret is never shown again.</summary>
    public async Task<CreatedApiKeyInfo> CreateKeyAsync(string name, string role, long? companyId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/api-keys")
        {
            Content = JsonContent.Create(new { name, role, company_id = companyId }, options: ApiHttp.Json),
        };
        return await _http.SendJsonAsync<CreatedApiKeyInfo>(request, cancellationToken);
    }

    /// <summary>Lists keys, revoked ones included, without their secrets.</summary>
    public Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        _http.GetJsonAsync<IReadOnlyList<ApiKeyInfo>>("admin/api-keys", cancellationToken);

    /// <summary>Revokes a key.</summary>
    public async Task RevokeKeyAsync(long id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"admin/api-keys/{id}");
        using var response = await _http.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Asks the server for a consistent copy of its embedded store (one DuckDB file) and writes it to
    /// <paramref name="destination"/>; returns the bytes written. A PostgreSQL-backed server refuses (409).
    /// </summary>
    public async Task<long> BackupAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/backup");
        using var response = await _http.SendAsync(request, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var start = destination.CanSeek ? destination.Position : 0;
        await body.CopyToAsync(destination, cancellationToken);
        var written = destination.CanSeek ? destination.Position - start : response.Content.Headers.ContentLength ?? -1;
        if (response.Content.Headers.ContentLength is { } expected && written != expected)
        {
            throw new IOException($"The backup ended after {written:N0} of {expected:N0} bytes.");
        }

        return written;
    }

    /// <summary>Every model price entry, by model (code point), then effective date.</summary>
    public async Task<IReadOnlyList<ModelPriceInfo>> ListPricesAsync(CancellationToken cancellationToken = default) =>
        (await _http.GetJsonAsync<ModelPriceList>("admin/model-prices", cancellationToken)).Prices;

    /// <summary>
    /// Creates or replaces the model's price entry starting on <paramref name="effectiveFrom"/>: amounts per million input
    /// and output tokens, sent exactly (at most 6 decimals, 0 to 1,000,000), in the currency of every stored entry.
    /// </summary>
    public async Task<ModelPriceInfo> SetPriceAsync(
        string model, DateOnly effectiveFrom, string currency, decimal inputPerMillion, decimal outputPerMillion, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"admin/model-prices/{Uri.EscapeDataString(model)}")
        {
            Content = JsonContent.Create(new
            {
                effective_from = effectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                currency,
                input_per_million = inputPerMillion,
                output_per_million = outputPerMillion,
            }, options: ApiHttp.Json),
        };
        return await _http.SendJsonAsync<ModelPriceInfo>(request, cancellationToken);
    }

    /// <summary>Deletes the model's price entry starting on <paramref name="effectiveFrom"/> (a 404 when there is none).</summary>
    public async Task DeletePriceAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken = default)
    {
        var day = effectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"admin/model-prices/{Uri.EscapeDataString(model)}?effective_from={day}");
        using var response = await _http.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}

/// <summary>A company as the admin API returns it.</summary>
public sealed record CompanyInfo(long Id, string Name, string Timezone, DateTime CreatedAt);

/// <summary>An API key as listed (no secret).</summary>
public sealed record ApiKeyInfo(long Id, string Name, string Role, long? CompanyId, DateTime CreatedAt, DateTime? RevokedAt, DateTime? LastUsedAt);

/// <summary>A model's price from a day on, per million tokens, exact.</summary>
public sealed record ModelPriceInfo(string Model, DateOnly EffectiveFrom, string Currency, decimal InputPerMillion, decimal OutputPerMillion);

/// <summary>The body of the price list.</summary>
internal sealed record ModelPriceList(IReadOnlyList<ModelPriceInfo> Prices);

/// <summary>A key just created, with its secret.</summary>
public sealed record CreatedApiKeyInfo(long Id, string Key, string Name, string Role, long? CompanyId, DateTime CreatedAt);
