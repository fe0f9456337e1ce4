using System.Globalization;
using DuckDB.NET.Data;
using Tally.Benchmarking;
using Tally.Storage.DuckDb;

namespace Tally.Benchmarks;

/// <summary>
/// The ceiling: the same events appended straight into a fresh store's <c>events</c> table with DuckDB's
/// Appender, one transaction per chunk (about what the server's group commit gathers), no HTTP, no JSON,
/// no validation, no idempotency check beyond the table's primary key, no documents table.
/// </summary>
internal static class CeilingBenchmark
{
    public static async Task<PhaseResult> RunAsync(Workload workload, int warmupBatches, int chunkSize)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "tally-bench-ceiling-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The store's own migrations, so the table (and its primary key) is exactly the server's.
            var store = DuckDbStore.Open(dataDirectory);
            await using (store.ConfigureAwait(false))
            {
                await store.MigrateAsync(CancellationToken.None);
            }

            using var connection = new DuckDBConnection($"Data Source={Path.Combine(dataDirectory, DuckDbStore.FileName)}");
            connection.Open();
            var receivedAt = DateTime.UtcNow;
            var warmup = workload.Batches.Take(warmupBatches).SelectMany(b => b).ToArray();
            var measured = workload.Batches.Skip(warmupBatches).SelectMany(b => b).ToArray();

            Append(connection, warmup, chunkSize, receivedAt);
            var meter = PhaseResult.Start();
            Append(connection, measured, chunkSize, receivedAt);
            var result = meter.Stop(measured.Length);

            using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM events";
            var rows = Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (rows != warmup.Length + measured.Length)
            {
                throw new BenchmarkFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"Ceiling: the events table holds {rows:N0} rows, {warmup.Length + measured.Length:N0} were appended."));
            }

            return result;
        }
        finally
        {
            ScratchFolders.TryDelete(dataDirectory);
        }
    }

    private static void Append(DuckDBConnection connection, BenchEvent[] events, int chunkSize, DateTime receivedAt)
    {
        for (var start = 0; start < events.Length; start += chunkSize)
        {
            var end = Math.Min(start + chunkSize, events.Length);
            using var transaction = connection.BeginTransaction();
            using (var appender = connection.CreateAppender("events"))
            {
                for (var i = start; i < end; i++)
                {
                    var e = events[i];
                    appender.CreateRow()
                        .AppendValue(e.CompanyId)
                        .AppendValue(e.Id)
                        .AppendValue(e.Type)
                        .AppendValue(e.TimestampUtc)
                        .AppendValue(e.UserId)
                        .AppendValue(e.Mode)
                        .AppendValue(e.SessionId)
                        .AppendValue(e.ResponseId)
                        .AppendValue(e.Model)
                        .AppendValue(e.LatencyMs)
                        .AppendValue(e.InputTokens)
                        .AppendValue(e.OutputTokens)
                        .AppendValue(e.ToolName)
                        .AppendValue(e.ToolType)
                        .AppendValue(e.Status)
                        .AppendValue(e.DurationMs)
                        .AppendValue(e.Kind)
                        .AppendValue(e.UserName)
                        .AppendValue(e.Email)
                        .AppendValue(e.Ip)
                        .AppendValue(e.UserAgent)
                        .AppendValue(e.AuthMethod)
                        .AppendValue(receivedAt)
                        .AppendValue(DateOnly.FromDateTime(e.TimestampUtc))
                        .AppendValue(0)
                        .AppendValue((long)(start / chunkSize) + 1)
                        .AppendValue(EventKey.Of(e.CompanyId, e.Id))
                        .EndRow();
                }
            }

            transaction.Commit();
        }
    }
}
