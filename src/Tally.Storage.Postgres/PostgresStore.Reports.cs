using System.Data.Common;
using System.Numerics;

namespace Tally.Storage.Postgres;

/// <summary>The report reads: each reads aggregate rows of one company and range, committed with the events they count.</summary>
public sealed partial class PostgresStore
{
    public async Task<IReadOnlyList<DayTotals>> ReadDayTotalsAsync(long companyId, DayRange days, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT day,
                chat_sessions, chat_queries, chat_query_sessions, chat_responses, chat_responses_with_documents, chat_models, chat_last_response,
                agent_sessions, agent_queries, agent_query_sessions, agent_responses, agent_responses_with_documents, agent_models, agent_last_response,
                likes, dislikes, copies, flags, tool_calls, connections
            FROM daily_totals WHERE company_id = $1 AND day BETWEEN $2 AND $3
            """, companyId, days.First, days.Last);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<DayTotals>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new DayTotals(Day(reader, 0), Mode(reader, 1), Mode(reader, 8),
                reader.GetInt64(15), reader.GetInt64(16), reader.GetInt64(17), reader.GetInt64(18), reader.GetInt64(19), reader.GetInt64(20)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<ToolDay>> ReadToolDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT day, tool_name, tool_type, usage, users, errors FROM daily_tools WHERE company_id = $1 AND day BETWEEN $2 AND $3
            """, companyId, days.First, days.Last);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ToolDay>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ToolDay(Day(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        }

        return rows;
    }

