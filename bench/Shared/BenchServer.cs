using Tally.Testing;

namespace Tally.Benchmarking;

/// <summary><c>tally serve</c> in a process of its own for a benchmark, as an operator runs it.</summary>
internal static class BenchServer
{
    /// <summary>
    /// Starts the server with <paramref name="storeArguments"/> (<c>--data DIR</c> or <c>--store LOCATION</c>) and
    /// waits until /health answers. Without <paramref name="serverLogs"/>, warnings and errors only: the request log
    /// at Information would be most of the output. As in the tests, no TALLY_ or PARADIGM_ variable of the shell
    /// reaches the server: a run measures the same configuration whoever starts it.
    /// </summary>
    public static Task<TallyProcess> StartAsync(IReadOnlyList<string> storeArguments, string adminKey, bool serverLogs, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?> { ["TALLY_ADMIN_KEY"] = adminKey };
        if (!serverLogs)
        {
            environment["Logging__LogLevel__Default"] = "Warning";
        }

        return TallyProcess.ServeAsync(storeArguments, environment, [], cancellationToken);
    }
}
