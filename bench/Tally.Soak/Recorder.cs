using System.Collections.Concurrent;
using System.Globalization;

namespace Tally.Soak;

/// <summary>What the load saw: every request's latency by kind, the refusals it asked for, and every unexpected answer.</summary>
internal sealed class Recorder
{
    private const int KeptErrors = 20;

    private readonly ConcurrentDictionary<string, List<double>> _latencies = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _errors = new();
    private long _errorCount;

    public long ErrorCount => Interlocked.Read(ref _errorCount);

    /// <summary>The first unexpected answers, with when and what.</summary>
    public IReadOnlyCollection<string> FirstErrors => _errors;

    public void Latency(string kind, TimeSpan elapsed)
    {
        var list = _latencies.GetOrAdd(kind, _ => []);
        lock (list)
        {
            list.Add(elapsed.TotalMilliseconds);
        }
    }

    public void Error(string message)
    {
        if (Interlocked.Increment(ref _errorCount) <= KeptErrors)
        {
            _errors.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {message}"));
        }
    }

    /// <summary>Per kind, in name order: count and nearest-rank p50, p95, p99 and max, in ms.</summary>
    public IReadOnlyList<(string Kind, int Count, double P50, double P95, double P99, double Max)> Summary()
    {
        var rows = new List<(string, int, double, double, double, double)>();
        foreach (var (kind, list) in _latencies.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            double[] sorted;
            lock (list)
            {
                sorted = [.. list.Order()];
            }

            rows.Add((kind, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted[^1]));
        }

        return rows;
    }

    /// <summary>Nearest-rank percentile of sorted values (p from 0 to 1).</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
