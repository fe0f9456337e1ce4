using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.Postgres;

/// <summary>
/// The write path. One transaction per commit: lock the commit's companies, copy its events into a temporary table
/// (binary COPY), insert their keys into the ledger (the keys that conflict are duplicates, whichever server stored
/// them), store the new events and bring the aggregates up to date from them.
/// </summary>
public sealed partial class PostgresStore
{
    // Appends come one commit at a time from the process's group-commit writer; this connection keeps their temporary
    // tables, so they are created once per connection, not once per commit.
    private readonly SemaphoreSlim _writerLock = new(1, 1);
    private NpgsqlConnection? _writer;

    // Months whose event partitions exist. Tally never drops one itself; an operator who drops a month's partitions
    // while servers run may see a commit with an event of that month fail once, and the next one recreates them.
    private readonly ConcurrentDictionary<DateOnly, bool> _partitions = new();

    private const string IncomingColumns = """
        company_id, event_id, type, ts, user_id, mode, session_id, response_id, model, latency_ms, input_tokens, output_tokens,
        tool_name, tool_type, status, duration_ms, kind, user_name, email, ip, user_agent, auth_method, received_at, day, document_count
        """;

    public async Task<IReadOnlyList<AppendResult>> AppendAsync(IngestionCommit commit, CancellationToken cancellationToken)
    {
        // Duplicates inside the commit are settled here, earliest first; those against stored events by the ledger.
        var firstInCommit = new HashSet<(long, string)>();
        var candidates = new List<PlatformEvent>();
        foreach (var batch in commit.Batches)
        {
            foreach (var e in batch)
            {
                if (firstInCommit.Add((e.CompanyId, e.Id)))
                {
                    candidates.Add(e);
                }
            }
        }

        var eventCompanies = candidates.Select(e => e.CompanyId).Distinct().ToArray();
        await _writerLock.WaitAsync(cancellationToken);
        try
        {
            var writer = await WriterAsync(cancellationToken);
            await EnsurePartitionsAsync(writer, candidates.Select(e => MonthOf(e.Timestamp)), cancellationToken);
            await using var transaction = await writer.BeginTransactionAsync(cancellationToken);
            await LockCompaniesAsync(writer, eventCompanies.Concat(commit.RejectedRequests.Keys), cancellationToken);
            var zones = await CreateCompaniesAsync(writer, eventCompanies, commit.ReceivedAt, cancellationToken);
            await CopyIncomingAsync(writer, candidates, zones, commit.ReceivedAt, cancellationToken);

            // The ledger says which events are new; usually all are, and the others are struck from the incoming
            // table, which is then the source of the events and the aggregates.
            var inserted = new HashSet<(long, string)>();
            await using (var command = Command(writer, """
                INSERT INTO event_keys SELECT company_id, event_id FROM incoming ORDER BY company_id, event_id
                ON CONFLICT DO NOTHING RETURNING company_id, event_id
                """))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    inserted.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            if (inserted.Count < candidates.Count)
            {
                var stored = candidates.Where(e => !inserted.Contains((e.CompanyId, e.Id))).ToList();
                await ExecuteAsync(writer, """
                    DELETE FROM incoming i USING unnest($1::bigint[], $2::text[]) d(company_id, event_id)
                    WHERE i.company_id = d.company_id AND i.event_id = d.event_id
                    """, cancellationToken, stored.Select(e => e.CompanyId).ToArray(), stored.Select(e => e.Id).ToArray());
                await ExecuteAsync(writer, """
                    DELETE FROM incoming_documents i USING unnest($1::bigint[], $2::text[]) d(company_id, event_id)
                    WHERE i.company_id = d.company_id AND i.event_id = d.event_id
                    """, cancellationToken, stored.Select(e => e.CompanyId).ToArray(), stored.Select(e => e.Id).ToArray());
            }

            // The events and every aggregate statement go in one round trip. The temporary tables are not analysed: the
            // planner sizes them from their pages, and the aggregates' plans read the same buffers with or without
            // statistics (benchmarks), so ANALYZE was a twentieth of a commit for nothing.
            await using (var batch = new NpgsqlBatch(writer))
            {
                batch.BatchCommands.Add(new($"INSERT INTO events ({IncomingColumns}) SELECT {IncomingColumns} FROM incoming"));
                batch.BatchCommands.Add(new("INSERT INTO event_documents SELECT * FROM incoming_documents"));
                foreach (var statement in Aggregates.Statements("incoming", "incoming_documents"))
                {
                    batch.BatchCommands.Add(new(statement));
                }

                await batch.ExecuteNonQueryAsync(cancellationToken);
            }

            var totals = new Dictionary<long, CompanyCounters>();
            var results = CommitOutcome.Count(commit, inserted, totals);
            await RecordIngestionCountsAsync(writer, totals, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return results;
        }
        catch
        {
            // A failed statement may leave the connection in an unknown state: the next commit starts on a new one.
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }

            throw;
        }
        finally
        {
            _writerLock.Release();
        }
    }

