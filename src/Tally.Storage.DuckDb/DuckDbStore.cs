using System.Runtime.CompilerServices;
using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;
using Tally.Prices;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The embedded store: one DuckDB file, which only this process can open, so this store is the only writer and may
/// keep in memory what only its own writes change. A facade over collaborators that each own their state:
/// <list type="bullet">
/// <item><see cref="EventWriter"/>: the write connection and its lock, the stored event keys, the commit sequence; every write.</item>
/// <item><see cref="Aggregator"/>: the aggregation connection and its lock, the watermark, the counters and newest connections that batches write.</item>
/// <item><see cref="CompanyDirectory"/> and <see cref="ApiKeyDirectory"/>: the companies and the found keys, in memory.</item>
/// <item><see cref="ReportReader"/>, <see cref="ActivityReader"/>, <see cref="ConnectionReader"/>, <see cref="RatingReader"/>: the report reads, each on a connection of its own.</item>
/// </list>
/// A write that needs the aggregates caught up takes the write lock, then the aggregation lock, in
/// <see cref="EventWriter.WriteCaughtUpAsync{T}"/> only.
/// </summary>
public sealed class DuckDbStore : ITallyStore, IStoreSnapshots
{
    public const string FileName = "tally.duckdb";

    private readonly StoreFile _file;
    private readonly CompanyDirectory _companies = new();
    private readonly Aggregator _aggregator;
    private readonly EventWriter _writer;
    private readonly ApiKeyDirectory _keys;
    private readonly ReportReader _reports;
    private readonly PeriodReader _periods;
    private readonly ActivityReader _activity;
    private readonly ConnectionReader _connections;
    private readonly RatingReader _ratings;
    private readonly PriceTable _prices;
    private readonly ModelReader _models;

    private DuckDbStore(StoreFile file, Func<long, string, long> eventKey, int connectionsKept)
    {
        _file = file;
        var writer = file.OpenFirst(eventKey);
        _aggregator = new Aggregator(file, connectionsKept);
        _writer = new EventWriter(writer, eventKey, _companies, _aggregator);
        _keys = new ApiKeyDirectory(file, _writer, _companies);
        _reports = new ReportReader(_aggregator);
        _periods = new PeriodReader(_aggregator);
        _activity = new ActivityReader(_aggregator);
        _connections = new ConnectionReader(file, _aggregator);
        _ratings = new RatingReader(_aggregator);
        _prices = new PriceTable(file, _writer);
        _models = new ModelReader(_aggregator);
    }

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/>.</summary>
    public static DuckDbStore Open(string dataDirectory) => Open(dataDirectory, EventKey.Of);

