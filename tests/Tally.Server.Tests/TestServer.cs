using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Tally.Access;
using Tally.Testing;

namespace Tally.Server.Tests;

/// <summary>
/// A real Tally server on a loopback port on real storage: a DuckDB file in a temporary folder (the default), or a
/// fresh database of the test process's PostgreSQL cluster. Each test class gets its own; <see cref="RestartAsync"/>
/// stops it and starts a new one on the same storage.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string AdminKey = "test-bootstrap-admin-key-0123456789";

    private readonly Func<TallyServerOptions, TallyServerOptions>? _configure;
    private WebApplication? _app;

    private TestServer(StoreEngine storage, Func<TallyServerOptions, TallyServerOptions>? configure)
    {
        Storage = storage;
        _configure = configure;
    }

    /// <summary>What the server stores into; removed when the server is disposed.</summary>
    public StoreEngine Storage { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>
    /// Starts a server on fresh storage of <paramref name="engine"/>, or on an existing DuckDB folder
    /// (<paramref name="dataDirectory"/>, e.g. an older database to upgrade), which the server then owns.
    /// </summary>
    public static async Task<TestServer> StartAsync(
        Func<TallyServerOptions, TallyServerOptions>? configure = null, string? dataDirectory = null, StoreKind engine = StoreKind.DuckDb)
    {
        if (dataDirectory is not null && engine != StoreKind.DuckDb)
        {
            throw new ArgumentException("A data directory is DuckDB's storage.", nameof(dataDirectory));
        }

        var storage = dataDirectory is null ? await StoreEngine.CreateAsync(engine, "server") : StoreEngine.DuckDb(dataDirectory);
        var server = new TestServer(storage, configure);
        try
        {
            await server.StartAppAsync();
        }
        catch
        {
            await storage.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// A server whose failed authentications are limited to a burst of 2, refilled at 1 a second, after one request
    /// with the right key: a cold first request (JIT, a busy CI machine) could otherwise let the bucket refill among
    /// a test's guesses. A request with the right key spends no failure token.
    /// </summary>
    public static async Task<TestServer> StartWithFailureLimitAsync(StoreKind engine = StoreKind.DuckDb, IReadOnlyList<System.Net.IPNetwork>? trustedProxies = null)
    {
        var server = await StartAsync(options => new TallyServerOptions
        {
            OpenStore = options.OpenStore,
            Urls = options.Urls,
            BootstrapAdminKey = options.BootstrapAdminKey,
            FailedAuthentications = new(PermitsPerSecond: 1, Burst: 2),
            TrustedProxies = trustedProxies ?? [],
        }, engine: engine);
        using var admin = server.Client();
        using var warmUp = await admin.GetAsync(new Uri("/api/v2/admin/companies", UriKind.Relative));
        warmUp.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        return server;
    }

    private async Task StartAppAsync()
    {
        var options = new TallyServerOptions
        {
            OpenStore = Storage.OpenStore,
            Urls = "http://127.0.0.1:0",
            BootstrapAdminKey = AdminKey,
        };
        _app = await TallyApplication.BuildAsync(_configure?.Invoke(options) ?? options);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAppAsync();
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>A client with the given key (none when null).</summary>
    public HttpClient Client(string? key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Creates a stored key through the admin API and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(Role role, long? companyId = null)
    {
        using var admin = Client();
        using var response = await admin.PostAsJsonAsync("/api/v2/admin/api-keys",
            new { name = $"{RoleNames.Of(role)} key", role = RoleNames.Of(role), company_id = companyId });
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("key").GetString()!;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Storage.DisposeAsync();
    }
}
