using System.Net;
using System.Net.Http.Headers;

namespace Tally.Client;

/// <summary>One retry a client is about to make: why, and how long it waits first.</summary>
public sealed record RetryNotice(string Path, int Attempt, TimeSpan Delay, string Reason);

/// <summary>
/// Retries what is worth retrying: a <c>429</c> always (the server did not act on the request) after the
/// <c>Retry-After</c> it asks for; a <c>5xx</c>, a timeout or a refused connection only for the idempotent
/// methods, after the <c>Retry-After</c> of a <c>503</c> or else an exponential delay with jitter, so that many
/// clients backing off do not come back together.
/// </summary>
internal sealed class RetryHandler(TallyClientOptions options) : DelegatingHandler(options.Handler ?? new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var idempotent = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete;
        for (var attempt = 1; ; attempt++)
        {
            var last = attempt >= options.MaxAttempts;
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(options.AttemptTimeout);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, attemptTimeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && idempotent && !last)
            {
                await WaitAsync(request, attempt, Backoff(attempt), $"no answer within {options.AttemptTimeout.TotalSeconds:0.#} s", cancellationToken);
                continue;
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{request.RequestUri} did not answer within {options.AttemptTimeout.TotalSeconds:0.#} s ({attempt} attempts).", exception);
            }
            catch (HttpRequestException exception) when (idempotent && !last)
            {
                await WaitAsync(request, attempt, Backoff(attempt), exception.Message, cancellationToken);
                continue;
            }

            var retryable = response.StatusCode == HttpStatusCode.TooManyRequests
                || (idempotent && (int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.NotImplemented);
            if (!retryable || last)
            {
                return response;
            }

            // A 429 (over a rate limit) and a 503 (a store that cannot be reached) say how long to wait: asking sooner
            // is refused again.
            var delay = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
                && RetryAfter(response.Headers.RetryAfter) is { } asked
                ? asked + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100))
                : Backoff(attempt);
            var reason = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            response.Dispose();
            await WaitAsync(request, attempt, delay, reason, cancellationToken);
        }
    }

    private async Task WaitAsync(HttpRequestMessage request, int attempt, TimeSpan delay, string reason, CancellationToken cancellationToken)
    {
        delay = delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay;
        options.OnRetry?.Invoke(new RetryNotice(request.RequestUri?.PathAndQuery ?? "", attempt, delay, reason));
        await Task.Delay(delay, cancellationToken);
    }

    /// <summary>The first retry delay doubled per attempt, times a random factor in [0.5, 1.5).</summary>
    private TimeSpan Backoff(int attempt) =>
        options.FirstRetryDelay * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble());

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is not { } date)
        {
            return null;
        }

        var wait = date - options.Time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }
}
