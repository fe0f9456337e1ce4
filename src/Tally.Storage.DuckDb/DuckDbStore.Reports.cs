using System.Data.Common;
using System.Numerics;
using DuckDB.NET.Data;

namespace Tally.Storage.DuckDb;

/// <summary>The report reads: each one scans per-day aggregate rows of one company and range.</summary>
public sealed partial class DuckDbStore
{
    public Task<IReadOnlyList<DayTotals>> ReadDayTotalsAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        ReportAsync<IReadOnlyList<DayTotals>>(connection =>
        {
            using var command = Command(connection, DayTotalsStatement, companyId, days.First, days.Last);
            using var reader = command.ExecuteReader();
            var rows = new List<DayTotals>();
            while (reader.Read())
            {
                rows.Add(new DayTotals(Day(reader, 0), Mode(reader, 1), Mode(reader, 8),
                    reader.GetInt64(15), reader.GetInt64(16), reader.GetInt64(17), reader.GetInt64(18), reader.GetInt64(19), reader.GetInt64(20)));
            }

            return rows;
        }, cancellationToken);

    /// <summary>Internal for the report benchmark, which times it alone.</summary>
    internal const string DayTotalsStatement = """
        SELECT day,
            chat_sessions, chat_queries, chat_query_sessions, chat_responses, chat_responses_with_documents, chat_models, chat_last_response,
            agent_sessions, agent_queries, agent_query_sessions, agent_responses, agent_responses_with_documents, agent_models, agent_last_response,
            likes, dislikes, copies, flags, tool_calls, connections
        FROM daily_totals WHERE company_id = $1 AND day BETWEEN $2 AND $3
        """;