    public async Task<DocumentUsage> ReadDocumentUsageAsync(long companyId, DayRange days, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        // Names apart, once per document (every document of the company: cheaper than finding those of the range):
        // a year has far more document-days than documents.
        var names = new Dictionary<long, DocumentName>();
        await using (var command = Command(connection, """
            SELECT document_id, filename, title FROM documents WHERE company_id = $1
            """, companyId))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                names[reader.GetInt64(0)] = new DocumentName(StoredText.Decode(reader.GetString(1))!, StoredText.Decode(NullableString(reader, 2)));
            }
        }

        await using (var command = Command(connection, "SELECT day, document_id, usage FROM daily_documents WHERE company_id = $1 AND day BETWEEN $2 AND $3",
            companyId, days.First, days.Last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            var rows = new List<DocumentDay>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new DocumentDay(Day(reader, 0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return new DocumentUsage(rows, names);
        }
    }

    public async Task<MemberHistory> ReadMemberHistoryAsync(long companyId, DateOnly asOf, CancellationToken cancellationToken)
    {
        // Each member's latest event; for those whose latest day is after asOf, the last events of their last two days
        // up to it (the index on (company, user, day) finds them; the condition on m.last_day skips the others' scans).
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT m.user_id, m.last_day, m.last_event_is_member_left, d.day, d.last_event_at, d.last_event_id, d.last_event_is_member_left
            FROM members m LEFT JOIN LATERAL (
                SELECT u.day, u.last_event_at, u.last_event_id, u.last_event_is_member_left FROM user_days u
                WHERE m.last_day > $2 AND u.company_id = $1 AND u.user_id = m.user_id AND u.day <= $2
                ORDER BY u.day DESC LIMIT 2
            ) d ON true
            WHERE m.company_id = $1
            """, companyId, asOf);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var latest = new List<MemberLatest>();
        var days = new List<MemberDay>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var userId = reader.GetInt64(0);
            latest.Add(new MemberLatest(userId, Day(reader, 1), reader.GetBoolean(2)));
            if (!reader.IsDBNull(3))
            {
                days.Add(new MemberDay(userId, Day(reader, 3), reader.GetDateTime(4), reader.GetString(5), reader.GetBoolean(6)));
            }
        }

        return new MemberHistory(asOf, latest, days);
    }

    public async Task<ActivityHistory> ReadActivityHistoryAsync(long companyId, DayRange days, long? userId, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var origin = UserHistory.OriginOf(days);
        var originMonth = new DateOnly(origin.Year, origin.Month, 1);
        var history = new Dictionary<long, UserHistory>();
        UserHistory Of(long id) => history.TryGetValue(id, out var known) ? known : history[id] = new UserHistory(id, days);

        // A year of a user is twelve monthly rollups: active days as bits, counts, last connection. A month the range
        // covers only in part gives its counts only when the user was active on none of its days outside the range
        // (usual at the range's end); otherwise that user's days of that month are read.
        var firstMonth = new DateOnly(days.First.Year, days.First.Month, 1);
        var partialMonths = new List<(long UserId, DateOnly Month)>();
        await using (var command = Command(connection, """
            SELECT user_id, month, active_days, sessions, queries, feedbacks, tool_calls, last_connection FROM user_months
            WHERE company_id = $1 AND month BETWEEN $2 AND $3 AND ($4::bigint IS NULL OR user_id = $4)
            """, companyId, originMonth, days.Last, userId))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var user = Of(reader.GetInt64(0));
                var month = Day(reader, 1);
                var activeDays = (uint)reader.GetInt32(2);
                for (var remaining = activeDays; remaining != 0; remaining &= remaining - 1)
                {
                    user.ActiveOn(month.AddDays(BitOperations.TrailingZeroCount(remaining)));
                }

                if (month < firstMonth || (activeDays & days.DaysOutside(month)) == 0)
                {
                    if (month >= firstMonth)
                    {
                        user.Count(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
                    }

                    user.Connected(NullableDateTime(reader, 7));
                }
                else
                {
                    partialMonths.Add((user.UserId, month));
                }
            }
        }

        foreach (var month in partialMonths.GroupBy(pair => pair.Month))
        {
            await using var command = Command(connection, """
                SELECT user_id, day, sessions, queries, feedbacks, tool_calls, last_connection FROM user_days
                WHERE company_id = $1 AND user_id = ANY($2) AND day BETWEEN $3 AND $4
                """, companyId, month.Select(pair => pair.UserId).ToArray(), month.Key, new[] { DayRange.MonthEnd(month.Key), days.Last }.Min());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var user = history[reader.GetInt64(0)];
                if (Day(reader, 1) >= days.First)
                {
                    user.Count(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
                }

                user.Connected(NullableDateTime(reader, 6));
            }
        }

        if (history.Count > 0)
        {
            await using (var command = Command(connection, """
                SELECT user_id, max(last_connection) FROM user_months
                WHERE company_id = $1 AND month < $2 AND user_id = ANY($3) AND last_connection IS NOT NULL GROUP BY user_id
                """, companyId, originMonth, history.Keys.ToArray()))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    history[reader.GetInt64(0)].Connected(reader.GetDateTime(1));
                }
            }

            await using (var command = Command(connection, "SELECT user_id, user_name, first_active_day FROM members WHERE company_id = $1 AND user_id = ANY($2)",
                companyId, history.Keys.ToArray()))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var user = history[reader.GetInt64(0)];
                    user.Name = StoredText.Decode(NullableString(reader, 1));
                    user.FirstActiveDay = reader.IsDBNull(2) ? null : Day(reader, 2);
                }
            }
        }

        // Connections per day: the company's day totals have them, one user's come from their days.
        var connections = new Dictionary<DateOnly, long>();
        await using (var command = Command(connection, userId is null
            ? "SELECT day, connections FROM daily_totals WHERE company_id = $1 AND day BETWEEN $2 AND $3 AND connections > 0"
            : "SELECT day, connections FROM user_days WHERE company_id = $1 AND day BETWEEN $2 AND $3 AND connections > 0 AND user_id = $4",
            userId is null ? [companyId, days.First, days.Last] : [companyId, days.First, days.Last, userId]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                connections[Day(reader, 0)] = reader.GetInt64(1);
            }
        }

        return new ActivityHistory(history.Values, connections);
    }

    public async Task<IReadOnlyList<ConnectionRow>> ReadConnectionsAsync(long companyId, DayRange days, long? userId, ConnectionPosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var rows = new List<ConnectionRow>();
        await using (var command = Command(connection, """
            SELECT c.user_id, m.user_name, c.connected_at, c.event_id, c.ip, c.user_agent, c.auth_method FROM (
                SELECT user_id, connected_at, event_id, ip, user_agent, auth_method FROM connection_log
                WHERE company_id = $1 AND day BETWEEN $2 AND $3 AND ($4::bigint IS NULL OR user_id = $4)
                    AND ($5::timestamptz IS NULL OR (connected_at, event_id) < ($5, $6::text COLLATE "C"))
                ORDER BY connected_at DESC, event_id DESC LIMIT $7
            ) c LEFT JOIN members m ON m.company_id = $1 AND m.user_id = c.user_id
            ORDER BY c.connected_at DESC, c.event_id DESC
            """, companyId, days.First, days.Last, userId, after is null ? null : Utc(after.Timestamp), after?.EventId, limit))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new ConnectionRow(reader.GetInt64(0), StoredText.Decode(NullableString(reader, 1)), reader.GetDateTime(2), reader.GetString(3),
                    StoredText.Decode(NullableString(reader, 4)), StoredText.Decode(NullableString(reader, 5)), StoredText.Decode(NullableString(reader, 6))));
            }
        }

        return rows;
    }

    private static ModeDay Mode(DbDataReader reader, int first) => new(
        reader.GetInt64(first), reader.GetInt64(first + 1), reader.GetInt64(first + 2), reader.GetInt64(first + 3), reader.GetInt64(first + 4),
        reader.GetInt64(first + 5), NullableDateTime(reader, first + 6));

    private static DateOnly Day(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateOnly>(ordinal);

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime? NullableDateTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDateTime(ordinal);
}
