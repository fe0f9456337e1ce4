using Tally.Server;
using Tally.Server.Tests;
using Tally.Server.Tests.Reports;

namespace Tally.Client.Tests;

/// <summary>
/// A real Tally server on loopback, filled with the demo organisation (seed 7) as of a fixed "now", so that every
/// number is the same on every run and on every day. Shared by the tests that only read.
/// </summary>
public sealed class DemoServer : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public static DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    public TestServer Server { get; private set; } = null!;

    public static Task<TestServer> StartAsync(Func<TallyServerOptions, TallyServerOptions>? configure = null) =>
        TestServer.StartAsync(options => (configure ?? (o => o))(options with { DemoSeed = 7, Time = new FixedTime(Now) }));

    public TallyClientOptions Options(string key = TestServer.AdminKey) => new()
    {
        Url = Server.BaseAddress,
        ApiKey = key,
        Time = new FixedTime(Now),
    };

    public async Task InitializeAsync() => Server = await StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class DemoServerCollection : ICollectionFixture<DemoServer>
{
    public const string Name = "demo server";
}
