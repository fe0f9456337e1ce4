using System.Net.Http.Json;

namespace Tally.Client;

/// <summary>Calls the instance administrator's endpoints of a running Tally server: companies, API keys, backups.</summary>
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

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}

/// <summary>A company as the admin API returns it.</summary>
public sealed record CompanyInfo(long Id, string Name, string Timezone, DateTime CreatedAt);

/// <summary>An API key as listed (no secret).</summary>
public sealed record ApiKeyInfo(long Id, string Name, string Role, long? CompanyId, DateTime CreatedAt, DateTime? RevokedAt, DateTime? LastUsedAt);

/// <summary>A key just created, with its secret.</summary>
public sealed record CreatedApiKeyInfo(long Id, string Key, string Name, string Role, long? CompanyId, DateTime CreatedAt);
