using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Json;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using Tally.Access;
using Tally.Companies;
using Tally.Demo;
using Tally.Ingestion;
using Tally.Observability;
using Tally.Prices;
using Tally.Reports;
using Tally.Server.Endpoints;
using Tally.Server.Http;
using Tally.Storage;

namespace Tally.Server;

/// <summary>Builds the Tally web application: services, the access pipeline and the endpoint groups.</summary>
public static class TallyApplication
{
    /// <summary>Opens and migrates the store, then builds the application (not yet started).</summary>
    public static async Task<WebApplication> BuildAsync(TallyServerOptions options, string[]? args = null, CancellationToken cancellationToken = default)
    {
        var store = options.OpenStore();
        try
        {
            await store.MigrateAsync(cancellationToken);
            if (options.DemoSeed is { } seed)
            {
                var loaded = await DemoLoader.LoadIfEmptyAsync(store, options.Time, seed, cancellationToken);
                options.OnDemoLoaded?.Invoke(loaded);
            }
        }
        catch
        {
            // Until the host owns the store, a failure here must release it (its file lock, its connections), or a
            // caller that reports the failure and goes on (a test, an embedding host) keeps the store held.
            await store.DisposeAsync();
            throw;
        }

        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Bodies are limited by the endpoints themselves (16 MiB after decompression for events).
            kestrel.Limits.MaxRequestBodySize = null;
            // Header values may hold bytes 0x80–0xFF (RFC 9110's obs-text). Kestrel refuses them by default with a
            // bare 400 before any middleware runs; read as Latin-1 they reach the application, which answers them
            // (an Authorization header with them is an invalid key: 401 with its JSON body).
            kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
        });
        // A failure to start (an address in use) is thrown to the caller, which reports it; the host would also log it
        // as "Hosting failed to start" with its stack trace, at Error. Its Critical entries (a background service
        // that stops the host) still show.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        ConfigureLogging(builder.Logging, options);
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = ErrorResponses.Json.PropertyNamingPolicy;
            json.SerializerOptions.Encoder = ErrorResponses.Json.Encoder;
            // Responses write numbers as numbers, and the OpenAPI schemas follow this option (no bodies are bound).
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IEventStore>(store);
        builder.Services.AddSingleton<ICompanyStore>(store);
        builder.Services.AddSingleton<IApiKeyStore>(store);
        builder.Services.AddSingleton<IReportStore>(store);
        builder.Services.AddSingleton<IModelReportStore>(store);
        builder.Services.AddSingleton<IPriceStore>(store);
        builder.Services.AddSingleton<ReportService>();
        builder.Services.AddSingleton<ModelsReportService>();
        builder.Services.AddSingleton(_ =>
        {
            var metrics = new TallyMetrics();
            metrics.ObserveStore(store);
            return metrics;
        });
        builder.Services.AddSingleton<GroupCommitWriter>(services => new GroupCommitWriter(store, options.Time,
            services.GetRequiredService<ILogger<GroupCommitWriter>>(), metrics: services.GetRequiredService<TallyMetrics>()));
        AddMetricsExport(builder.Services);
        builder.Services.AddSingleton<IngestionService>();
        builder.Services.AddSingleton<CompanyService>();
        builder.Services.AddSingleton<PriceService>();
        builder.Services.AddSingleton(new AccessService(store, options.Time, options.BootstrapAdminKey));
        builder.Services.AddHostedService<StoreLifetime>();
        builder.Services.AddTallyAccess(options);
        builder.Services.AddTallyOpenApi();

        var app = builder.Build();
        // A reverse proxy on this host (loopback, ASP.NET's default known proxies) or a trusted one says who the client
        // is and whether it came over TLS: the loopback-only /metrics and the per-address limit on failed
        // authentications then see each client, not the proxy, and links are https. The entries are taken from the
        // last while their sender is a trusted proxy, so a client cannot claim to be loopback (docs/decisions.md).
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, ForwardLimit = null };
        foreach (var proxy in options.TrustedProxies)
        {
            forwarded.KnownIPNetworks.Add(proxy);
        }

        app.UseForwardedHeaders(forwarded);
        app.UseMiddleware<RequestLog>();
        app.UseMiddleware<ErrorMiddleware>();
        app.Use((context, next) =>
        {
            // /api/... answers with and without a trailing slash, without a redirect (Paradigm scripts use both).
            var path = context.Request.Path.Value;
            if (path is { Length: > 1 } && path.EndsWith('/') && path.StartsWith("/api/", StringComparison.Ordinal))
            {
                context.Request.Path = path.TrimEnd('/');
            }

            return next(context);
        });
        app.UseMetricsAccess(options);
        app.UseDashboardFiles();
        app.UseRouting();
        app.UseTallyAccess();

        app.MapOpenApi();
        // The reference must work in a closed network and call nowhere: its script is the package's own (served from
        // here), and Scalar's web fonts, AI agent, MCP, telemetry, hosted client and developer toolbar (deploy, SDK
        // generation, sharing: services of scalar.com) are off. The dashboard tests check it in Chromium.
        app.MapScalarApiReference("/docs", scalar => scalar
            .WithTitle("Tally API")
            .DisableDefaultFonts()
            .DisableAgent()
            .DisableMcp()
            .DisableTelemetry()
            .HideClientButton()
            .HideDeveloperTools());
        app.MapHealthEndpoints();
        app.MapMetricsEndpoint();
        app.MapEventEndpoints();
        app.MapAdminEndpoints();
        app.MapModelPriceEndpoints();
        app.MapReportEndpoints();

        // Resolved now so its gauges exist before the first scrape, whether or not an event has arrived yet.
        app.Services.GetRequiredService<GroupCommitWriter>();
        var created = await app.Services.GetRequiredService<AccessService>().EnsureAdminKeyAsync(cancellationToken);
        if (created is not null)
        {
            options.OnAdminKeyCreated?.Invoke(created);
        }

        return app;
    }

    /// <summary>
    /// Tally's meter to Prometheus (<c>/metrics</c>) always, and to an OTLP collector when the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable names one (the exporter reads the other OTEL_* variables itself).
    /// </summary>
    private static void AddMetricsExport(IServiceCollection services) =>
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            // Each scrape reads the instruments afresh: a cached answer would hide what the last requests did.
            metrics.AddMeter(TallyMetrics.MeterName).AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                metrics.AddOtlpExporter();
            }
        });

    private static void ConfigureLogging(ILoggingBuilder logging, TallyServerOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat == ServerLogFormat.Json)
        {
            logging.AddJsonConsole(json =>
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                // Quotes and angle brackets as themselves: a log line is read by people and collectors, never put in a page.
                json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
        }
        else
        {
            logging.AddSimpleConsole(text =>
            {
                text.SingleLine = true;
                text.UseUtcTimestamp = true;
                text.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }

        logging.SetMinimumLevel(options.LogLevel);
        // ASP.NET Core writes five entries per request at Information; RequestLog writes one, at Debug. Trace is for
        // diagnosing the framework itself, so it lets them through.
        if (options.LogLevel > LogLevel.Trace)
        {
            logging.AddFilter("Microsoft.AspNetCore", (LogLevel level) => level >= LogLevel.Warning && level >= options.LogLevel);
        }
    }

    /// <summary>
    /// Flushes key last-use times now and then; at stop, drains the writer (queued requests still commit)
    /// and then closes the store, in that order.
    /// </summary>
    private sealed class StoreLifetime(GroupCommitWriter writer, AccessService access, ITallyStore store, ILogger<StoreLifetime> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    await access.FlushUseAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping.
            }
        }

        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            await base.StopAsync(cancellationToken);
            await writer.DisposeAsync();
            await access.FlushUseAsync(CancellationToken.None);
            await store.DisposeAsync();
            logger.LogInformation("Store closed");
        }
    }
}
