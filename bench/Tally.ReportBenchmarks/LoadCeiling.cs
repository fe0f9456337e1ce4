using System.Diagnostics;
using System.Threading.Channels;
using DuckDB.NET.Data;
using Tally.Companies;
using Tally.Events;
using Tally.Storage.DuckDb;
using static Tally.ReportBenchmarks.Measure;

namespace Tally.ReportBenchmarks;

internal sealed record CeilingResult(string Name, long Events, TimeSpan Wall, double[] CommitMs, double CoresBusy)
{
    public double EventsPerSecond => Events / Wall.TotalSeconds;
}

/// <summary>
/// Diagnostic (--load-ceiling): the same events appended with DuckDB's Appender straight into the events table the
/// store's migrations create, one transaction per batch, with no aggregation, no key filter, no bookkeeping; once
/// with the table's index of event keys (key_hash) and once into a copy without it. Against the store's
/// figure, this tells how much of the load time is the key index and how much the rest of the write path.
/// </summary>
internal static class LoadCeiling
{
    public static async Task<CeilingResult> RunAsync(string dataDirectory, Organisation organisation, int batchSize, bool keyIndex, CancellationToken cancellationToken)
    {
        var store = DuckDbStore.Open(dataDirectory);
        try
        {
            await store.MigrateAsync(cancellationToken);
            foreach (var company in Organisation.Companies)
            {
                await store.UpsertCompanyAsync(company.Id, new CompanyChange(company.Name, company.TimeZone), DateTime.UtcNow, cancellationToken);
            }
        }
        finally
        {
            await store.DisposeAsync();
        }

        using var connection = new DuckDBConnection($"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), DuckDbStore.FileName)}");
        connection.Open();
        var table = "events";
        if (!keyIndex)
        {
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE events_without_key AS SELECT * FROM events LIMIT 0";
            create.ExecuteNonQuery();
            table = "events_without_key";
        }

        var zones = Organisation.Companies.ToDictionary(c => c.Id, c => TimeZoneInfo.FindSystemTimeZoneById(c.TimeZone));
        var queue = Channel.CreateBounded<PlatformEvent[]>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var chunk in organisation.Events().Chunk(batchSize))
                {
                    await queue.Writer.WriteAsync(chunk, cancellationToken);
                }

                queue.Writer.Complete();
            }
            catch (Exception exception)
            {
                queue.Writer.Complete(exception);
                throw;
            }
        }, cancellationToken);

        while (queue.Reader.Count < 4 && !producer.IsCompleted)
        {
            await Task.Delay(10, cancellationToken);
        }

        var commitMs = new List<double>();
        long events = 0, commit = 0;
        var cpu = ProcessCpu();
        var wall = Stopwatch.StartNew();
        await foreach (var batch in queue.Reader.ReadAllAsync(cancellationToken))
        {
            var started = Stopwatch.GetTimestamp();
            commit++;
            var receivedAt = DateTime.UtcNow;
            using (var transaction = connection.BeginTransaction())
            {
                using (var appender = connection.CreateAppender(table))
                {
                    foreach (var e in batch)
                    {
                        appender.CreateRow()
                            .AppendValue(e.CompanyId).AppendValue(e.Id).AppendValue(WireNames.Of(e.Type)).AppendValue(e.Timestamp).AppendValue(e.UserId)
                            .AppendValue(e.SessionId is null ? null : WireNames.Of(e.Mode)).AppendValue(e.SessionId).AppendValue(e.ResponseId).AppendValue(e.Model)
                            .AppendValue(e.LatencyMs).AppendValue(e.InputTokens).AppendValue(e.OutputTokens).AppendValue(e.ToolName)
                            .AppendValue(e.ToolType is { } toolType ? WireNames.Of(toolType) : null)
                            .AppendValue(e.ToolStatus is { } status ? WireNames.Of(status) : null)
                            .AppendValue(e.DurationMs).AppendValue(e.FeedbackKind is { } kind ? WireNames.Of(kind) : null)
                            .AppendValue(e.UserName).AppendValue(e.Email).AppendValue(e.Ip).AppendValue(e.UserAgent).AppendValue(e.AuthMethod)
                            .AppendValue(receivedAt)
                            .AppendValue(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, zones[e.CompanyId])))
                            .AppendValue(e.Documents.Count).AppendValue(commit).AppendValue(EventKey.Of(e.CompanyId, e.Id))
                            .EndRow();
                    }
                }

                using (var documents = connection.CreateAppender("event_documents"))
                {
                    foreach (var e in batch)
                    {
                        for (var position = 0; position < e.Documents.Count; position++)
                        {
                            var d = e.Documents[position];
                            documents.CreateRow().AppendValue(e.CompanyId).AppendValue(e.Id).AppendValue(position).AppendValue(d.Id)
                                .AppendValue(d.Filename).AppendValue(d.Title).AppendValue(commit).EndRow();
                        }
                    }
                }

                transaction.Commit();
            }

            events += batch.Length;
            commitMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        await producer;
        var elapsed = wall.Elapsed;
        return new CeilingResult(keyIndex ? "Appender, with the key index" : "Appender, without the key index", events, elapsed, [.. commitMs],
            (ProcessCpu() - cpu).TotalSeconds / elapsed.TotalSeconds);
    }
}
