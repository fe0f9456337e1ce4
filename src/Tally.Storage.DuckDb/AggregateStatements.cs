using System.Globalization;
using DuckDB.NET.Data;
using Tally.Companies;
using Tally.Ingestion;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The statements that keep the per-day aggregates of the reports. The same statements serve both paths: a batch
/// of commits runs them over the events it stored (<see cref="Aggregator"/>), a rebuild over all of a company's
/// events. Additive numbers are upserted as sums; distinct counts come from set tables whose newly inserted members
/// are counted; "latest" values (ratings, document names, user names, a day's last event) are replaced only by a
/// later (timestamp, id).
/// </summary>
internal static class AggregateStatements
{
    private static readonly string[] AggregateTables =
    [
        "daily_totals", "daily_models", "daily_query_sessions", "daily_tools", "daily_tool_users", "daily_documents",
        "documents", "ratings", "user_days", "user_months", "members", "connection_log",
        .. ModelAggregates.TableNames, .. MonthCounters.TableNames, .. ModelDigests.TableNames,
    ];

    /// <summary>
    /// Updates the aggregates with events from <paramref name="events"/> (a relation with the columns of
    /// <c>events</c>) and their listed documents from <paramref name="documents"/> (columns of
    /// <c>event_documents</c>). Runs inside the caller's transaction. Returns the connections it logged.
    /// </summary>
    public static List<LoggedConnection> Aggregate(DuckDBConnection connection, string events, string documents)
    {
        var source = $"(SELECT * FROM {events})";
        RatingAggregates.Withdraw(connection, source);
        ModelAggregates.Aggregate(connection, source);
        Execute(connection, $"""
            INSERT INTO daily_totals
            SELECT company_id, day,
                count(*) FILTER (WHERE type = 'session_started' AND mode = 'chat'),
                count(*) FILTER (WHERE type = 'user_query' AND mode = 'chat'),
                0,
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'chat'),
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'chat' AND document_count > 0),
                max(ts) FILTER (WHERE type = 'model_response' AND mode = 'chat'),
                count(*) FILTER (WHERE type = 'session_started' AND mode = 'agent'),
                count(*) FILTER (WHERE type = 'user_query' AND mode = 'agent'),
                0,
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'agent'),
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'agent' AND document_count > 0),
                max(ts) FILTER (WHERE type = 'model_response' AND mode = 'agent'),
                0, 0,
                count(*) FILTER (WHERE type = 'feedback' AND kind = 'copy'),
                count(*) FILTER (WHERE type = 'feedback' AND kind = 'flag'),
                count(*) FILTER (WHERE type = 'tool_call'),
                count(*) FILTER (WHERE type = 'connection'),
                0, 0
            FROM {source} GROUP BY company_id, day
            ON CONFLICT DO UPDATE SET
                chat_sessions = chat_sessions + excluded.chat_sessions,
                chat_queries = chat_queries + excluded.chat_queries,
                chat_responses = chat_responses + excluded.chat_responses,
                chat_responses_with_documents = chat_responses_with_documents + excluded.chat_responses_with_documents,
                chat_last_response = greatest(chat_last_response, excluded.chat_last_response),
                agent_sessions = agent_sessions + excluded.agent_sessions,
                agent_queries = agent_queries + excluded.agent_queries,
                agent_responses = agent_responses + excluded.agent_responses,
                agent_responses_with_documents = agent_responses_with_documents + excluded.agent_responses_with_documents,
                agent_last_response = greatest(agent_last_response, excluded.agent_last_response),
                copies = copies + excluded.copies,
                flags = flags + excluded.flags,
                tool_calls = tool_calls + excluded.tool_calls,
                connections = connections + excluded.connections
            """);

        // Distinct models answering and sessions with a query, per day and mode: count the members new to the day's
        // sets, and add them to the day totals in one update.
        var newInSets = CountReturned(connection, $"""
            INSERT INTO daily_models SELECT DISTINCT company_id, day, mode, model FROM {source} WHERE type = 'model_response'
            ON CONFLICT DO NOTHING RETURNING company_id, day, mode, 'model'
            """);
        foreach (var (key, count) in CountReturned(connection, $"""
            INSERT INTO daily_query_sessions SELECT DISTINCT company_id, day, mode, session_id FROM {source} WHERE type = 'user_query'
            ON CONFLICT DO NOTHING RETURNING company_id, day, mode, 'session'
            """))
        {
            newInSets[key] = count;
        }

        ApplyIncrements(connection, newInSets, """
            UPDATE daily_totals SET
                chat_models = chat_models + i.new_chat_models, agent_models = agent_models + i.new_agent_models,
                chat_query_sessions = chat_query_sessions + i.new_chat_sessions, agent_query_sessions = agent_query_sessions + i.new_agent_sessions
            FROM (
                SELECT company_id, day,
                    coalesce(sum(amount) FILTER (WHERE a = 'chat' AND b = 'model'), 0) AS new_chat_models,
                    coalesce(sum(amount) FILTER (WHERE a = 'agent' AND b = 'model'), 0) AS new_agent_models,
                    coalesce(sum(amount) FILTER (WHERE a = 'chat' AND b = 'session'), 0) AS new_chat_sessions,
                    coalesce(sum(amount) FILTER (WHERE a = 'agent' AND b = 'session'), 0) AS new_agent_sessions
                FROM increments GROUP BY company_id, day
            ) i
            WHERE daily_totals.company_id = i.company_id AND daily_totals.day = i.day
            """);

        Execute(connection, $"""
            INSERT INTO daily_tools
            SELECT company_id, day, tool_name, tool_type, count(*), 0, count(*) FILTER (WHERE status = 'error')
            FROM {source} WHERE type = 'tool_call' GROUP BY company_id, day, tool_name, tool_type
            ON CONFLICT DO UPDATE SET usage = usage + excluded.usage, errors = errors + excluded.errors
            """);
        var newToolUsers = CountReturned(connection, $"""
            INSERT INTO daily_tool_users SELECT DISTINCT company_id, day, tool_name, tool_type, user_id FROM {source} WHERE type = 'tool_call'
            ON CONFLICT DO NOTHING RETURNING company_id, day, tool_name, tool_type
            """);
        ApplyIncrements(connection, newToolUsers, """
            UPDATE daily_tools SET users = users + i.amount
            FROM increments i
            WHERE daily_tools.company_id = i.company_id AND daily_tools.day = i.day AND daily_tools.tool_name = i.a AND daily_tools.tool_type = i.b
            """);

        var listings = $"(SELECT d.*, e.day, e.ts FROM {documents} d JOIN {source} e USING (company_id, event_id))";
        Execute(connection, $"""
            INSERT INTO daily_documents
            SELECT company_id, day, document_id, count(DISTINCT event_id) FROM {listings} GROUP BY company_id, day, document_id
            ON CONFLICT DO UPDATE SET usage = usage + excluded.usage
            """);
        Execute(connection, $"""
            INSERT INTO documents
            SELECT company_id, document_id, filename, title, ts, event_id, position FROM {listings}
            QUALIFY row_number() OVER (PARTITION BY company_id, document_id ORDER BY ts DESC, event_id DESC, position DESC) = 1
            ON CONFLICT DO UPDATE SET filename = excluded.filename, title = excluded.title,
                listed_at = excluded.listed_at, listed_event_id = excluded.listed_event_id, listed_position = excluded.listed_position
            WHERE (excluded.listed_at, excluded.listed_event_id, excluded.listed_position) > (listed_at, listed_event_id, listed_position)
            """);
        MonthCounters.Invalidate(connection, source);

        // A user's rating of an answer is their latest like, dislike or none: when it changes, the old one's day
        // loses a like or dislike and the new one's day gains one.
        var ratingChanges = new Dictionary<(long, DateOnly, string, string), long>();
        using (var command = Command(connection, $"""
            INSERT INTO ratings
            SELECT company_id, user_id, response_id, kind, ts, event_id, day, NULL, NULL FROM {source}
            WHERE type = 'feedback' AND kind IN ('like', 'dislike', 'none')
            QUALIFY row_number() OVER (PARTITION BY company_id, user_id, response_id ORDER BY ts DESC, event_id DESC) = 1
            ON CONFLICT DO UPDATE SET previous_kind = kind, previous_day = day,
                kind = excluded.kind, rated_at = excluded.rated_at, event_id = excluded.event_id, day = excluded.day
            WHERE (excluded.rated_at, excluded.event_id) > (rated_at, event_id)
            RETURNING company_id, previous_kind, previous_day, kind, day
            """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var company = reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    Increment(ratingChanges, (company, DateOnly.FromDateTime(reader.GetDateTime(2)), reader.GetString(1), ""), -1);
                }

                Increment(ratingChanges, (company, DateOnly.FromDateTime(reader.GetDateTime(4)), reader.GetString(3), ""), 1);
            }
        }

