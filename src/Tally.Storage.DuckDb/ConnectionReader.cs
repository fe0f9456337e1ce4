using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The read of the connections report: a page from the company's newest connections kept in memory when it is whole
/// there (usually the first page of a range up to today), else from the connection log.
/// </summary>
internal sealed class ConnectionReader(StoreFile file, Aggregator aggregator)
{
    public async Task<IReadOnlyList<ConnectionRow>> ReadConnectionsAsync(long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit, CancellationToken cancellationToken)
    {
        await aggregator.CatchUpAsync(cancellationToken);
        var newest = await aggregator.NewestConnectionsAsync(companyId, (connection, count) => ReadNewest(connection, companyId, count), cancellationToken);
        return await file.ReadAsync<IReadOnlyList<ConnectionRow>>(connection =>
        {
            var page = newest.Page(days, userId, after, limit) ?? ReadConnectionsFromLog(connection, companyId, days, userId, after, limit);

            // Names for the page's users only: joining every row scanned to the members cost more than this read.
            var names = new Dictionary<long, string>();
            if (page.Count > 0)
            {
                using var command = Command(connection, $"""
                    SELECT user_id, user_name FROM members
                    WHERE company_id = $1 AND user_name IS NOT NULL AND user_id IN ({string.Join(", ", page.Select(row => row.UserId).Distinct().Select(Literal))})
                    """, companyId);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    names[reader.GetInt64(0)] = StoredText.Decode(reader.GetString(1))!;
                }
            }

            return page.Select(row => row with { UserName = names.GetValueOrDefault(row.UserId) }).ToList();
        }, cancellationToken);
    }

    /// <summary>The company's newest connections in the log, at most <paramref name="count"/>, newest first.</summary>
    private static List<LoggedConnection> ReadNewest(DuckDBConnection connection, long companyId, int count)
    {
        using var command = Command(connection, $"""
            SELECT company_id, day, connected_at, event_id, user_id, ip, user_agent, auth_method FROM connection_log
            WHERE company_id = $1 ORDER BY connected_at DESC, event_id DESC LIMIT {Literal(count)}
            """, companyId);
        return ReadLogged(command);
    }

    /// <summary>A page of connections from the log, for the pages the newest connections cannot tell.</summary>
    private static List<ConnectionRow> ReadConnectionsFromLog(DuckDBConnection connection, long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit)
    {
        // Newest first: the last week of the range (or before the cursor) usually fills a page, and scanning it
        // alone is much cheaper. Its rows are the page only if the oldest of them is at least two days inside
        // that week: local days follow instants except around some midnight DST changes, by at most hours.
        var anchor = after is null ? days.Last.DayNumber : Math.Min(days.Last.DayNumber, DateOnly.FromDateTime(after.Timestamp).DayNumber + 1);
        var recent = Math.Max(days.First.DayNumber, anchor - 7);
        if (recent > days.First.DayNumber)
        {
            var page = ReadConnectionPage(connection, companyId, new DayRange(DateOnly.FromDayNumber(recent), days.Last), userId, after, limit);
            if (page.Count == limit && page[^1].Day.DayNumber > recent + 1)
            {
                return [.. page.Select(logged => logged.Row)];
            }
        }

        return [.. ReadConnectionPage(connection, companyId, days, userId, after, limit).Select(logged => logged.Row)];
    }

    private static List<LoggedConnection> ReadConnectionPage(DuckDBConnection connection, long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit)
    {
        var user = userId is { } id ? $"AND user_id = {Literal(id)}" : "";
        var position = after is null ? "" : "AND (connected_at < $4 OR (connected_at = $4 AND event_id < $5))";
        object?[] parameters = after is null
            ? [companyId, days.First, days.Last]
            : [companyId, days.First, days.Last, after.Timestamp, after.EventId];
        using var command = Command(connection, $"""
            SELECT company_id, day, connected_at, event_id, user_id, ip, user_agent, auth_method FROM connection_log
            WHERE company_id = $1 AND day BETWEEN $2 AND $3 {user} {position}
            ORDER BY connected_at DESC, event_id DESC
            LIMIT {Literal(limit)}
            """, parameters);
        return ReadLogged(command);
    }

    private static List<LoggedConnection> ReadLogged(DuckDBCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<LoggedConnection>();
        while (reader.Read())
        {
            rows.Add(LoggedConnection.Read(reader));
        }

        return rows;
    }
}
