using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Tally.Access;
using Tally.Storage.DuckDb;

namespace Tally.Server.Tests;

/// <summary>
/// A real Tally server on a loopback port with a real DuckDB file in a temporary folder. Each test class
/// gets its own; <see cref="RestartAsync"/> stops it and starts a new one on the same folder.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string AdminKey = "test-bootstrap-admin-key-0123456789";

    private readonly Func<TallyServerOptions, TallyServerOptions>? _configure;
    private WebApplication? _app;

    private TestServer(string dataDirectory, Func<TallyServerOptions, TallyServerOptions>? configure)
    {
        DataDirectory = dataDirectory;
        _configure = configure;
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<TestServer> StartAsync(Func<TallyServerOptions, TallyServerOptions>? configure = null, string? dataDirectory = null)
    {
        var server = new TestServer(dataDirectory ?? Directory.CreateTempSubdirectory("tally-test-").FullName, configure);
        await server.StartAppAsync();
        return server;
    }

    private async Task StartAppAsync()
    {
        var directory = DataDirectory;
        var options = new TallyServerOptions
        {
            OpenStore = () => DuckDbStore.Open(directory),
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
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