    /// <summary>
    /// Opens the store with a stand-in for the event key function (tests make keys collide with it) and the
    /// number of connections kept in memory per company (tests keep few, to page past them).
    /// </summary>
    internal static DuckDbStore Open(string dataDirectory, Func<long, string, long> eventKey, int connectionsKept = NewestConnections.DefaultCapacity) =>
        new(StoreFile.In(dataDirectory), eventKey, connectionsKept);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _writer.WriteAsync(writer =>
        {
            var applied = Migrations.Apply(writer, _file.Path);
            StoreSnapshot.RemoveLeftovers(_file);
            // The write path's scratch tables, which a rebuild uses too.
            Migrations.CreateScratchTables(writer);
            _companies.Load(writer);
            if (applied < 2 && Scalar(writer, "SELECT 1 FROM events LIMIT 1") is not null)
            {
                // Events stored before the aggregates existed: compute their days and the aggregates once.
                _companies.RebuildAggregates(writer, null);
            }

            return applied;
        }, cancellationToken);
        await _aggregator.ResumeAsync(await _writer.ResumeAsync(cancellationToken), cancellationToken);
    }

    public Task RebuildAggregatesAsync(long? companyId, CancellationToken cancellationToken) =>
        _writer.WriteCaughtUpAsync(writer => _companies.RebuildAggregates(writer, companyId), cancellationToken);

    // Events

    public Task<IReadOnlyList<AppendResult>> AppendAsync(IngestionCommit commit, CancellationToken cancellationToken) =>
        _writer.AppendAsync(commit, cancellationToken);

    public Task<IReadOnlyList<IngestionStats>> GetIngestionStatsAsync(long? companyId, CancellationToken cancellationToken) =>
        _reports.ReadIngestionStatsAsync(companyId, cancellationToken);

    public async Task<IReadOnlyList<PlatformEvent>> ReadEventsAsync(long companyId, DayRange days, EventPosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        var position = after is null ? "" : "AND (ts > $4 OR (ts = $4 AND event_id > $5))";
        object?[] parameters = after is null ? [companyId, days.First, days.Last] : [companyId, days.First, days.Last, after.Timestamp, after.EventId];
        // The page of events first, then their documents: a limit on the joined rows would cut an event's documents.
        using var command = Command(connection, $"""
            SELECT {StoredCommits.Columns}
            FROM (
                SELECT * FROM events WHERE company_id = $1 AND day BETWEEN $2 AND $3 {position}
                ORDER BY ts, event_id LIMIT {Literal(limit)}
            ) e LEFT JOIN event_documents d ON d.company_id = e.company_id AND d.event_id = e.event_id
            ORDER BY e.ts, e.event_id, d.position
            """, parameters);
        using var reader = command.ExecuteReader();
        return await StoredCommits.ReadEventsAsync(reader, cancellationToken);
    }

    // Reports

    public Task<IReadOnlyList<DayTotals>> ReadDayTotalsAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        _reports.ReadDayTotalsAsync(companyId, days, cancellationToken);

    public Task<IReadOnlyList<ToolDay>> ReadToolDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        _reports.ReadToolDaysAsync(companyId, days, cancellationToken);

    public Task<DocumentUsage> ReadDocumentUsageAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        _reports.ReadDocumentUsageAsync(companyId, days, cancellationToken);

    public Task<IReadOnlyList<ModeDistincts>> ReadModeDistinctsAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken) =>
        _periods.ReadModeDistinctsAsync(companyId, periods, cancellationToken);

    public Task<IReadOnlyList<ToolUsers>> ReadToolUsersAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken) =>
        _periods.ReadToolUsersAsync(companyId, periods, cancellationToken);

    public Task<IReadOnlyList<DocumentPeriod>> ReadDocumentPeriodsAsync(long companyId, IReadOnlyList<DayRange> periods, int limit, CancellationToken cancellationToken) =>
        _periods.ReadDocumentPeriodsAsync(companyId, periods, limit, cancellationToken);

    public Task<RatingDays> ReadRatingDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        _ratings.ReadRatingDaysAsync(companyId, days, cancellationToken);

    public Task<MemberHistory> ReadMemberHistoryAsync(long companyId, DateOnly asOf, CancellationToken cancellationToken) =>
        _reports.ReadMemberHistoryAsync(companyId, asOf, cancellationToken);

    public Task<ActivityHistory> ReadActivityHistoryAsync(long companyId, DayRange days, long? userId, CancellationToken cancellationToken) =>
        _activity.ReadActivityHistoryAsync(companyId, days, userId, cancellationToken);

    public Task<IReadOnlyList<ConnectionRow>> ReadConnectionsAsync(long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit, CancellationToken cancellationToken) =>
        _connections.ReadConnectionsAsync(companyId, days, userId, after, limit, cancellationToken);

    // Companies

    public Task<Company?> FindCompanyAsync(long id, CancellationToken cancellationToken) => Task.FromResult(_companies.Find(id));

    public Task<IReadOnlyList<Company>> ListCompaniesAsync(CancellationToken cancellationToken) => Task.FromResult(_companies.List());

    public Task<(Company Company, bool Created)> UpsertCompanyAsync(long id, CompanyChange change, DateTime now, CancellationToken cancellationToken) =>
        // A time-zone change rebuilds from every stored event; its connections then fall on other days.
        _writer.WriteCaughtUpAsync(writer => _companies.Upsert(writer, id, change, now, rebuilt: _aggregator.ForgetNewestConnections), cancellationToken);

    // API keys

    public Task<ApiKey> CreateApiKeyAsync(NewApiKey key, CancellationToken cancellationToken) => _keys.CreateAsync(key, cancellationToken);

    public Task<(ApiKey Key, byte[] SecretHash)?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken) => _keys.FindAsync(secretHash, cancellationToken);

    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken) => _keys.ListAsync(cancellationToken);

    public Task<bool> RevokeApiKeyAsync(long id, DateTime now, CancellationToken cancellationToken) => _keys.RevokeAsync(id, now, cancellationToken);

    public Task RecordApiKeyUseAsync(IReadOnlyDictionary<long, DateTime> lastUsed, CancellationToken cancellationToken) => _keys.RecordUseAsync(lastUsed, cancellationToken);

    public Task<bool> HasActiveInstanceAdminKeyAsync(CancellationToken cancellationToken) => _keys.HasActiveInstanceAdminAsync(cancellationToken);

    public Task<ModelUsage> ReadModelUsageAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken) =>
        _models.ReadModelUsageAsync(companyId, periods, cancellationToken);

    public Task<IReadOnlyList<UserModelTokens>> ReadUserModelTokensAsync(
        long companyId, DayRange days, IReadOnlyList<DateOnly> stretchStarts, long? userId, CancellationToken cancellationToken) =>
        _models.ReadUserModelTokensAsync(companyId, days, stretchStarts, userId, cancellationToken);

    // Model prices

    public Task<IReadOnlyList<ModelPrice>> ReadPricesAsync(CancellationToken cancellationToken) => _prices.ReadAsync(cancellationToken);

    public Task<PriceWrite> UpsertPriceAsync(ModelPrice price, CancellationToken cancellationToken) => _prices.UpsertAsync(price, cancellationToken);

    public Task<bool> DeletePriceAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken) =>
        _prices.DeleteAsync(model, effectiveFrom, cancellationToken);

    // Moving a whole store onto another engine (StoreCopier)

    public Task<bool> IsEmptyAsync(CancellationToken cancellationToken) =>
        _file.ReadAsync(connection => Scalar(connection, """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM companies) OR EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM events)
                OR EXISTS (SELECT 1 FROM model_prices)
            """) is null, cancellationToken);

    public async IAsyncEnumerable<IngestionCommit> ReadCommitsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        // Commit order, then the order the commit appended its events (rowid); events stored before commits were
        // numbered (seq NULL) come first, as they came first.
        using var command = Command(connection, $"""
            SELECT {StoredCommits.Columns}
            FROM events e LEFT JOIN event_documents d ON d.company_id = e.company_id AND d.event_id = e.event_id
            ORDER BY e.seq NULLS FIRST, e.rowid, d.position
            """);
        // Streamed chunk by chunk: a store's events need not fit in memory.
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        await foreach (var commit in StoredCommits.ReadAsync(reader, cancellationToken))
        {
            yield return commit;
        }
    }

    public Task<IReadOnlyList<(ApiKey Key, byte[] SecretHash)>> ReadApiKeysAsync(CancellationToken cancellationToken) => _keys.ReadAllAsync(cancellationToken);

    public Task ImportApiKeysAsync(IReadOnlyList<(ApiKey Key, byte[] SecretHash)> keys, CancellationToken cancellationToken) => _keys.ImportAsync(keys, cancellationToken);

    public Task ImportIngestionTotalsAsync(IReadOnlyList<IngestionStats> stats, CancellationToken cancellationToken) =>
        // Counters of the commits not yet aggregated are added when they are: they go in first, then are replaced.
        _writer.WriteCaughtUpAsync(writer =>
        {
            using var transaction = writer.BeginTransaction();
            foreach (var company in stats)
            {
                Execute(writer, """
                    INSERT INTO ingestion_totals SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM companies WHERE id = $1)
                    ON CONFLICT DO UPDATE SET duplicates = excluded.duplicates, rejected_requests = excluded.rejected_requests,
                        last_accepted_at = excluded.last_accepted_at
                    """, company.CompanyId, company.DuplicatesReceived, company.RequestsRejected, company.LastAcceptedRequestAt);
            }

            transaction.Commit();
        }, cancellationToken);

    // Gauges

    public long AggregationLag => _aggregator.Lag;

    /// <summary>The file's length (its write-ahead log, at most the checkpoint threshold, is not counted).</summary>
    public long? MeasureSize() => new FileInfo(_file.Path) is { Exists: true } file ? file.Length : null;

    // Backups

    /// <summary>
    /// The store copied as it was between two commits: the copy's transaction starts with the write and aggregation
    /// locks held (the aggregates caught up, no commit half-way), then DuckDB copies that snapshot on a connection of
    /// its own while ingestion goes on. See <see cref="StoreSnapshot"/>.
    /// </summary>
    public async Task<Stream> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        var snapshot = StoreSnapshot.Attach(connection, _file);
        try
        {
            await _writer.WriteCaughtUpAsync(_ => snapshot.Pin(), cancellationToken);
        }
        catch
        {
            snapshot.Abandon();
            throw;
        }

        return await Task.Run(snapshot.Write, CancellationToken.None);
    }

    /// <summary>
    /// A snapshot of the store in <paramref name="dataDirectory"/> while no process serves it: the file is opened (which
    /// takes DuckDB's lock, so that no server starts on it meanwhile; one that holds it is refused with
    /// <see cref="StoreUnavailableException"/>), never migrated nor written.
    /// </summary>
    public static Stream OpenSnapshotOfUnservedStore(string dataDirectory)
    {
        var file = new StoreFile(Path.Combine(Path.GetFullPath(dataDirectory), FileName));
        using var connection = file.OpenFirst(EventKey.Of);
        var snapshot = StoreSnapshot.Attach(connection, file);
        snapshot.Pin();
        return snapshot.Write();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _writer.CheckpointAsync();
        }
        finally
        {
            await _aggregator.DisposeAsync();
            await _writer.DisposeAsync();
        }
    }
}
