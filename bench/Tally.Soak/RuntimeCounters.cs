using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Tally.Soak;

/// <summary>
/// The server's own runtime counters (the <c>System.Runtime</c> event source: managed heap size, committed GC
/// memory), read from outside through its diagnostics port with an EventPipe session, as <c>dotnet-counters</c> does.
/// The latest value of each is kept; the counters are published every <see cref="IntervalSeconds"/> seconds.
/// </summary>
internal sealed class RuntimeCounters : IDisposable
{
    public const int IntervalSeconds = 5;

    private readonly EventPipeSession _session;
    private readonly Thread _reader;
    private readonly Dictionary<string, double> _latest = new(StringComparer.Ordinal);

    private RuntimeCounters(EventPipeSession session)
    {
        _session = session;
        _reader = new Thread(Read) { IsBackground = true, Name = "EventPipe counters" };
        _reader.Start();
    }

    /// <summary>Starts the session; null (with the reason on stderr) when the process's diagnostics port cannot be reached.</summary>
    public static RuntimeCounters? TryStart(int processId)
    {
        try
        {
            var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, (long)EventKeywords.None,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = IntervalSeconds.ToString(CultureInfo.InvariantCulture) });
            var session = new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false);
            return new RuntimeCounters(session);
        }
        catch (Exception exception) when (exception is ServerNotAvailableException or DiagnosticsClientException or IOException or TimeoutException)
        {
            Console.Error.WriteLine($"warning: the server's runtime counters cannot be read ({exception.Message}); managed heap figures are n/a.");
            return null;
        }
    }

    /// <summary>The managed heap (all generations, as of the last GC's accounting) in bytes; null before the first report.</summary>
    public long? ManagedHeapBytes => Megabytes("gc-heap-size");

    /// <summary>Memory the GC has committed from the OS, in bytes; null before the first report.</summary>
    public long? GcCommittedBytes => Megabytes("gc-committed");

    private long? Megabytes(string counter)
    {
        lock (_latest)
        {
            // The runtime publishes these two in MB (10^6 bytes).
            return _latest.TryGetValue(counter, out var value) ? (long)(value * 1_000_000) : null;
        }
    }

    private void Read()
    {
        try
        {
            using var source = new EventPipeEventSource(_session.EventStream);
            source.Dynamic.All += data =>
            {
                if (data.EventName != "EventCounters" || data.PayloadValue(0) is not IDictionary<string, object> outer
                    || !outer.TryGetValue("Payload", out var inner) || inner is not IDictionary<string, object> payload
                    || !payload.TryGetValue("Name", out var named) || named is not string name)
                {
                    return;
                }

                var value = payload.TryGetValue("Mean", out var mean) ? mean : payload.TryGetValue("Increment", out var increment) ? increment : null;
                if (value is IConvertible convertible)
                {
                    lock (_latest)
                    {
                        _latest[name] = convertible.ToDouble(CultureInfo.InvariantCulture);
                    }
                }
            };
            source.Process();
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or EndOfStreamException)
        {
            // The server stopped, or the session was closed: no more counters.
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception exception) when (exception is ServerNotAvailableException or DiagnosticsClientException or IOException or TimeoutException)
        {
            // The server is already gone.
        }

        _reader.Join(TimeSpan.FromSeconds(10));
        _session.Dispose();
    }
}