        ApplyIncrements(connection, ratingChanges, """
            UPDATE daily_totals SET likes = daily_totals.likes + i.likes, dislikes = daily_totals.dislikes + i.dislikes
            FROM (
                SELECT company_id, day, coalesce(sum(amount) FILTER (WHERE a = 'like'), 0) AS likes, coalesce(sum(amount) FILTER (WHERE a = 'dislike'), 0) AS dislikes
                FROM increments GROUP BY company_id, day
            ) i
            WHERE daily_totals.company_id = i.company_id AND daily_totals.day = i.day
            """);

        Execute(connection, $"""
            INSERT INTO user_days
            SELECT company_id, user_id, day,
                bool_or(type NOT IN ('member_joined', 'member_left')),
                count(*) FILTER (WHERE type = 'session_started'),
                count(*) FILTER (WHERE type = 'user_query'),
                count(*) FILTER (WHERE type = 'feedback'),
                count(*) FILTER (WHERE type = 'tool_call'),
                count(*) FILTER (WHERE type = 'connection'),
                max(ts) FILTER (WHERE type = 'connection'),
                max(ts),
                arg_max(event_id, (ts, event_id)),
                arg_max(type = 'member_left', (ts, event_id))
            FROM {source} GROUP BY company_id, user_id, day
            ON CONFLICT DO UPDATE SET
                active = active OR excluded.active,
                sessions = sessions + excluded.sessions,
                queries = queries + excluded.queries,
                feedbacks = feedbacks + excluded.feedbacks,
                tool_calls = tool_calls + excluded.tool_calls,
                connections = connections + excluded.connections,
                last_connection = greatest(last_connection, excluded.last_connection),
                last_event_is_member_left = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (last_event_at, last_event_id)
                    THEN excluded.last_event_is_member_left ELSE last_event_is_member_left END,
                last_event_id = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (last_event_at, last_event_id)
                    THEN excluded.last_event_id ELSE last_event_id END,
                last_event_at = greatest(last_event_at, excluded.last_event_at)
            """);

