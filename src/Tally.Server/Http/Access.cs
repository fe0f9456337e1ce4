using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Tally.Access;

namespace Tally.Server.Http;

/// <summary>Endpoint metadata: the roles that may call an endpoint. Endpoints without it are public.</summary>
public sealed class RequiresRole(params Role[] roles)
{
    public IReadOnlyList<Role> Roles { get; } = roles;
}

/// <summary>
/// The access checks of spec/access.md, in the order it fixes: routing answers unknown paths and methods
/// (404/405) before any of these run; then 401 (no or bad key), 429 (rate limits), 403 (role).
/// </summary>
public static class AccessPipeline
{
    private const string CallerKey = "tally.caller";

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params Role[] roles)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequiresRole(roles));

    /// <summary>The authenticated caller of an endpoint that requires a role.</summary>
    public static Caller Caller(this HttpContext context) =>
        context.Items[CallerKey] as Caller ?? throw new InvalidOperationException("This endpoint was reached without authentication.");

    public static IServiceCollection AddTallyAccess(this IServiceCollection services, TallyServerOptions options) =>
        services.AddRateLimiter(limiter => PerKeyRateLimits(limiter, options));

    public static IApplicationBuilder UseTallyAccess(this IApplicationBuilder app)
    {
        app.UseMiddleware<AuthenticationMiddleware>();
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiresRole>();
            if (required is not null && !required.Roles.Contains(context.Caller().Role))
            {
                await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status403Forbidden, ErrorResponses.Forbidden);
                return;
            }

            await next(context);
        });
        return app;
    }

    /// <summary>One token bucket per key, sized by the key's role; public endpoints are not limited.</summary>
    private static void PerKeyRateLimits(RateLimiterOptions limiter, TallyServerOptions options)
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, (long?, Role)>(context =>
            context.Items[CallerKey] is Caller caller
                ? RateLimitPartition.GetTokenBucketLimiter((caller.KeyId, caller.Role),
                    partition => TokenBucket(options.RateLimits.GetValueOrDefault(partition.Item2, RateLimit.Default)))
                : RateLimitPartition.GetNoLimiter<(long?, Role)>(default));
        limiter.OnRejected = (rejected, _) => new ValueTask(TooManyRequestsAsync(rejected.HttpContext, rejected.Lease));
    }

    internal static TokenBucketRateLimiterOptions TokenBucket(RateLimit limit) => new()
    {
        TokenLimit = limit.Burst,
        TokensPerPeriod = limit.PermitsPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    internal static Task TooManyRequestsAsync(HttpContext context, RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ErrorResponses.WriteDetailAsync(context, StatusCodes.Status429TooManyRequests,
            $"Request was throttled. Expected available in {seconds} second{(seconds == 1 ? "" : "s")}.");
    }

    internal static void SetCaller(this HttpContext context, Caller caller) => context.Items[CallerKey] = caller;
}

/// <summary>
/// Turns the bearer key of an endpoint that requires a role into a <see cref="Caller"/>, or answers 401.
/// Failed attempts are rate-limited per client address, so keys cannot be guessed at speed.
/// </summary>
public sealed class AuthenticationMiddleware(RequestDelegate next, AccessService access, TallyServerOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => AccessPipeline.TokenBucket(options.FailedAuthentications)));

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequiresRole>() is null)
        {
            await next(context);
            return;
        }

        // "Bearer" in any case, then the key; any other scheme means no credentials were provided.
        var header = context.Request.Headers.Authorization.ToString();
        var isBearer = header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) && (header.Length == 6 || header[6] == ' ');
        if (!isBearer)
        {
            await ChallengeAsync(context, ErrorResponses.NotProvided);
            return;
        }

        var caller = await access.AuthenticateAsync(header[6..].Trim(), context.RequestAborted);
        if (caller is null)
        {
            using var failure = _failures.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            if (!failure.IsAcquired)
            {
                await AccessPipeline.TooManyRequestsAsync(context, failure);
                return;
            }

            await ChallengeAsync(context, ErrorResponses.InvalidKey);
            return;
        }

        context.SetCaller(caller);
        await next(context);
    }

    private static Task ChallengeAsync(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ErrorResponses.WriteDetailAsync(context, StatusCodes.Status401Unauthorized, detail);
    }

    public void Dispose() => _failures.Dispose();
}
