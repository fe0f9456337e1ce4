using System.Diagnostics;
using System.Threading.Channels;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;
using Tally.Storage;
using Tally.Benchmarking;
using Tally.Storage.DuckDb;
using Tally.Storage.Postgres;
using static Tally.ReportBenchmarks.Measure;

namespace Tally.ReportBenchmarks;

internal sealed record LoadResult(
    long Events,
    long LateEvents,
    int Members,
    IReadOnlyDictionary<EventType, long> CountsByType,
    TimeSpan AppendWall,
    TimeSpan CatchUp,
    TimeSpan Dispose,
    TimeSpan GeneratorBusy,
    double CoresBusy,
    double[] CommitMs,
    long DatabaseBytes,
    long? PeakRss,
    double? MachineBusyCores,
    double? IoWaitCores,
    double? DatabaseCores = null,
    IReadOnlyList<string>? Statements = null)
{
    /// <summary>Share of the commit wall time spent in commits slower than half a second (stalls).</summary>
    public double StallShare => CommitMs.Where(ms => ms > 500).Sum() / AppendWall.TotalMilliseconds;

    /// <summary>Events per second with the aggregates maintained: from the first commit until a report read has caught up.</summary>
    public double EventsPerSecond => Events / (AppendWall + CatchUp).TotalSeconds;

    public double AppendOnlyEventsPerSecond => Events / AppendWall.TotalSeconds;
}

/// <summary>
/// Loads the events into a fresh store through <see cref="DuckDbStore.AppendAsync"/>, one commit per batch, as the
/// group-commit writer would: a generator task produces batches ahead (a bounded queue of 4), the loop commits them
/// one after another. Then times the first report read, which waits for the aggregates to include every commit.
/// </summary>
internal static class LoadPhase
{
    public static async Task<LoadResult> RunAsync(string dataDirectory, Organisation organisation, long target, int batchSize, long reportCompany,
        IReadOnlyList<string> duckDbSettings, CancellationToken cancellationToken, BenchPostgres? postgres = null, string? database = null)
    {
        ITallyStore store = database is null ? DuckDbStore.Open(dataDirectory) : PostgresStore.Open(database);
        TimeSpan disposeTime;
        LoadResult result;
        try
        {
            await store.MigrateAsync(cancellationToken);
            if (duckDbSettings.Count > 0 && database is null)
            {
                // DuckDB.NET shares one database instance per file within a process: a global setting made through a
                // second connection applies to the store's connections too.
                using var side = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), DuckDbStore.FileName)}");
                side.Open();
                foreach (var setting in duckDbSettings)
                {
                    var (name, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                    using var command = side.CreateCommand();
                    command.CommandText = $"SET GLOBAL {name} = '{value}'";
                    command.ExecuteNonQuery();
                    command.CommandText = $"SELECT current_setting('{name}')";
                    Console.WriteLine($"        DuckDB setting {name} = {command.ExecuteScalar()}");
                }
            }
            var now = DateTime.UtcNow;
            foreach (var company in Organisation.Companies)
            {
                await store.UpsertCompanyAsync(company.Id, new CompanyChange(company.Name, company.TimeZone), now, cancellationToken);
            }

            var queue = Channel.CreateBounded<PlatformEvent[]>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
            var generatorBusy = TimeSpan.Zero;
            var producer = Task.Run(async () =>
            {
                try
                {
                    var batch = new List<PlatformEvent>(batchSize);
                    var busy = Stopwatch.StartNew();
                    foreach (var e in organisation.Events())
                    {
                        batch.Add(e);
                        if (batch.Count == batchSize)
                        {
                            busy.Stop();
                            await queue.Writer.WriteAsync([.. batch], cancellationToken);
                            busy.Start();
                            batch.Clear();
                        }
                    }

                    if (batch.Count > 0)
                    {
                        await queue.Writer.WriteAsync([.. batch], cancellationToken);
                    }

                    busy.Stop();
                    generatorBusy = busy.Elapsed;
                    queue.Writer.Complete();
                }
                catch (Exception exception)
                {
                    queue.Writer.Complete(exception);
                    throw;
                }
            }, cancellationToken);

            // Let the generator fill the queue before the clock starts.
            while (queue.Reader.Count < 4 && !producer.IsCompleted)
            {
                await Task.Delay(10, cancellationToken);
            }

            var commitMs = new List<double>((int)(target / batchSize) + 1);
            long accepted = 0;
            var nextReport = target / 10;
            if (database is not null)
            {
                await BenchPostgres.ResetStatementsAsync(database);
            }

            var databaseCpuBefore = postgres?.ServerCpuSeconds();
            var cpuBefore = ProcessCpu();
            var machineBefore = MachineSample.Read();
            var wall = Stopwatch.StartNew();
            await foreach (var batch in queue.Reader.ReadAllAsync(cancellationToken))
            {
                var started = Stopwatch.GetTimestamp();
                var results = await store.AppendAsync(new IngestionCommit([batch], new Dictionary<long, int>(), DateTime.UtcNow), cancellationToken);
                commitMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (results[0].Accepted != batch.Length)
                {
                    throw new BenchmarkFailedException($"A commit of {batch.Length} new events accepted {results[0].Accepted} and called {results[0].Duplicates} duplicates.");
                }

                accepted += batch.Length;
                if (accepted >= nextReport)
                {
                    Console.WriteLine(F($"        ... {accepted:N0} events committed, {wall.Elapsed.TotalSeconds:N0} s, {accepted / wall.Elapsed.TotalSeconds:N0} events/s"));
                    nextReport += target / 10;
                }
            }

            await producer;
            var appendWall = wall.Elapsed;

            // A report read first brings the aggregates up to the last commit (read your writes).
            var catchUp = Stopwatch.StartNew();
            var (first, last) = (organisation.FirstDay, organisation.LastDay);
            var days = await store.ReadDayTotalsAsync(reportCompany, new DayRange(first, last), cancellationToken);
            var catchUpTime = catchUp.Elapsed;
            var cores = (ProcessCpu() - cpuBefore).TotalSeconds / wall.Elapsed.TotalSeconds;
            var databaseCores = postgres?.ServerCpuSeconds() - databaseCpuBefore is { } seconds ? seconds / wall.Elapsed.TotalSeconds : (double?)null;
            var statements = database is null ? null : await BenchPostgres.TopStatementsAsync(database, 15, wall.Elapsed.TotalMilliseconds);
            var machine = MachineSample.Between(machineBefore, MachineSample.Read());
            if (days.Count == 0)
            {
                throw new BenchmarkFailedException("After the load, the day totals of the report company are empty.");
            }

            if (accepted != target)
            {
                throw new BenchmarkFailedException(F($"Generated {accepted:N0} events, expected {target:N0}."));
            }

            result = new LoadResult(accepted, organisation.LateEvents, organisation.MembersTotal, organisation.CountsByType, appendWall, catchUpTime,
                TimeSpan.Zero, generatorBusy, cores, [.. commitMs], 0, ProcStatus("VmHWM"), machine?.Busy, machine?.IoWait, databaseCores, statements);
        }
        finally
        {
            var disposing = Stopwatch.StartNew();
            await store.DisposeAsync();
            disposeTime = disposing.Elapsed;
        }

        return result with { Dispose = disposeTime, DatabaseBytes = database is null ? DirectorySize(dataDirectory) : await BenchPostgres.DatabaseSizeAsync(database) };
    }
}
