using System.Numerics;
using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The read of the user-activities report: each user's active days, counts and last connection from the monthly
/// rollups (<c>user_months</c>), and the connections per day.
/// </summary>
internal sealed class ActivityReader(Aggregator aggregator)
{
    public Task<ActivityHistory> ReadActivityHistoryAsync(long companyId, DayRange days, long? userId, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync(connection =>
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
            WHERE company_id = $1 AND day BETWEEN {Literal(group.Key)} AND {Literal(Min(DayRange.MonthEnd(group.Key), days.Last))}
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

    private static DateOnly MonthStart(int dayNumber)
    {
        var day = DateOnly.FromDayNumber(dayNumber);
        return new DateOnly(day.Year, day.Month, 1);
    }
}
