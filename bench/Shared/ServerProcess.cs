using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tally.Testing;

namespace Tally.Benchmarking;

/// <summary>
/// <c>tally serve</c> as its own process (this build's tally.dll, in the configuration of this program), on a free
/// loopback port, as an operator runs it; its memory is read from /proc/PID/status.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    /// <summary>The last lines the server printed (warnings and errors unless --server-logs).</summary>
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

    /// <summary>Starts the server with <paramref name="storeArguments"/> (<c>--data DIR</c> or <c>--store LOCATION</c>) and waits until /health answers.</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyList<string> storeArguments, string adminKey, bool serverLogs, CancellationToken cancellationToken)
    {
        var address = new Uri($"http://127.0.0.1:{TallyExecutable.FreeLoopbackPort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TallyExecutable.Path);
        foreach (var argument in (string[])["serve", "--urls", address.ToString().TrimEnd('/'), .. storeArguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in new[] { "TALLY_URLS", "TALLY_DATA", "TALLY_STORE" })
        {
            start.Environment.Remove(variable);
        }

        start.Environment["TALLY_ADMIN_KEY"] = adminKey;
        if (!serverLogs)
        {
            // The request log at Information would be most of the output; warnings and errors stay.
            start.Environment["Logging__LogLevel__Default"] = "Warning";
        }

        var server = new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start tally."), address);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (server._process.HasExited)
            {
                throw new InvalidOperationException($"tally serve exited with {server._process.ExitCode}:{Environment.NewLine}{server.Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(address, "/health"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return server;
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

            await Task.Delay(200, cancellationToken);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"tally serve did not answer /health within 120 s:{Environment.NewLine}{server.Output}");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>A field of the server's /proc/PID/status in bytes (VmRSS: resident now; VmHWM: peak resident); null when unreadable.</summary>
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

    /// <summary>The server's CPU time so far (user and system), from the process.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>
    /// Stops the server as a service manager would (SIGTERM) and waits for its clean shutdown; its exit code. Not
    /// SIGINT: a soak started in the background of a shell ignores SIGINT, and so does the server it starts.
    /// </summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var interrupt = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await interrupt.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
        }

        return _process.ExitCode;
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

    /// <summary>The server's output for the end of a failed run.</summary>
    public string Describe() => new StringBuilder().AppendLine("server output (last lines):").Append(Output).ToString();
}