        // The same counts per user and month, with the month's active days as bits.
        Execute(connection, $"""
            INSERT INTO user_months
            SELECT company_id, user_id, date_trunc('month', day)::DATE,
                coalesce(bit_or((1 << (dayofmonth(day) - 1))::INTEGER) FILTER (WHERE type NOT IN ('member_joined', 'member_left')), 0),
                count(*) FILTER (WHERE type = 'session_started'),
                count(*) FILTER (WHERE type = 'user_query'),
                count(*) FILTER (WHERE type = 'feedback'),
                count(*) FILTER (WHERE type = 'tool_call'),
                max(ts) FILTER (WHERE type = 'connection')
            FROM {source} GROUP BY company_id, user_id, date_trunc('month', day)::DATE
            ON CONFLICT DO UPDATE SET
                active_days = active_days | excluded.active_days,
                sessions = sessions + excluded.sessions,
                queries = queries + excluded.queries,
                feedbacks = feedbacks + excluded.feedbacks,
                tool_calls = tool_calls + excluded.tool_calls,
                last_connection = greatest(last_connection, excluded.last_connection)
            """);

        Execute(connection, $"""
            INSERT INTO members
            SELECT company_id, user_id,
                arg_max(user_name, (ts, event_id)) FILTER (WHERE type = 'member_joined' AND user_name IS NOT NULL),
                max(ts) FILTER (WHERE type = 'member_joined' AND user_name IS NOT NULL),
                arg_max(event_id, (ts, event_id)) FILTER (WHERE type = 'member_joined' AND user_name IS NOT NULL),
                min(day) FILTER (WHERE type NOT IN ('member_joined', 'member_left')),
                max(ts),
                arg_max(event_id, (ts, event_id)),
                arg_max(day, (ts, event_id)),
                arg_max(type = 'member_left', (ts, event_id))
            FROM {source} GROUP BY company_id, user_id
            ON CONFLICT DO UPDATE SET
                last_event_is_member_left = CASE WHEN last_event_at IS NULL OR (excluded.last_event_at, excluded.last_event_id) > (last_event_at, last_event_id)
                    THEN excluded.last_event_is_member_left ELSE last_event_is_member_left END,
                last_day = CASE WHEN last_event_at IS NULL OR (excluded.last_event_at, excluded.last_event_id) > (last_event_at, last_event_id)
                    THEN excluded.last_day ELSE last_day END,
                last_event_id = CASE WHEN last_event_at IS NULL OR (excluded.last_event_at, excluded.last_event_id) > (last_event_at, last_event_id)
                    THEN excluded.last_event_id ELSE last_event_id END,
                last_event_at = greatest(last_event_at, excluded.last_event_at),
                user_name = CASE WHEN excluded.named_at IS NOT NULL AND (named_at IS NULL OR (excluded.named_at, excluded.named_event_id) > (named_at, named_event_id))
                    THEN excluded.user_name ELSE user_name END,
                named_event_id = CASE WHEN excluded.named_at IS NOT NULL AND (named_at IS NULL OR (excluded.named_at, excluded.named_event_id) > (named_at, named_event_id))
                    THEN excluded.named_event_id ELSE named_event_id END,
                named_at = greatest(named_at, excluded.named_at),
                first_active_day = least(first_active_day, excluded.first_active_day)
            """);

