using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Tally.Benchmarking;
using Tally.Storage.Postgres;

namespace Tally.Benchmarks;

/// <summary>
/// The PostgreSQL ceiling: the same events written by binary COPY into a bare table with the columns of the store's
/// <c>events</c> table (<c>LIKE events</c>: no partitions, no index, no key), one transaction per chunk, on one
/// connection, with the server's durability settings. No HTTP, no JSON, no idempotency ledger, no documents, no
/// aggregates: what the database alone can take in.
/// </summary>
internal static class PostgresCeilingBenchmark
{
    private const string Columns = "company_id, event_id, type, ts, user_id, mode, session_id, response_id, model, latency_ms, input_tokens, output_tokens, tool_name, tool_type, status, duration_ms, kind, user_name, email, ip, user_agent, auth_method, received_at, day, document_count";

    public static async Task<PhaseResult> RunAsync(Workload workload, int warmupBatches, int chunkSize, BenchPostgres postgres)
    {
        var database = await postgres.CreateDatabaseAsync("ceiling");
        try
        {
            // The store's own migrations, so the columns are exactly the server's.
            var store = PostgresStore.Open(database);
            await using (store.ConfigureAwait(false))
            {
                await store.MigrateAsync(CancellationToken.None);
            }

            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using (var create = new NpgsqlCommand("CREATE TABLE bare_events (LIKE events)", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            var receivedAt = DateTime.UtcNow;
            var warmup = workload.Batches.Take(warmupBatches).SelectMany(b => b).ToArray();
            var measured = workload.Batches.Skip(warmupBatches).SelectMany(b => b).ToArray();
            await CopyAsync(connection, warmup, chunkSize, receivedAt);
            var meter = PhaseResult.Start();
            await CopyAsync(connection, measured, chunkSize, receivedAt);
            var result = meter.Stop(measured.Length);

            await using var count = new NpgsqlCommand("SELECT count(*) FROM bare_events", connection);
            var rows = Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            if (rows != warmup.Length + measured.Length)
            {
                throw new BenchmarkFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"Ceiling: bare_events holds {rows:N0} rows, {warmup.Length + measured.Length:N0} were copied."));
            }

            return result;
        }
        finally
        {
            await postgres.DropDatabaseAsync(database);
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, BenchEvent[] events, int chunkSize, DateTime receivedAt)
    {
        for (var start = 0; start < events.Length; start += chunkSize)
        {
            var end = Math.Min(start + chunkSize, events.Length);
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var writer = await connection.BeginBinaryImportAsync($"COPY bare_events ({Columns}) FROM STDIN (FORMAT BINARY)"))
            {
                for (var i = start; i < end; i++)
                {
                    var e = events[i];
                    await writer.StartRowAsync();
                    await writer.WriteAsync(e.CompanyId, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(e.Id, NpgsqlDbType.Text);
                    await writer.WriteAsync(e.Type, NpgsqlDbType.Text);
                    await writer.WriteAsync(e.TimestampUtc, NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(e.UserId, NpgsqlDbType.Bigint);
                    await Text(writer, e.Mode);
                    await Text(writer, e.SessionId);
                    await Text(writer, e.ResponseId);
                    await Text(writer, e.Model);
                    await Long(writer, e.LatencyMs);
                    await Long(writer, e.InputTokens);
                    await Long(writer, e.OutputTokens);
                    await Text(writer, e.ToolName);
                    await Text(writer, e.ToolType);
                    await Text(writer, e.Status);
                    await Long(writer, e.DurationMs);
                    await Text(writer, e.Kind);
                    await Text(writer, e.UserName);
                    await Text(writer, e.Email);
                    await Text(writer, e.Ip);
                    await Text(writer, e.UserAgent);
                    await Text(writer, e.AuthMethod);
                    await writer.WriteAsync(receivedAt, NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(DateOnly.FromDateTime(e.TimestampUtc), NpgsqlDbType.Date);
                    await writer.WriteAsync(e.Documents.Count, NpgsqlDbType.Integer);
                }

                await writer.CompleteAsync();
            }

            await transaction.CommitAsync();
        }
    }

    private static Task Text(NpgsqlBinaryImporter writer, string? value) =>
        value is null ? writer.WriteNullAsync() : writer.WriteAsync(value, NpgsqlDbType.Text);

    private static Task Long(NpgsqlBinaryImporter writer, long? value) =>
        value is { } v ? writer.WriteAsync(v, NpgsqlDbType.Bigint) : writer.WriteNullAsync();
}
