using System.Diagnostics;
using System.Text;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>The real <c>tally</c> executable, run as a child process, as an operator would run it.</summary>
public sealed class TallyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TallyProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>tally serve</c> on the embedded store in <paramref name="dataDirectory"/>; see <see cref="ServeAsync(IReadOnlyList{string}, string?, string[])"/>.</summary>
    public static Task<TallyProcess> ServeAsync(string dataDirectory, string? adminKey, params string[] extraArguments) =>
        ServeAsync(["--data", dataDirectory], adminKey, extraArguments);

    /// <summary>Starts <c>tally serve --store</c> on a PostgreSQL database (a connection string or postgres:// URL).</summary>
    public static Task<TallyProcess> ServeOnStoreAsync(string store, string? adminKey, params string[] extraArguments) =>
        ServeAsync(["--store", store], adminKey, extraArguments);

    /// <summary>
    /// Starts <c>tally serve</c> with the options that say where its store is (<c>--data DIR</c> or <c>--store LOCATION</c>)
    /// on a free loopback port and waits until <c>/health</c> answers.
    /// </summary>
    public static Task<TallyProcess> ServeAsync(IReadOnlyList<string> storeOptions, string? adminKey, params string[] extraArguments) =>
        ServeAsync(storeOptions, new Dictionary<string, string?> { ["TALLY_ADMIN_KEY"] = adminKey }, extraArguments);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Starts <c>tally serve</c> with these environment variables (and no other TALLY_ ones); see above.</summary>
    public static async Task<TallyProcess> ServeAsync(IReadOnlyList<string> storeOptions, IReadOnlyDictionary<string, string?> environment, params string[] extraArguments)
    {
        var address = new Uri($"http://127.0.0.1:{TallyExecutable.FreeLoopbackPort()}");
        var process = Start(["serve", "--urls", address.ToString().TrimEnd('/'), .. storeOptions, .. extraArguments], environment);
        var tally = new TallyProcess(process, address);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // The demo's ~124k events load before the server listens: on PostgreSQL, with every aggregate kept at append,
        // that takes 30-60 s on a busy 2-core machine. The bound only stops a hung server; it times nothing.
        var deadline = DateTime.UtcNow.Add(StartTimeout);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"tally serve exited with {process.ExitCode}:\n{tally.Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(address, "/health"));
                if (response.IsSuccessStatusCode)
                {
                    return tally;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(100);
        }

        await tally.DisposeAsync();
        throw new TimeoutException($"tally serve did not answer /health within {StartTimeout.TotalSeconds} s:\n{tally.Output}");
    }

    /// <summary>Runs a one-shot tally command (for at most <paramref name="timeout"/>, 60 s unless told); returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(arguments, environment ?? new Dictionary<string, string?>());
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await standardOutput, await standardError);
    }

    /// <summary>Kills the process at once (SIGKILL on Unix): no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Stops the process the way Ctrl+C would, waiting for a clean shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await interrupt.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    private static Process Start(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TallyExecutable.Path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test's own settings only: none inherited from the machine (TALLY_STORE, TALLY_CONFIG, TALLY_LOG_LEVEL...).
        foreach (var variable in start.Environment.Keys.Where(name => name.StartsWith("TALLY_", StringComparison.Ordinal) || name.StartsWith("PARADIGM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start tally.");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
