using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage;

/// <summary>
/// Everything Tally keeps, in report-shaped operations. Each engine (embedded DuckDB, a server database)
/// implements it whole and passes the one contract suite in tests/Tally.Storage.Tests. Engines own their
/// durability and their way of making appends idempotent; callers never see SQL.
/// </summary>
public interface ITallyStore : IEventStore, IReportStore, ICompanyStore, IApiKeyStore, IPriceStore, IModelReportStore, IStoreTransfer, IStoreGauges, IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema to this version of Tally. Safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Recomputes the aggregates of one company (or all) from the stored events.</summary>
    Task RebuildAggregatesAsync(long? companyId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="exception"/>, thrown by this store, means that it cannot be reached now (a database
    /// server down or restarting): an outage to retry later, not a fault. Opening a connection is not the only place
    /// an outage shows: a pooled connection that broke while idle fails inside its next command.
    /// </summary>
    bool IsOutage(Exception exception) => exception is StoreUnavailableException;
}

public interface IEventStore
{
    /// <summary>
    /// Stores the batches of one commit atomically and durably: when the task completes, every accepted event
    /// survives a crash; when it fails, nothing of the commit is stored. An event whose (company, id) is
    /// already stored, or comes earlier in the commit, is a duplicate and changes nothing.
    /// Companies the events name are created. Returns one result per batch, in order.
    /// </summary>
    Task<IReadOnlyList<AppendResult>> AppendAsync(IngestionCommit commit, CancellationToken cancellationToken);

    /// <summary>Per company (all, or the one given): stored events by type, duplicates, rejections, last accepted request.</summary>
    Task<IReadOnlyList<IngestionStats>> GetIngestionStatsAsync(long? companyId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of a company's stored events on its local <paramref name="days"/>, as they were validated, ordered by
    /// timestamp then id (ordinal), starting after <paramref name="after"/>; at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<PlatformEvent>> ReadEventsAsync(long companyId, DayRange days, EventPosition? after, int limit, CancellationToken cancellationToken);
}

/// <summary>Where a page of events ended: the last event's timestamp and id.</summary>
public sealed record EventPosition(DateTime Timestamp, string EventId);

public interface ICompanyStore
{
    Task<Company?> FindCompanyAsync(long id, CancellationToken cancellationToken);

    /// <summary>Every company, by id.</summary>
    Task<IReadOnlyList<Company>> ListCompaniesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates the company (with defaults for what the change leaves out) or applies the change. A new time zone
    /// applies to the company's whole history: its aggregates are recomputed before this returns.
    /// </summary>
    Task<(Company Company, bool Created)> UpsertCompanyAsync(long id, CompanyChange change, DateTime now, CancellationToken cancellationToken);
}

public interface IApiKeyStore
{
    /// <summary>Stores a new key (creating its company if it names one that does not exist yet).</summary>
    Task<ApiKey> CreateApiKeyAsync(NewApiKey key, CancellationToken cancellationToken);

    /// <summary>The key whose secret hashes to this, revoked or not; null when none.</summary>
    Task<(ApiKey Key, byte[] SecretHash)?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken);

    /// <summary>Every key ever issued, by id, revoked ones included.</summary>
    Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>Revokes a key (keeping the first revocation time); false when no such key was ever issued.</summary>
    Task<bool> RevokeApiKeyAsync(long id, DateTime now, CancellationToken cancellationToken);

    /// <summary>Records when keys were last used; times older than the stored ones are ignored.</summary>
    Task RecordApiKeyUseAsync(IReadOnlyDictionary<long, DateTime> lastUsed, CancellationToken cancellationToken);

    Task<bool> HasActiveInstanceAdminKeyAsync(CancellationToken cancellationToken);
}
