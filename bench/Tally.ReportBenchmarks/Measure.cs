using System.Diagnostics;
using System.Globalization;

namespace Tally.ReportBenchmarks;

/// <summary>Small measuring helpers: percentiles, this process's memory and CPU.</summary>
internal static class Measure
{
    /// <summary>Nearest-rank percentile of a sample (p from 0 to 1).</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>A field of /proc/self/status in bytes (VmRSS: resident now, VmHWM: peak resident); null off Linux.</summary>
    public static long? ProcStatus(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var kib = line[(field.Length + 1)..].Trim().Split(' ')[0];
                    return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    public static string Mib(long? bytes) => bytes is { } b ? (b / 1024.0 / 1024.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB" : "n/a";

    public static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>
    /// A full blocking collection between timed blocks, so that a report does not pay for the garbage of the one
    /// before it; not <see cref="CollectEverything"/>, whose aggressive mode gives memory back to the system, which
    /// the timed requests would then take again: they should meet the collector as the warm-up left it.
    /// </summary>
    public static void CollectGarbage()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>A full, compacting collection, so that what stays resident is what is really in use.</summary>
    public static void CollectEverything()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public static long DirectorySize(string directory) =>
        Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    public static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The whole machine's CPU from /proc/stat (Linux): busy and I/O-wait jiffies, and the total.</summary>
internal readonly record struct MachineSample(long Busy, long IoWait, long Total)
{
    public static MachineSample? Read()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal
            return new MachineSample(fields.Sum() - fields[3] - fields[4], fields[4], fields.Sum());
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Cores busy and cores waiting for I/O over the whole machine between two samples.</summary>
    public static (double Busy, double IoWait)? Between(MachineSample? start, MachineSample? end) =>
        start is { } a && end is { } b && b.Total > a.Total
            ? (Environment.ProcessorCount * (b.Busy - a.Busy) / (double)(b.Total - a.Total), Environment.ProcessorCount * (b.IoWait - a.IoWait) / (double)(b.Total - a.Total))
            : null;
}

/// <summary>The run is not valid (something was not stored or served as expected). The program exits non-zero.</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
