using Tally.Access;
using Tally.Storage;

namespace Tally.Server;

/// <summary>How a Tally server is set up. The executable fills it from the command line and configuration.</summary>
public sealed record TallyServerOptions
{
    /// <summary>Opens the store the server runs on; the server migrates it at start and disposes it at stop.</summary>
    public required Func<ITallyStore> OpenStore { get; init; }

    /// <summary>Addresses to listen on, e.g. <c>http://127.0.0.1:8080</c>; port 0 picks a free one.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>The bootstrap instance-admin key (TALLY_ADMIN_KEY); never stored.</summary>
    public string? BootstrapAdminKey { get; init; }

    /// <summary>Called with the secret of an admin key the server had to create because none existed.</summary>
    public Action<CreatedApiKey>? OnAdminKeyCreated { get; init; }

    /// <summary>Requests per second per key, by role.</summary>
    public IReadOnlyDictionary<Role, RateLimit> RateLimits { get; init; } = new Dictionary<Role, RateLimit>
    {
        [Role.InstanceAdmin] = RateLimit.Default,
        [Role.CompanyAdmin] = RateLimit.Default,
        [Role.Ingest] = RateLimit.Default,
    };

    /// <summary>Failed authentications per second per client address.</summary>
    public RateLimit FailedAuthentications { get; init; } = RateLimit.DefaultFailedAuthentications;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>When set, an empty store is filled with the demo organisation generated from this seed.</summary>
    public int? DemoSeed { get; init; }

    /// <summary>Called with the number of demo events loaded at start-up.</summary>
    public Action<int>? OnDemoLoaded { get; init; }

    /// <summary>The least severe log entries written; <see cref="LogLevel.Debug"/> adds one line per request.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Whether <c>/metrics</c> answers clients other than loopback ones (it never needs a key).</summary>
    public bool MetricsFromAnyAddress { get; init; }

    /// <summary>
    /// The reverse proxies, besides one on this host (always believed), whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> name the client: the entries are walked from the last while the sender is one of them.
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>How log entries are written on stdout.</summary>
    public ServerLogFormat LogFormat { get; init; } = ServerLogFormat.Text;
}

/// <summary>How log entries are written on stdout.</summary>
public enum ServerLogFormat
{
    /// <summary>One line per entry: time, level, category, message.</summary>
    Text,

    /// <summary>One JSON object per line (the .NET JSON console format), for log collectors.</summary>
    Json,
}

/// <summary>A token bucket: a sustained rate and the burst allowed above it.</summary>
public sealed record RateLimit(int PermitsPerSecond, int Burst)
{
    /// <summary>High enough that a dashboard, a paged export or a full-speed back-fill never meets it.</summary>
    public static readonly RateLimit Default = new(PermitsPerSecond: 1_000, Burst: 2_000);

    /// <summary>Failed authentications per client address: enough for typos, too few for guessing keys.</summary>
    public static readonly RateLimit DefaultFailedAuthentications = new(PermitsPerSecond: 20, Burst: 100);
}