    public Task<IReadOnlyList<ToolDay>> ReadToolDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        ReportAsync<IReadOnlyList<ToolDay>>(connection =>
        {
            using var command = Command(connection, """
                SELECT day, tool_name, tool_type, usage, users, errors FROM daily_tools
                WHERE company_id = $1 AND day BETWEEN $2 AND $3
                """, companyId, days.First, days.Last);
            using var reader = command.ExecuteReader();
            var rows = new List<ToolDay>();
            while (reader.Read())
            {
                rows.Add(new ToolDay(Day(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }

            return rows;
        }, cancellationToken);

    public Task<DocumentUsage> ReadDocumentUsageAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        ReportAsync(connection =>
        {
            // Names apart, once per document: a year has hundreds of thousands of document-days over a few thousand
            // documents, and reading the names with every row made as many strings.
            var names = new Dictionary<long, DocumentName>();
            using (var command = Command(connection, "SELECT document_id, filename, title FROM documents WHERE company_id = $1", companyId))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    names[reader.GetInt64(0)] = new DocumentName(StoredText.Decode(reader.GetString(1))!, StoredText.Decode(NullableString(reader, 2)));
                }
            }

            using (var command = Command(connection, """
                SELECT day, document_id, usage FROM daily_documents WHERE company_id = $1 AND day BETWEEN $2 AND $3
                """, companyId, days.First, days.Last))
            using (var reader = command.ExecuteReader())
            {
                var rows = new List<DocumentDay>();
                while (reader.Read())
                {
                    rows.Add(new DocumentDay(Day(reader, 0), reader.GetInt64(1), reader.GetInt64(2)));
                }

                return new DocumentUsage(rows, names);
            }
        }, cancellationToken);

    public Task<MemberHistory> ReadMemberHistoryAsync(long companyId, DateOnly asOf, CancellationToken cancellationToken) =>
        ReportAsync(connection =>
        {
            // Each member's latest event, a row per member. Usually asOf is on or after every member's latest day (a
            // range up to today), and nothing more is read.
            var latest = new List<MemberLatest>();
            var later = new HashSet<long>();
            using (var command = Command(connection, "SELECT user_id, last_day, last_event_is_member_left FROM members WHERE company_id = $1", companyId))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var member = new MemberLatest(reader.GetInt64(0), Day(reader, 1), reader.GetBoolean(2));
                    latest.Add(member);
                    if (member.Day > asOf)
                    {
                        later.Add(member.UserId);
                    }
                }
            }

            // For the members whose latest day is later (usually the few active since), the last events of their last
            // two days up to asOf. Most were active in the week up to asOf, whose days are usually in the last row
            // group: the days from the day before that week are read first (so that the day before a member's last day
            // in the week is read with it), and the earlier days only for the members not found in the week.
            var days = new List<MemberDay>();
            void ReadLastDays(DateOnly from, DateOnly to, DateOnly foundFrom)
            {
                using var command = Command(connection, """
                    SELECT user_id, day, last_event_at, last_event_id, last_event_is_member_left FROM user_days
                    WHERE company_id = $1 AND day BETWEEN $3 AND $4
                        AND user_id IN (SELECT user_id FROM members WHERE company_id = $1 AND last_day > $2)
                    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY day DESC) <= 2
                    """, companyId, asOf, from, to);
                using var reader = command.ExecuteReader();
                var found = new List<long>();
                while (reader.Read())
                {
                    if (!later.Contains(reader.GetInt64(0)))
                    {
                        continue;
                    }

                    var day = new MemberDay(reader.GetInt64(0), Day(reader, 1), Utc(reader.GetDateTime(2)), reader.GetString(3), reader.GetBoolean(4));
                    days.Add(day);
                    if (day.Day >= foundFrom)
                    {
                        found.Add(day.UserId);
                    }
                }

                later.ExceptWith(found);
            }

            var weekStart = DateOnly.FromDayNumber(Math.Max(DateOnly.MinValue.DayNumber, asOf.DayNumber - 6));
            var dayBefore = DateOnly.FromDayNumber(Math.Max(DateOnly.MinValue.DayNumber, weekStart.DayNumber - 1));
            if (later.Count > 0)
            {
                ReadLastDays(dayBefore, asOf, weekStart);
            }

            if (later.Count > 0 && dayBefore > DateOnly.MinValue)
            {
                ReadLastDays(DateOnly.MinValue, dayBefore, DateOnly.MinValue);
            }

            return new MemberHistory(asOf, latest, days);
        }, cancellationToken);

    public Task<ActivityHistory> ReadActivityHistoryAsync(long companyId, DayRange days, long? userId, CancellationToken cancellationToken) =>
        ReportAsync(connection =>
        {
            var user = userId is { } id ? $"AND user_id = {Literal(id)}" : "";
            var history = ReadUserMonths(connection, companyId, days, user);

            // Connections per day: the company's day totals have them, one user's come from their days.
            var connections = new Dictionary<DateOnly, long>();
            using (var command = Command(connection, userId is null
                ? "SELECT day, connections FROM daily_totals WHERE company_id = $1 AND day BETWEEN $2 AND $3 AND connections > 0"
                : $"SELECT day, connections FROM user_days WHERE company_id = $1 AND day BETWEEN $2 AND $3 AND connections > 0 {user}",
                companyId, days.First, days.Last))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    connections[Day(reader, 0)] = reader.GetInt64(1);
                }
            }

            using (var command = Command(connection, $"SELECT user_id, user_name, first_active_day FROM members WHERE company_id = $1 {user}", companyId))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (history.TryGetValue(reader.GetInt64(0), out var known))
                    {
                        known.Name = StoredText.Decode(NullableString(reader, 1));
                        known.FirstActiveDay = reader.IsDBNull(2) ? null : Day(reader, 2);
                    }
                }
            }

            return new ActivityHistory(history.Values, connections);
        }, cancellationToken);

    /// <summary>
    /// The months from $2 to $3 in full, and the last connection of the months before ($1 is the company).
    /// Internal for the report benchmark, which times it alone.
    /// </summary>
    internal static string UserMonthsStatement(string user) => $"""
        SELECT user_id, month, active_days, sessions, queries, feedbacks, tool_calls, last_connection FROM user_months
        WHERE company_id = $1 AND month BETWEEN $2 AND $3 {user}
        UNION ALL
        SELECT user_id, NULL, 0, 0, 0, 0, 0, max(last_connection) FROM user_months
        WHERE company_id = $1 AND month < $2 AND last_connection IS NOT NULL {user}
        GROUP BY user_id
        """;

    /// <summary>
    /// Each user's history up to the end of the range, from the monthly rollups (a year of a user is twelve rows):
    /// active days from the window span's origin, counts over the range and the last
    /// connection up to its end. A month the range covers only in part gives its counts only when the user was
    /// active on none of its days outside the range (usual at the range's end, today); otherwise that user's
    /// days of that month are read.
    /// </summary>
    private static Dictionary<long, UserHistory> ReadUserMonths(DuckDBConnection connection, long companyId, DayRange days, string user)
    {
        var origin = UserHistory.OriginOf(days).DayNumber;
        var history = new Dictionary<long, UserHistory>();
        UserHistory Of(long userId) => history.TryGetValue(userId, out var totals) ? totals : history[userId] = new UserHistory(userId, days);
        var firstMonth = MonthStart(days.First.DayNumber);
        var lastMonth = MonthStart(days.Last.DayNumber);
        var partialMonths = new List<(long UserId, DateOnly Month)>();
        using (var command = Command(connection, UserMonthsStatement(user), companyId, MonthStart(origin), lastMonth))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var totals = Of(reader.GetInt64(0));
                var lastConnection = NullableDateTime(reader, 7);
                if (reader.IsDBNull(1))
                {
                    totals.Connected(lastConnection);
                    continue;
                }

                var month = Day(reader, 1);
                var activeDays = (uint)reader.GetInt32(2);
                for (var remaining = activeDays; remaining != 0; remaining &= remaining - 1)
                {
                    totals.ActiveOn(month.AddDays(BitOperations.TrailingZeroCount(remaining)));
                }

                if (month < firstMonth)
                {
                    totals.Connected(lastConnection);
                }
                else if ((activeDays & days.DaysOutside(month)) == 0)
                {
                    totals.Count(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
                    totals.Connected(lastConnection);
                }
                else
                {
                    partialMonths.Add((reader.GetInt64(0), month));
                }
            }
        }

        if (partialMonths.Count == 0)
        {
            return history;
        }

        // The days of each month read in part (up to the range's end), for the users active outside the range in it:
        // counts of the days in the range, connections of them all.
        var parts = partialMonths.GroupBy(pair => pair.Month).Select(group => $"""
            SELECT user_id, day, sessions, queries, feedbacks, tool_calls, last_connection FROM user_days
            WHERE company_id = $1 AND day BETWEEN {Literal(group.Key)} AND {Literal(Min(MonthEnd(group.Key), days.Last))}
                AND user_id IN ({string.Join(", ", group.Select(pair => Literal(pair.UserId)))})
            """);
        using (var command = Command(connection, string.Join(" UNION ALL ", parts), companyId))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var totals = history[reader.GetInt64(0)];
                if (Day(reader, 1) >= days.First)
                {
                    totals.Count(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
                }

                totals.Connected(NullableDateTime(reader, 6));
            }
        }

        return history;
    }

    private static DateOnly Min(DateOnly first, DateOnly second) => first < second ? first : second;

    private static DateOnly MonthEnd(DateOnly monthStart) => monthStart.AddDays(DateTime.DaysInMonth(monthStart.Year, monthStart.Month) - 1);

    private static DateOnly MonthStart(int dayNumber)
    {
        var day = DateOnly.FromDayNumber(dayNumber);
        return new DateOnly(day.Year, day.Month, 1);
    }

    public async Task<IReadOnlyList<ConnectionRow>> ReadConnectionsAsync(long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit, CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken);
        var newest = await NewestConnectionsAsync(companyId, cancellationToken);
        return await ReadAsync<IReadOnlyList<ConnectionRow>>(connection =>
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

    /// <summary>The company's newest connections, read from the log the first time they are asked for.</summary>
    private async Task<Newest> NewestConnectionsAsync(long companyId, CancellationToken cancellationToken)
    {
        if (_newestConnections.TryGet(companyId, out var newest))
        {
            return newest;
        }

        // Under the aggregation lock, so that no batch is aggregated between the read and the list's first use.
        await _aggregationLock.WaitAsync(cancellationToken);
        try
        {
            return _newestConnections.TryGet(companyId, out newest) ? newest : await ReadAsync(connection =>
            {
                using var command = Command(connection, $"""
                    SELECT company_id, day, connected_at, event_id, user_id, ip, user_agent, auth_method FROM connection_log
                    WHERE company_id = $1 ORDER BY connected_at DESC, event_id DESC LIMIT {Literal(_newestConnections.Capacity + 1)}
                    """, companyId);
                using var reader = command.ExecuteReader();
                var rows = new List<LoggedConnection>();
                while (reader.Read())
                {
                    rows.Add(LoggedConnection(reader));
                }

                return _newestConnections.Load(companyId, rows);
            }, cancellationToken);
        }
        finally
        {
            _aggregationLock.Release();
        }
    }

    private static LoggedConnection LoggedConnection(DbDataReader reader) => new(reader.GetInt64(0), Day(reader, 1),
        new ConnectionRow(reader.GetInt64(4), null, Utc(reader.GetDateTime(2)), reader.GetString(3),
            StoredText.Decode(NullableString(reader, 5)), StoredText.Decode(NullableString(reader, 6)), StoredText.Decode(NullableString(reader, 7))));

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
        using var reader = command.ExecuteReader();
        var rows = new List<LoggedConnection>();
        while (reader.Read())
        {
            rows.Add(LoggedConnection(reader));
        }

        return rows;
    }

    private static ModeDay Mode(DbDataReader reader, int first) => new(
        reader.GetInt64(first), reader.GetInt64(first + 1), reader.GetInt64(first + 2), reader.GetInt64(first + 3), reader.GetInt64(first + 4),
        reader.GetInt64(first + 5), NullableDateTime(reader, first + 6));

    private static DateOnly Day(DbDataReader reader, int ordinal) => DateOnly.FromDateTime(reader.GetDateTime(ordinal));

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
