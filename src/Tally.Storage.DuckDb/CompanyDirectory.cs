using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Tally.Companies;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// Every company with its time zone (which gives events their day), kept in memory: every report request looks its
/// company up, and a query per request cost more than some reports' own reads. Only this process writes the file,
/// so the map changes with this store's own writes (an upsert, the first event or key of a company), after their
/// commit; it holds <c>created_at</c> to the microsecond, as the table does.
/// </summary>
internal sealed class CompanyDirectory
{
    private readonly ConcurrentDictionary<long, (Company Company, TimeZoneInfo Zone)> _companies = new();

    public Company? Find(long id) => _companies.TryGetValue(id, out var known) ? known.Company : null;

    public IReadOnlyList<Company> List() => [.. _companies.Values.Select(known => known.Company).OrderBy(company => company.Id)];

    public bool Contains(long id) => _companies.ContainsKey(id);

    /// <summary>The company's time zone; UTC for a company not created yet (a commit's new companies have the default).</summary>
    public TimeZoneInfo ZoneOf(long id) => _companies.TryGetValue(id, out var known) ? known.Zone : TimeZoneInfo.Utc;

    /// <summary>Fills the map from the table, when the store opens.</summary>
    public void Load(DuckDBConnection connection)
    {
        foreach (var company in Read(connection, null))
        {
            _companies[company.Id] = (company, TimeZoneNames.TryFind(company.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc);
        }
    }

    /// <summary>Into the map, a company a write has just created with its defaults (unless it was there).</summary>
    public void AddDefault(long id, DateTime createdAt) =>
        _companies.TryAdd(id, (new Company(id, Company.DefaultName(id), Company.DefaultTimeZone, StoredInstant(createdAt)), TimeZoneInfo.Utc));

    /// <summary>
    /// Creates the company or applies the change; a new time zone recomputes its days and aggregates in the same
    /// transaction and calls <paramref name="rebuilt"/> once committed. Runs on the writer's connection with the
    /// aggregates caught up (<see cref="EventWriter.WriteCaughtUpAsync{T}"/>).
    /// </summary>
    public (Company Company, bool Created) Upsert(DuckDBConnection writer, long id, CompanyChange change, DateTime now, Action<long> rebuilt)
    {
        Company company;
        Company? existing;
        TimeZoneInfo zone;
        bool zoneChanged;
        using (var transaction = writer.BeginTransaction())
        {
            existing = Read(writer, id).SingleOrDefault();
            company = existing is null
                ? new Company(id, change.Name ?? Company.DefaultName(id), change.TimeZone ?? Company.DefaultTimeZone, StoredInstant(now))
                : existing with { Name = change.Name ?? existing.Name, TimeZone = change.TimeZone ?? existing.TimeZone };
            Execute(writer, """
                INSERT INTO companies VALUES ($1, $2, $3, $4)
                ON CONFLICT DO UPDATE SET name = excluded.name, timezone = excluded.timezone
                """, company.Id, StoredText.Encode(company.Name), company.TimeZone, company.CreatedAt);
            zone = TimeZoneNames.Find(company.TimeZone);
            zoneChanged = existing is not null && existing.TimeZone != company.TimeZone;
            if (zoneChanged)
            {
                AggregateStatements.Rebuild(writer, id, zone);
            }

            transaction.Commit();
        }

        if (zoneChanged)
        {
            rebuilt(id);
        }

        // Published once committed: reports meanwhile see the company as it was, beside the aggregates it had.
        _companies[id] = (company, zone);
        return (company, existing is null);
    }

    /// <summary>
    /// Recomputes the aggregates of one company (or all) in their time zones, in one transaction. Runs on the writer's
    /// connection with the aggregates caught up.
    /// </summary>
    public void RebuildAggregates(DuckDBConnection writer, long? companyId)
    {
        using var transaction = writer.BeginTransaction();
        var companies = companyId is { } only ? [only] : Read(writer, null).Select(c => c.Id).ToList();
        foreach (var company in companies)
        {
            AggregateStatements.Rebuild(writer, company, ZoneOf(company));
        }

        transaction.Commit();
    }

    /// <summary>An instant as a TIMESTAMP column gives it back (to the microsecond), so the map equals the table.</summary>
    private static DateTime StoredInstant(DateTime utc) => new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);

    private static List<Company> Read(DuckDBConnection connection, long? id)
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
