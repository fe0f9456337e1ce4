using Microsoft.Playwright;
using Tally.Testing;

namespace Tally.Dashboard.Tests;

/// <summary>
/// One real <c>tally serve --demo</c> and one headless Debian Chromium, shared by the dashboard tests (each test
/// opens its own browser context: its own sessionStorage, cookies and downloads).
/// </summary>
public sealed class DashboardServer : IAsyncLifetime
{
    public const string AdminKey = "dashboard-test-admin-key-0123456789abcdef";
    public const long CompanyAdminCompanyId = 3;

    /// <summary>The network is closed: without these, Chromium waits on update, sync and QUIC probes.</summary>
    private static readonly string[] ChromiumArguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("tally-dashboard-").FullName;
    private TallyProcess _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public Uri Address => _server.Address;

    public ReportApi Api { get; private set; } = null!;

    /// <summary>A company-admin key of company <see cref="CompanyAdminCompanyId"/>, made through the admin API.</summary>
    public string CompanyAdminKey { get; private set; } = null!;

    public static string ArtifactsDirectory => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    public async Task InitializeAsync()
    {
        File.Exists(ChromiumPath).ShouldBeTrue($"{ChromiumPath} is needed (apt-get install chromium; .ci/run does it)");
        _server = await TallyProcess.ServeAsync(_dataDirectory, AdminKey, "--demo", "--seed", "7");
        Api = new ReportApi(_server.Address, AdminKey);
        CompanyAdminKey = await Api.CreateCompanyAdminKeyAsync(CompanyAdminCompanyId);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArguments,
        });
    }

    private static string ChromiumPath => "/usr/bin/chromium";

    /// <summary>A new tab in a fresh browser context, at the given viewport, on the server's address.</summary>
    public async Task<DashboardPage> OpenAsync(int width = 1366, int height = 768)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _server.Address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        return new DashboardPage(context, await context.NewPageAsync());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        Api.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardServer>
{
    public const string Name = "dashboard";
}