    private async Task<NpgsqlConnection> WriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            return _writer;
        }

        var writer = await ConnectAsync(cancellationToken);
        await ExecuteAsync(writer, $"""
            CREATE TEMP TABLE incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE incoming_documents (LIKE event_documents) ON COMMIT DELETE ROWS;
            {Aggregates.CreateWorkTables};
            """, cancellationToken);
        _writer = writer;
        return writer;
    }

    /// <summary>Creates the companies the events name (with their defaults) and returns every one's time zone.</summary>
    private static async Task<Dictionary<long, TimeZoneInfo>> CreateCompaniesAsync(NpgsqlConnection connection, long[] companies, DateTime now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, $"""
            INSERT INTO companies SELECT id, 'Company ' || id, '{Company.DefaultTimeZone}', $2 FROM unnest($1::bigint[]) id ORDER BY id
            ON CONFLICT DO NOTHING
            """, cancellationToken, companies, Utc(now));
        var zones = new Dictionary<long, TimeZoneInfo>();
        await using var command = Command(connection, "SELECT id, timezone FROM companies WHERE id = ANY($1)", companies);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            zones[reader.GetInt64(0)] = TimeZoneNames.TryFind(reader.GetString(1), out var zone) ? zone : TimeZoneInfo.Utc;
        }

        return zones;
    }

    /// <summary>
    /// Copies the commit's events into the temporary tables, each with its local day. The zones were read under the
    /// companies' locks, so a time-zone change on another server comes wholly before or after this commit.
    /// </summary>
    private static async Task CopyIncomingAsync(NpgsqlConnection connection, List<PlatformEvent> events, Dictionary<long, TimeZoneInfo> zones, DateTime receivedAt, CancellationToken cancellationToken)
    {
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY incoming ({IncomingColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var e in events)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(e.CompanyId, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(e.Id, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(WireNames.Of(e.Type), NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(Utc(e.Timestamp), NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(e.UserId, NpgsqlDbType.Bigint, cancellationToken);
                await WriteAsync(copy, e.SessionId is null ? null : WireNames.Of(e.Mode), cancellationToken);
                await WriteAsync(copy, e.SessionId, cancellationToken);
                await WriteAsync(copy, e.ResponseId, cancellationToken);
                await WriteAsync(copy, e.Model, cancellationToken);
                await WriteAsync(copy, e.LatencyMs, cancellationToken);
                await WriteAsync(copy, e.InputTokens, cancellationToken);
                await WriteAsync(copy, e.OutputTokens, cancellationToken);
                await WriteAsync(copy, e.ToolName, cancellationToken);
                await WriteAsync(copy, e.ToolType is { } toolType ? WireNames.Of(toolType) : null, cancellationToken);
                await WriteAsync(copy, e.ToolStatus is { } status ? WireNames.Of(status) : null, cancellationToken);
                await WriteAsync(copy, e.DurationMs, cancellationToken);
                await WriteAsync(copy, e.FeedbackKind is { } kind ? WireNames.Of(kind) : null, cancellationToken);
                await WriteAsync(copy, StoredText.Encode(e.UserName), cancellationToken);
                await WriteAsync(copy, StoredText.Encode(e.Email), cancellationToken);
                await WriteAsync(copy, StoredText.Encode(e.Ip), cancellationToken);
                await WriteAsync(copy, StoredText.Encode(e.UserAgent), cancellationToken);
                await WriteAsync(copy, StoredText.Encode(e.AuthMethod), cancellationToken);
                await copy.WriteAsync(Utc(receivedAt), NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Timestamp, zones[e.CompanyId])), NpgsqlDbType.Date, cancellationToken);
                await copy.WriteAsync(e.Documents.Count, NpgsqlDbType.Integer, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY incoming_documents (company_id, event_id, ts, position, document_id, filename, title) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var e in events)
            {
                for (var position = 0; position < e.Documents.Count; position++)
                {
                    var document = e.Documents[position];
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(e.CompanyId, NpgsqlDbType.Bigint, cancellationToken);
                    await copy.WriteAsync(e.Id, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(Utc(e.Timestamp), NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(position, NpgsqlDbType.Integer, cancellationToken);
                    await copy.WriteAsync(document.Id, NpgsqlDbType.Bigint, cancellationToken);
                    await copy.WriteAsync(StoredText.Encode(document.Filename), NpgsqlDbType.Text, cancellationToken);
                    await WriteAsync(copy, StoredText.Encode(document.Title), cancellationToken);
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }
    }

    private static Task WriteAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static Task WriteAsync(NpgsqlBinaryImporter copy, long? value, CancellationToken cancellationToken) =>
        value is { } number ? copy.WriteAsync(number, NpgsqlDbType.Bigint, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    private static DateOnly MonthOf(DateTime instant) => new(instant.Year, instant.Month, 1);

    /// <summary>Creates the monthly partitions of events and their documents that these months lack, in a transaction of their own.</summary>
    private async Task EnsurePartitionsAsync(NpgsqlConnection connection, IEnumerable<DateOnly> months, CancellationToken cancellationToken)
    {
        var missing = months.Distinct().Where(month => !_partitions.ContainsKey(month)).Order().ToList();
        if (missing.Count == 0)
        {
            return;
        }

        // DDL takes a lock on the parent table that ingestion on other servers waits for: kept out of the commit's
        // transaction, serialized between servers, and done once per month.
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({Schema.PartitionLock})", cancellationToken);
            foreach (var month in missing)
            {
                var from = month.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                var to = month.AddMonths(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                var suffix = month.ToString("yyyy_MM", CultureInfo.InvariantCulture);
                await ExecuteAsync(connection, $"""
                    CREATE TABLE IF NOT EXISTS events_{suffix} PARTITION OF events FOR VALUES FROM ('{from} 00:00+00') TO ('{to} 00:00+00');
                    CREATE TABLE IF NOT EXISTS event_documents_{suffix} PARTITION OF event_documents FOR VALUES FROM ('{from} 00:00+00') TO ('{to} 00:00+00');
                    """, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var month in missing)
        {
            _partitions[month] = true;
        }
    }

    private static async Task RecordIngestionCountsAsync(NpgsqlConnection connection, Dictionary<long, CompanyCounters> totals, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, """
            INSERT INTO ingestion_counts AS t SELECT company_id, type, count(*) FROM incoming GROUP BY company_id, type ORDER BY company_id, type
            ON CONFLICT (company_id, type) DO UPDATE SET stored = t.stored + excluded.stored
            """, cancellationToken);
        if (totals.Count == 0)
        {
            return;
        }

        // Rejected requests count only for companies that exist: a rejected request creates nothing.
        var ordered = totals.OrderBy(pair => pair.Key).ToList();
        await ExecuteAsync(connection, """
            INSERT INTO ingestion_totals AS t
            SELECT v.company_id, v.duplicates, v.rejected, v.last_accepted_at
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) v(company_id, duplicates, rejected, last_accepted_at)
            WHERE EXISTS (SELECT 1 FROM companies c WHERE c.id = v.company_id)
            ON CONFLICT (company_id) DO UPDATE SET
                duplicates = t.duplicates + excluded.duplicates,
                rejected_requests = t.rejected_requests + excluded.rejected_requests,
                last_accepted_at = greatest(t.last_accepted_at, excluded.last_accepted_at)
            """, cancellationToken,
            ordered.Select(p => p.Key).ToArray(), ordered.Select(p => p.Value.Duplicates).ToArray(), ordered.Select(p => p.Value.Rejected).ToArray(),
            ordered.Select(p => p.Value.LastAccepted is { } last ? (DateTime?)Utc(last) : null).ToArray());
    }

    public async Task<IReadOnlyList<IngestionStats>> GetIngestionStatsAsync(long? companyId, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var byCompany = new SortedDictionary<long, (Dictionary<string, long> Stored, long Duplicates, long Rejected, DateTime? Last)>();
        await using (var command = Command(connection, """
            SELECT c.id, t.duplicates, t.rejected_requests, t.last_accepted_at
            FROM companies c LEFT JOIN ingestion_totals t ON t.company_id = c.id WHERE $1::bigint IS NULL OR c.id = $1 ORDER BY c.id
            """, companyId))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var stored = WireNames.AllEventTypes.ToDictionary(WireNames.Of, _ => 0L, StringComparer.Ordinal);
                byCompany[reader.GetInt64(0)] = (stored, reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetDateTime(3));
            }
        }

        await using (var command = Command(connection, "SELECT company_id, type, stored FROM ingestion_counts WHERE $1::bigint IS NULL OR company_id = $1", companyId))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (byCompany.TryGetValue(reader.GetInt64(0), out var row))
                {
                    row.Stored[reader.GetString(1)] = reader.GetInt64(2);
                }
            }
        }

        return byCompany.Select(p => new IngestionStats(p.Key, p.Value.Stored, p.Value.Duplicates, p.Value.Rejected, p.Value.Last)).ToList();
    }
}
