using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Tally.Access;
using Tally.Cli.Configuration;
using Tally.Server;

namespace Tally.Cli.Commands;

/// <summary><c>tally serve</c>: runs the server on the embedded store, or on a PostgreSQL database with <c>--store</c>.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Address(es) to listen on, separated by ';'. Default: TALLY_URLS, else \"urls\" in the configuration file, else {DefaultUrls}.",
        };
        var data = StoreOptions.DataFolder("Folder of the embedded store (created if missing).");
        var store = StoreOptions.Store();
        var rateLimits = new Option<string[]>("--rate-limit")
        {
            Description = "Per-key request limit for a role, as ROLE=PERMITS_PER_SECOND[/BURST] (e.g. ingest=500/1000). Repeatable. Default: TALLY_RATE_LIMIT (comma-separated), else \"rateLimits\" in the configuration file.",
            AllowMultipleArgumentsPerToken = false,
        };
        var failedAuthLimit = new Option<string?>("--failed-auth-limit")
        {
            Description = "Failed authentications allowed per client address, as PERMITS_PER_SECOND[/BURST]. Default: TALLY_FAILED_AUTH_LIMIT, else \"failedAuthLimit\" in the configuration file.",
        };
        var trustedProxies = new Option<string[]>("--trusted-proxy")
        {
            Description = "A reverse proxy on another host whose X-Forwarded-For and X-Forwarded-Proto are believed, as an address (10.0.0.5) or a network (10.0.0.0/8); one on this host always is. Repeatable. Default: TALLY_TRUSTED_PROXIES (comma-separated), else \"trustedProxies\" in the configuration file.",
            AllowMultipleArgumentsPerToken = false,
        };
        var demo = new Option<bool>("--demo")
        {
            Description = "Fill an empty store with a demo organisation (3 companies, 90 days up to today). Default: TALLY_DEMO, else \"demo\" in the configuration file.",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the demo organisation (same seed, same data). Default: TALLY_SEED, else \"seed\" in the configuration file, else 42.",
        };
        var logLevel = new Option<string?>("--log-level")
        {
            Description = "trace, debug (adds one line per request), information, warning, error, critical or none. Default: TALLY_LOG_LEVEL, else \"logLevel\" in the configuration file, else information.",
        };
        var logFormat = new Option<string?>("--log-format")
        {
            Description = "text, or json (one JSON object per line, for a log collector). Default: TALLY_LOG_FORMAT, else \"logFormat\" in the configuration file, else text.",
        };
        var config = Settings.ConfigOption();

        var command = new Command("serve", "Run the Tally server on the embedded DuckDB store, or on a PostgreSQL database (--store).")
        {
            urls, data, store, demo, seed, rateLimits, failedAuthLimit, trustedProxies, logLevel, logFormat, config,
        };
        command.Validators.Add(result =>
        {
            foreach (var problem in ParseLimits(result.GetValue(rateLimits) ?? [], "--rate-limit", out _)
                .Concat(ParseFailedAuthLimit(result.GetValue(failedAuthLimit), "--failed-auth-limit", out _))
                .Concat(ParseProxies(result.GetValue(trustedProxies) ?? [], "--trusted-proxy", out _)))
            {
                result.AddError(problem);
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = Settings.Load(parse, config, Keys);
            var location = StoreOptions.Resolve(parse, settings, store, data, out var storeProblem);
            var limitSetting = parse.GetResult(rateLimits) is { Implicit: false }
                ? (string.Join(',', parse.GetValue(rateLimits)!), "--rate-limit")
                : settings.FromEnvironmentOrFile("TALLY_RATE_LIMIT", "rateLimits");
            settings.Problems.AddRange(ParseLimits(limitSetting?.Item1.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                limitSetting?.Item2 ?? "", out var limits));
            var failedSetting = settings.Text(failedAuthLimit, "TALLY_FAILED_AUTH_LIMIT", "failedAuthLimit");
            settings.Problems.AddRange(ParseFailedAuthLimit(failedSetting?.Value, failedSetting?.Source ?? "", out var failedLimit));
            var proxySetting = parse.GetResult(trustedProxies) is { Implicit: false }
                ? (string.Join(',', parse.GetValue(trustedProxies)!), "--trusted-proxy")
                : settings.FromEnvironmentOrFile("TALLY_TRUSTED_PROXIES", "trustedProxies", list: true);
            settings.Problems.AddRange(ParseProxies(proxySetting?.Item1.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                proxySetting?.Item2 ?? "", out var proxies));
            var level = ServerLogging.ParseLevel(settings.Text(logLevel, "TALLY_LOG_LEVEL", "logLevel"), settings.Problems);
            var format = ServerLogging.ParseFormat(settings.Text(logFormat, "TALLY_LOG_FORMAT", "logFormat"), settings.Problems);
            var demoSeed = settings.Switch(demo, "TALLY_DEMO", "demo") ? settings.Integer(seed, "TALLY_SEED", "seed", 42) : (int?)null;
            var listenOn = settings.Text(urls, "TALLY_URLS", "urls")?.Value ?? DefaultUrls;
            var adminKey = settings.FromEnvironmentOrFile("TALLY_ADMIN_KEY", "adminKey")?.Value;
            if (storeProblem is not null)
            {
                settings.Problems.Insert(0, storeProblem);
            }

            if (settings.Problems.Count > 0 || location is null)
            {
                foreach (var problem in settings.Problems)
                {
                    await Console.Error.WriteLineAsync(problem);
                }

                return 2;
            }

            var announce = ServerLogging.Announcer(format);
            var options = new TallyServerOptions
            {
                OpenStore = location.Open,
                Urls = listenOn,
                BootstrapAdminKey = adminKey,
                OnAdminKeyCreated = created => announce(
                    $"""

                    No instance-admin key existed, so one was created. It is shown this once:

                        {created.Secret}

                    Use it as: Authorization: Bearer <key>   (or TALLY_KEY=<key> for the tally command)

                    """),
                RateLimits = limits,
                FailedAuthentications = failedLimit,
                TrustedProxies = proxies,
                DemoSeed = demoSeed,
                OnDemoLoaded = count => announce(count > 0
                    ? $"Loaded the demo organisation: {count:N0} events for companies 1, 2 and 3 over the last 90 days."
                    : "The store already holds events: the demo was not loaded again."),
                LogLevel = level,
                LogFormat = format,
            };

            // Opens and migrates the store: a missing server or a newer schema is told in one line by StartFailures.
            await using var app = await TallyApplication.BuildAsync(options, cancellationToken: cancellationToken);
            await app.StartAsync(cancellationToken);
            var address = app.Urls.First();
            announce($"Tally is listening on {string.Join(", ", app.Urls)} ({location.Description})");
            announce($"API reference: {address}/docs   OpenAPI: {address}/openapi/v1.json");
            announce($"Try: curl -H \"Authorization: Bearer <admin key>\" \"{address}/api/v2/reporting/chat-sessions/?company_id=2&start_date={DateTime.UtcNow.AddDays(-30):yyyy-MM-dd}\"");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>The keys of the configuration file (serve's settings; rebuild reads the same file for its store).</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["urls", StoreOptions.DataKey, StoreOptions.StoreKey, "adminKey", "demo", "seed", "rateLimits", "failedAuthLimit", "trustedProxies", "logLevel", "logFormat"];

    private static List<string> ParseLimits(string[] values, string source, out Dictionary<Role, RateLimit> limits)
    {
        limits = Enum.GetValues<Role>().ToDictionary(role => role, _ => RateLimit.Default);
        var problems = new List<string>();
        foreach (var value in values)
        {
            var parts = value.Split('=', 2);
            if (parts.Length != 2 || !RoleNames.TryParse(parts[0], out var role))
            {
                problems.Add($"{source} '{value}': expected ROLE=PERMITS[/BURST] with ROLE one of instance_admin, company_admin, ingest.");
            }
            else if (TryParseLimit(parts[1], out var limit))
            {
                limits[role] = limit;
            }
            else
            {
                problems.Add($"{source} '{value}': the limit must be PERMITS[/BURST], positive whole numbers.");
            }
        }

        return problems;
    }

    private static List<string> ParseFailedAuthLimit(string? value, string source, out RateLimit limit)
    {
        limit = RateLimit.DefaultFailedAuthentications;
        if (value is null)
        {
            return [];
        }

        if (TryParseLimit(value, out var parsed))
        {
            limit = parsed;
            return [];
        }

        return [$"{source} '{value}': expected PERMITS[/BURST], positive whole numbers."];
    }

    private static List<string> ParseProxies(string[] values, string source, out List<IPNetwork> proxies)
    {
        proxies = [];
        var problems = new List<string>();
        foreach (var value in values)
        {
            if (TryParseProxy(value, out var proxy))
            {
                proxies.Add(proxy);
            }
            else
            {
                problems.Add($"{source} '{value}': expected an IP address (such as 10.0.0.5) or a network (such as 10.0.0.0/8, no bits set past the prefix).");
            }
        }

        return problems;
    }

    /// <summary>
    /// An address (a network of one) or a network. .NET reads "10" as 0.0.0.10 and "10/8" as 0.0.0.0/8, and masks
    /// 10.1.2.3/8 to 10.0.0.0/8: an address must have its '.' or ':', and a network no bits past its prefix.
    /// </summary>
    private static bool TryParseProxy(string text, out IPNetwork proxy)
    {
        proxy = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (addressText.IndexOfAny(['.', ':']) < 0 || !IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        if (slash < 0)
        {
            proxy = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);
            return true;
        }

        return IPNetwork.TryParse(text, out proxy) && proxy.BaseAddress.Equals(address);
    }

    private static bool TryParseLimit(string text, out RateLimit limit)
    {
        var parts = text.Split('/');
        limit = RateLimit.Default;
        if (parts.Length > 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var permits) || permits < 1)
        {
            return false;
        }

        var burst = permits;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out burst) || burst < 1))
        {
            return false;
        }

        limit = new RateLimit(permits, burst);
        return true;
    }
}
