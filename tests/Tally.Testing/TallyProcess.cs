using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Tally.Testing;

/// <summary>
/// The real <c>tally</c> executable (this build's tally.dll, in the configuration of the program asking), run as a
/// child process as an operator runs it: <c>tally serve</c> on a free loopback port, or a one-shot command. The CLI
/// and dashboard tests and the benchmarks that serve from a process of their own (the soak, the report benchmark's
/// <c>--server-process</c>) start it here.
/// </summary>
public sealed class TallyProcess : IAsyncDisposable
{
    /// <summary>
    /// The server's last lines kept: a soak's server runs for hours (with warnings and errors only, unless asked), and
    /// no test reads more than its start and a few requests.
    /// </summary>
    private const int KeptOutputLines = 10_000;

    /// <summary>
    /// The demo's ~124k events load before the server listens: on PostgreSQL, with every aggregate kept at append,
    /// that takes 30-60 s on a busy 2-core machine. The bound only stops a hung server; it times nothing.
    /// </summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private TallyProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>How <see cref="StopAsync"/> asks the server to stop.</summary>
    public enum StopSignal
    {
        /// <summary>SIGINT, as Ctrl+C in a terminal.</summary>
        Interrupt,

        /// <summary>SIGTERM, as a service manager; a program started in the background of a shell ignores SIGINT, and so does the server it starts.</summary>
        Terminate,
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process printed, standard output and error interleaved (its last <see cref="KeptOutputLines"/> lines).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>Starts <c>tally serve</c> on the embedded store in <paramref name="dataDirectory"/>; see <see cref="ServeAsync(IReadOnlyList{string}, IReadOnlyDictionary{string, string?}, string[])"/>.</summary>
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

    /// <summary>Starts <c>tally serve</c> with these environment variables (and no other TALLY_ ones); see above.</summary>
    public static Task<TallyProcess> ServeAsync(IReadOnlyList<string> storeOptions, IReadOnlyDictionary<string, string?> environment, params string[] extraArguments) =>
        ServeAsync(storeOptions, environment, extraArguments, CancellationToken.None);

    /// <summary>Starts <c>tally serve</c> with these environment variables (and no other TALLY_ ones), until <paramref name="cancellationToken"/>.</summary>
    public static async Task<TallyProcess> ServeAsync(IReadOnlyList<string> storeOptions, IReadOnlyDictionary<string, string?> environment,
        IReadOnlyList<string> extraArguments, CancellationToken cancellationToken)
    {
        var address = new Uri($"http://127.0.0.1:{TallyExecutable.FreeLoopbackPort()}");
        var process = Start(["serve", "--urls", address.ToString().TrimEnd('/'), .. storeOptions, .. extraArguments], environment);
        var tally = new TallyProcess(process, address);
        try
        {
            await WaitUntilHealthyAsync(tally, cancellationToken);
            return tally;
        }
        catch
        {
            // Exited, hung or cancelled: no server is left running (it would hold the store's folder).
            await tally.DisposeAsync();
            throw;
        }
    }

    private static async Task WaitUntilHealthyAsync(TallyProcess tally, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (tally._process.HasExited)
            {
                throw new InvalidOperationException($"tally serve exited with {tally._process.ExitCode}:{Environment.NewLine}{tally.Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(tally.Address, "/health"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not answering yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"tally serve did not answer /health within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{tally.Output}");
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

    /// <summary>Asks the process to stop (<paramref name="signal"/>) and waits up to a minute for its clean shutdown; its exit code.</summary>
    public async Task<int> StopAsync(StopSignal signal = StopSignal.Interrupt)
    {
        if (!_process.HasExited)
        {
            using var ask = Process.Start("kill", [signal == StopSignal.Interrupt ? "-INT" : "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await ask.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
        }

        return _process.ExitCode;
    }

    /// <summary>A field of the process's /proc/PID/status in bytes (VmRSS: resident now; VmHWM: peak resident); null when unreadable.</summary>
    public long? Status(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return null;
    }

    /// <summary>The process's CPU time so far (user and system).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The process's last 200 lines of output, for the end of a failed run.</summary>
    public string Describe()
    {
        lock (_output)
        {
            return new StringBuilder().AppendLine("server output (last lines):").AppendJoin(Environment.NewLine, _output.TakeLast(200)).ToString();
        }
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

        // The caller's own settings only: none inherited from the machine (TALLY_STORE, TALLY_CONFIG, TALLY_LOG_LEVEL...).
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
            _output.Enqueue(line);
            if (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
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
