using System.CommandLine;
using System.Globalization;
using Tally.Client;

namespace Tally.Cli.Commands;

/// <summary>
/// How every client command finds its server: <c>--url</c>/<c>--key</c>, else <c>TALLY_URL</c>/<c>TALLY_KEY</c>, else
/// Paradigm's <c>PARADIGM_BASE_URL</c>/<c>PARADIGM_API_KEY</c>; and how their failures become one clear line and an exit code.
/// </summary>
internal static class ServerConnection
{
    public static readonly Option<string?> Url = new("--url", "--server")
    {
        Description = "The server: http://host:port, or a Paradigm API base such as https://paradigm.example.com/api/v2 (default: TALLY_URL, then PARADIGM_BASE_URL, then http://127.0.0.1:8080).",
        Recursive = true,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = "The API key (default: TALLY_KEY, then PARADIGM_API_KEY).",
        Recursive = true,
    };

    /// <summary>
    /// Runs <paramref name="action"/> with the connection; prints what went wrong and returns 1 (2 for a bad setting).
    /// <paramref name="notFound"/> says what a 404 means for this command (the API's own detail is only "Not found.").
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<TallyClientOptions, Task> action, string? notFound = null)
    {
        TallyClientOptions options;
        try
        {
            options = TallyClientOptions.FromEnvironment(parse.GetValue(Url), parse.GetValue(Key)) with
            {
                OnRetry = notice => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{notice.Reason} for {notice.Path}; retrying in {notice.Delay.TotalSeconds:0.#} s (attempt {notice.Attempt + 1})")),
            };
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return 2;
        }

        try
        {
            await action(options);
            return 0;
        }
        catch (TallyApiException exception) when (exception.Status == System.Net.HttpStatusCode.NotFound && notFound is not null)
        {
            await Console.Error.WriteLineAsync($"{notFound} (404 from {options.Url})");
            return 1;
        }
        catch (Exception exception) when (exception is TallyApiException or TimeoutException)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return 1;
        }
        catch (HttpRequestException exception)
        {
            await Console.Error.WriteLineAsync($"Cannot reach the server at {options.Url}: {exception.Message}");
            return 1;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Cannot write the output: {exception.Message}");
            return 1;
        }
    }
}