        var connections = new List<LoggedConnection>();
        using (var command = Command(connection, $"""
            INSERT INTO connection_log
            SELECT company_id, day, ts, event_id, user_id, ip, user_agent, auth_method FROM {source} WHERE type = 'connection'
            RETURNING company_id, day, connected_at, event_id, user_id, ip, user_agent, auth_method
            """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                connections.Add(LoggedConnection.Read(reader));
            }
        }

        RatingAggregates.Restore(connection, source);
        return connections;
    }

    /// <summary>Writes the counters of <see cref="IngestionStats"/> for a batch of events. Runs in the aggregation's transaction.</summary>
    public static void RecordIngestionCounts(DuckDBConnection connection, string events, Dictionary<long, CompanyCounters> totals)
    {
        Execute(connection, $"""
            INSERT INTO ingestion_counts SELECT company_id, type, count(*) FROM {events} GROUP BY company_id, type
            ON CONFLICT DO UPDATE SET stored = stored + excluded.stored
            """);
        if (totals.Count == 0)
        {
            return;
        }

        // Rejected requests count only for companies that exist: a rejected request creates nothing.
        Execute(connection, $"""
            INSERT INTO ingestion_totals
            SELECT v.company_id, v.duplicates, v.rejected, v.last_accepted_at
            FROM (VALUES {Rows(totals.Select(p => $"{Literal(p.Key)}, {Literal(p.Value.Duplicates)}, {Literal(p.Value.Rejected)}, {(p.Value.LastAccepted is { } last ? Literal(last) : "NULL::TIMESTAMP")}"))})
                v(company_id, duplicates, rejected, last_accepted_at)
            SEMI JOIN companies c ON c.id = v.company_id
            ON CONFLICT DO UPDATE SET
                duplicates = duplicates + excluded.duplicates,
                rejected_requests = rejected_requests + excluded.rejected_requests,
                last_accepted_at = greatest(last_accepted_at, excluded.last_accepted_at)
            """);
    }

    /// <summary>
    /// Recomputes one company's event days in <paramref name="zone"/> and its answers' document counts (events
    /// stored before the aggregates existed have none), then its aggregates from all its events.
    /// Runs inside the caller's transaction, on the writer's connection.
    /// </summary>
    public static void Rebuild(DuckDBConnection connection, long companyId, TimeZoneInfo zone)
    {
        var company = companyId.ToString(CultureInfo.InvariantCulture);
        foreach (var table in AggregateTables.Concat(RatingAggregates.Tables))
        {
            Execute(connection, $"DELETE FROM {table} WHERE company_id = {company}");
        }

        var span = Scalar(connection, $"SELECT min(ts) FROM events WHERE company_id = {company}");
        if (span is DateTime first)
        {
            var last = (DateTime)Scalar(connection, $"SELECT max(ts) FROM events WHERE company_id = {company}")!;
            Execute(connection, "DELETE FROM zone_periods");
            using (var appender = connection.CreateAppender("zone_periods"))
            {
                foreach (var (start, end, offset) in ZoneOffsets.Periods(zone, first, last))
                {
                    appender.CreateRow().AppendValue(start).AppendValue(end).AppendValue((long)offset.TotalMinutes).EndRow();
                }
            }

            Execute(connection, $"""
                UPDATE events SET day = CAST(events.ts + to_minutes(p.offset_minutes) AS DATE)
                FROM zone_periods p
                WHERE events.company_id = {company} AND events.ts >= p.period_start AND events.ts < p.period_end
                """);
            Execute(connection, $"""
                UPDATE events SET document_count = d.documents
                FROM (SELECT event_id, count(*) AS documents FROM event_documents WHERE company_id = {company} GROUP BY event_id) d
                WHERE events.company_id = {company} AND events.event_id = d.event_id
                """);
        }

        // Its connections fall on new days: the caller drops the company's newest connections rather than add them.
        _ = Aggregate(connection, $"events WHERE company_id = {company}", $"(SELECT * FROM event_documents WHERE company_id = {company})");
    }

    /// <summary>Runs an INSERT ... RETURNING (company_id, day, a, b) and counts the rows per key.</summary>
    private static Dictionary<(long, DateOnly, string, string), long> CountReturned(DuckDBConnection connection, string sql)
    {
        var counts = new Dictionary<(long, DateOnly, string, string), long>();
        using var command = Command(connection, sql);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            Increment(counts, (reader.GetInt64(0), DateOnly.FromDateTime(reader.GetDateTime(1)), reader.GetString(2), reader.GetString(3)), 1);
        }

        return counts;
    }

    private static void Increment(Dictionary<(long, DateOnly, string, string), long> counts, (long, DateOnly, string, string) key, long amount) =>
        counts[key] = counts.GetValueOrDefault(key) + amount;

    /// <summary>
    /// Loads increments into the temporary <c>increments</c> table and runs the update that applies them. The
    /// update must sum the increments per target row first: an UPDATE ... FROM with several matching rows applies one.
    /// </summary>
    private static void ApplyIncrements(DuckDBConnection connection, Dictionary<(long, DateOnly, string, string), long> increments, string update)
    {
        if (increments.Count == 0)
        {
            return;
        }

        Execute(connection, "DELETE FROM increments");
        using (var appender = connection.CreateAppender("increments"))
        {
            foreach (var ((company, day, a, b), amount) in increments)
            {
                appender.CreateRow().AppendValue(company).AppendValue(day).AppendValue(a).AppendValue(b).AppendValue(amount).EndRow();
            }
        }

        Execute(connection, update);
    }
}
