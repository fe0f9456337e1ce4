using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Tally.Access;
using Tally.Server;

namespace Tally.Cli.Commands;

/// <summary><c>tally serve</c>: runs the server on the embedded store, or on a PostgreSQL database with <c>--store</c>.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Address(es) to listen on, separated by ';'.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TALLY_URLS") ?? "http://127.0.0.1:8080",
        };
        var data = StoreOptions.DataFolder("Folder of the embedded store (created if missing).");
        var store = StoreOptions.Store();
        var rateLimits = new Option<string[]>("--rate-limit")
        {
            Description = "Per-key request limit for a role, as ROLE=PERMITS_PER_SECOND[/BURST] (e.g. ingest=500/1000). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var failedAuthLimit = new Option<string?>("--failed-auth-limit")
        {
            Description = "Failed authentications allowed per client address, as PERMITS_PER_SECOND[/BURST].",
        };

        var demo = new Option<bool>("--demo")
        {
            Description = "Fill an empty store with a demo organisation (3 companies, 90 days up to today).",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the demo organisation (same seed, same data).",
            DefaultValueFactory = _ => 42,
        };

        var command = new Command("serve", "Run the Tally server on the embedded DuckDB store, or on a PostgreSQL database (--store).") { urls, data, store, demo, seed, rateLimits, failedAuthLimit };
        command.Validators.Add(result =>
        {
            foreach (var problem in ParseLimits(result.GetValue(rateLimits) ?? [], out _)
                .Concat(ParseFailedAuthLimit(result.GetValue(failedAuthLimit), out _)))
            {
                result.AddError(problem);
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            ParseLimits(parse.GetValue(rateLimits) ?? [], out var limits);
            ParseFailedAuthLimit(parse.GetValue(failedAuthLimit), out var failedLimit);
            if (StoreOptions.Resolve(parse, store, data, out var problem) is not { } location)
            {
                await Console.Error.WriteLineAsync(problem);
                return 2;
            }

            var options = new TallyServerOptions
            {
                OpenStore = location.Open,
                Urls = parse.GetValue(urls)!,
                BootstrapAdminKey = Environment.GetEnvironmentVariable("TALLY_ADMIN_KEY"),
                OnAdminKeyCreated = created => Console.WriteLine(
                    $"""

                    No instance-admin key existed, so one was created. It is shown this once:

                        {created.Secret}

                    Use it as: Authorization: Bearer <key>   (or TALLY_KEY=<key> for the tally command)

                    """),
                RateLimits = limits,
                FailedAuthentications = failedLimit,
                DemoSeed = parse.GetValue(demo) ? parse.GetValue(seed) : null,
                OnDemoLoaded = count => Console.WriteLine(count > 0
                    ? $"Loaded the demo organisation: {count:N0} events for companies 1, 2 and 3 over the last 90 days."
                    : "The store already holds events: the demo was not loaded again."),
            };

            // Opens and migrates the store: a missing server or a newer schema is told in one line by StartFailures.
            await using var app = await TallyApplication.BuildAsync(options, cancellationToken: cancellationToken);
            await app.StartAsync(cancellationToken);
            Console.WriteLine($"Tally is listening on {string.Join(", ", app.Urls)} ({location.Description})");
            var address = app.Urls.First();
            Console.WriteLine($"API reference: {address}/docs   OpenAPI: {address}/openapi/v1.json");
            Console.WriteLine($"Try: curl -H \"Authorization: Bearer <admin key>\" \"{address}/api/v2/reporting/chat-sessions/?company_id=2&start_date={DateTime.UtcNow.AddDays(-30):yyyy-MM-dd}\"");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static List<string> ParseLimits(string[] values, out Dictionary<Role, RateLimit> limits)
    {
        limits = Enum.GetValues<Role>().ToDictionary(role => role, _ => RateLimit.Default);
        var problems = new List<string>();
        foreach (var value in values)
        {
            var parts = value.Split('=', 2);
            if (parts.Length != 2 || !RoleNames.TryParse(parts[0], out var role))
            {
                problems.Add($"--rate-limit '{value}': expected ROLE=PERMITS[/BURST] with ROLE one of instance_admin, company_admin, ingest.");
            }
            else if (TryParseLimit(parts[1], out var limit))
            {
                limits[role] = limit;
            }
            else
            {
                problems.Add($"--rate-limit '{value}': the limit must be PERMITS[/BURST], positive whole numbers.");
            }
        }

        return problems;
    }

    private static List<string> ParseFailedAuthLimit(string? value, out RateLimit limit)
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

        return [$"--failed-auth-limit '{value}': expected PERMITS[/BURST], positive whole numbers."];
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
