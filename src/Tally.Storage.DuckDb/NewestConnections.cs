using System.Collections.Concurrent;
using System.Data.Common;
using Tally.Events;

namespace Tally.Storage.DuckDb;

/// <summary>A row of the connection log: the connection and its day in the company's time zone.</summary>
internal readonly record struct LoggedConnection(long CompanyId, DateOnly Day, ConnectionRow Row)
{
    /// <summary>The columns: company_id, day, connected_at, event_id, user_id, ip, user_agent, auth_method.</summary>
    public static LoggedConnection Read(DbDataReader reader) => new(reader.GetInt64(0), Sql.Day(reader, 1),
        new ConnectionRow(reader.GetInt64(4), null, Sql.Utc(reader.GetDateTime(2)), reader.GetString(3),
            StoredText.Decode(Sql.NullableString(reader, 5)), StoredText.Decode(Sql.NullableString(reader, 6)), StoredText.Decode(Sql.NullableString(reader, 7))));
}

/// <summary>
/// The newest connections of each company whose connections were asked for, in memory, newest first: the first
/// page of the connections report (the latest logins an administrator opens) then needs no scan of the log. A
/// company's list holds every connection from its oldest on, so a page found whole in it is the page. The
/// aggregation adds the new connections under its lock; a time-zone change drops the company's list.
/// </summary>
internal sealed class NewestConnections(int capacity)
{
    /// <summary>Rows kept per company: the largest page (1,000) and the row that tells whether another follows.</summary>
    public const int DefaultCapacity = 1_001;

    private readonly ConcurrentDictionary<long, Newest> _companies = new();

    public int Capacity => capacity;

    public bool TryGet(long companyId, out Newest newest) => _companies.TryGetValue(companyId, out newest!);

    /// <summary>A company's newest connections as read from the log: at most <see cref="Capacity"/> + 1 rows, newest first.</summary>
    public Newest Load(long companyId, List<LoggedConnection> newestFirst)
    {
        var newest = new Newest([.. newestFirst.Take(capacity)], Complete: newestFirst.Count <= capacity);
        _companies[companyId] = newest;
        return newest;
    }

    public void Forget(long companyId) => _companies.TryRemove(companyId, out _);

    /// <summary>Adds connections just aggregated to the lists of their companies (those that have one).</summary>
    public void Add(IEnumerable<LoggedConnection> connections)
    {
        foreach (var company in connections.GroupBy(connection => connection.CompanyId))
        {
            if (!_companies.TryGetValue(company.Key, out var newest))
            {
                continue;
            }

            // A list that is not complete is full: a late connection older than all its rows falls off its end, as
            // the log has rows between the two that the list lacks.
            var merged = newest.Rows.Concat(company).Order(NewestFirst.Instance).ToList();
            _companies[company.Key] = new Newest([.. merged.Take(capacity)], newest.Complete && merged.Count <= capacity);
        }
    }
}

/// <summary>A company's newest connections, newest first; <paramref name="Complete"/> when they are all its connections.</summary>
internal sealed record Newest(LoggedConnection[] Rows, bool Complete)
{
    /// <summary>The page of the connections report, or null when the list cannot tell it whole.</summary>
    public List<ConnectionRow>? Page(DayRange days, long? userId, ConnectionPosition? after, int limit)
    {
        var page = new List<ConnectionRow>(Math.Min(limit, Rows.Length));
        foreach (var (_, day, row) in Rows)
        {
            if (day >= days.First && day <= days.Last && (userId is null || row.UserId == userId) && (after is null || IsBefore(row, after)))
            {
                page.Add(row);
                if (page.Count == limit)
                {
                    return page;
                }
            }
        }

        return Complete ? page : null;
    }

    private static bool IsBefore(ConnectionRow row, ConnectionPosition position) =>
        NewestFirst.Position(row.Timestamp, row.EventId, position.Timestamp, position.EventId) < 0;
}

/// <summary>The report's order: newest first, then ids descending by code point (the log's <c>ORDER BY</c>).</summary>
internal sealed class NewestFirst : IComparer<LoggedConnection>
{
    public static readonly NewestFirst Instance = new();

    public int Compare(LoggedConnection x, LoggedConnection y) => Position(y.Row.Timestamp, y.Row.EventId, x.Row.Timestamp, x.Row.EventId);

    /// <summary>The order of two connections in time: by timestamp, then by id in code points.</summary>
    public static int Position(DateTime timestamp, string eventId, DateTime otherTimestamp, string otherEventId)
    {
        var byTime = timestamp.CompareTo(otherTimestamp);
        return byTime != 0 ? byTime : CodePointComparer.Instance.Compare(eventId, otherEventId);
    }
}
