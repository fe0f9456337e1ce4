using DuckDB.NET.Data;
using Tally.Companies;

namespace Tally.Storage.DuckDb;

public sealed partial class DuckDbStore
{
    public Task<Company?> FindCompanyAsync(long id, CancellationToken cancellationToken) =>
        Task.FromResult(_companies.TryGetValue(id, out var known) ? known.Company : null);

    public Task<IReadOnlyList<Company>> ListCompaniesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Company>>([.. _companies.Values.Select(known => known.Company).OrderBy(company => company.Id)]);

    public async Task<(Company Company, bool Created)> UpsertCompanyAsync(long id, CompanyChange change, DateTime now, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        await _aggregationLock.WaitAsync(cancellationToken);
        try
        {
            // A time-zone change rebuilds from every stored event: pending ones must be aggregated first.
            CatchUpHoldingAggregationLock();
            using var transaction = _writer.BeginTransaction();
            var existing = ReadCompanies(_writer, id).SingleOrDefault();
            var company = existing is null
                ? new Company(id, change.Name ?? Company.DefaultName(id), change.TimeZone ?? Company.DefaultTimeZone, StoredInstant(now))
                : existing with { Name = change.Name ?? existing.Name, TimeZone = change.TimeZone ?? existing.TimeZone };
            Execute(_writer, """
                INSERT INTO companies VALUES ($1, $2, $3, $4)
                ON CONFLICT DO UPDATE SET name = excluded.name, timezone = excluded.timezone
                """, company.Id, StoredText.Encode(company.Name), company.TimeZone, company.CreatedAt);
            var zone = TimeZoneNames.Find(company.TimeZone);
            var rebuilt = existing is not null && existing.TimeZone != company.TimeZone;
            if (rebuilt)
            {
                Rebuild(id, zone);
            }

            transaction.Commit();
            if (rebuilt)
            {
                // Its connections now fall on other days: the next read of them loads them again.
                _newestConnections.Forget(id);
            }

            // Published once committed: reports meanwhile see the company as it was, beside the aggregates it had.
            _companies[id] = (company, zone);
            return (company, existing is null);
        }
        finally
        {
            _aggregationLock.Release();
            _writeLock.Release();
        }
    }

    /// <summary>Into the map, a company a write has just created with its defaults (unless it was there).</summary>
    private void AddDefaultCompany(long id, DateTime createdAt) =>
        _companies.TryAdd(id, (new Company(id, Company.DefaultName(id), Company.DefaultTimeZone, StoredInstant(createdAt)), TimeZoneInfo.Utc));

    /// <summary>An instant as a TIMESTAMP column gives it back (to the microsecond), so the map equals the table.</summary>
    private static DateTime StoredInstant(DateTime utc) => new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);

    private static List<Company> ReadCompanies(DuckDBConnection connection, long? id)
    {
        using var command = id is { } only
            ? Command(connection, "SELECT id, name, timezone, created_at FROM companies WHERE id = $1", only)
            : Command(connection, "SELECT id, name, timezone, created_at FROM companies ORDER BY id");
        using var reader = command.ExecuteReader();
        var companies = new List<Company>();
        while (reader.Read())
        {
            companies.Add(new Company(reader.GetInt64(0), StoredText.Decode(reader.GetString(1))!, reader.GetString(2), Utc(reader.GetDateTime(3))));
        }

        return companies;
    }
}
