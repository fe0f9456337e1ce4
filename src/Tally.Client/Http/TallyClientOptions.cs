namespace Tally.Client;

/// <summary>Where a client connects, with which key, and how patiently it retries.</summary>
public sealed record TallyClientOptions
{
    /// <summary>
    /// The server: its root (<c>http://127.0.0.1:8080</c>) or its API base as Paradigm's guide writes it
    /// (<c>https://paradigm.example.com/api/v2</c>); both mean the same API.
    /// </summary>
    public required Uri Url { get; init; }

    /// <summary>The API key, sent as <c>Authorization: Bearer ...</c>.</summary>
    public required string ApiKey { get; init; }

    /// <summary>How many times one call is tried in all before its last error is thrown.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>How long one attempt may take before it counts as a timeout (and is retried).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>The first retry's nominal delay; each further retry doubles it, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>No single wait is longer than this, whatever a <c>Retry-After</c> header asks for.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock retries read <c>Retry-After</c> dates against.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Told about each retry before its wait (the CLI prints it).</summary>
    public Action<RetryNotice>? OnRetry { get; init; }

    /// <summary>The innermost handler (tests and proxies); a new <see cref="SocketsHttpHandler"/> when null.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>The API base every relative path is resolved against, ending in <c>/api/v2/</c>.</summary>
    public Uri ApiBase
    {
        get
        {
            var text = Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
            return new Uri(text.EndsWith("/api/v2", StringComparison.OrdinalIgnoreCase) ? text + "/" : text + "/api/v2/");
        }
    }

    /// <summary>Reads the connection from explicit values, then <c>TALLY_URL</c>/<c>TALLY_KEY</c>, then Paradigm's <c>PARADIGM_BASE_URL</c>/<c>PARADIGM_API_KEY</c>.</summary>
    /// <exception cref="ArgumentException">No key was found, or the address is not an absolute http(s) URL.</exception>
    public static TallyClientOptions FromEnvironment(string? url, string? apiKey, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var address = NonEmpty(url) ?? NonEmpty(environment("TALLY_URL")) ?? NonEmpty(environment("PARADIGM_BASE_URL")) ?? "http://127.0.0.1:8080";
        var key = NonEmpty(apiKey) ?? NonEmpty(environment("TALLY_KEY")) ?? NonEmpty(environment("PARADIGM_API_KEY"))
            ?? throw new ArgumentException("No API key: pass --key, or set TALLY_KEY (or PARADIGM_API_KEY).");
        if (!Uri.TryCreate(address, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{address}' is not an http(s) address: pass --url, or set TALLY_URL (or PARADIGM_BASE_URL), e.g. http://127.0.0.1:8080.");
        }

        return new TallyClientOptions { Url = parsed, ApiKey = key };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
