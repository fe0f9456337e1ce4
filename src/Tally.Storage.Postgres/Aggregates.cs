namespace Tally.Storage.Postgres;

/// <summary>
/// The statements that keep the report aggregates. The same statements serve both paths: an ingestion commit runs
/// them over the events it has just stored, a rebuild over all of a company's events. Additive numbers are upserted
/// as sums; distinct counts come from set tables whose newly inserted members are counted (a data-modifying CTE
/// returns them); "latest" values (ratings, document names, user names, a day's last event) are replaced only by a
/// later (timestamp, id). Each statement reads <c>events</c> as a relation with the columns of the events table.
/// </summary>
internal static class Aggregates
{
    /// <summary>The temporary table holding one commit's (or one rebuild's) user-days between the statements.</summary>
    public const string UserDayChanges = "user_day_changes";

    /// <summary>
    /// Creates the temporary work table the statements need, on this connection, unless it exists: rows live for the
    /// transaction (ON COMMIT DELETE ROWS), the table for the connection's session.
    /// </summary>
    public const string CreateWorkTables = $"""
        CREATE TEMP TABLE IF NOT EXISTS {UserDayChanges} (
            company_id bigint, user_id bigint, day date, active boolean,
            sessions bigint, queries bigint, feedbacks bigint, tool_calls bigint, connections bigint, last_connection timestamptz,
            last_event_at timestamptz, last_event_id text COLLATE "C", last_event_is_member_left boolean
        ) ON COMMIT DELETE ROWS;
        {RatingAggregates.CreateWorkTables}
        """;

    /// <summary>The statements, in order, over <paramref name="events"/> and their listed <paramref name="documents"/>.</summary>
    public static IEnumerable<string> Statements(string events, string documents)
    {
        foreach (var statement in RatingAggregates.Withdraw(events).Concat(ModelAggregates.Statements(events)))
        {
            yield return statement;
        }

        yield return $"""
            INSERT INTO daily_totals AS t
            SELECT company_id, day,
                count(*) FILTER (WHERE type = 'session_started' AND mode = 'chat'),
                count(*) FILTER (WHERE type = 'user_query' AND mode = 'chat'),
                0,
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'chat'),
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'chat' AND document_count > 0),
                0,
                max(ts) FILTER (WHERE type = 'model_response' AND mode = 'chat'),
                count(*) FILTER (WHERE type = 'session_started' AND mode = 'agent'),
                count(*) FILTER (WHERE type = 'user_query' AND mode = 'agent'),
                0,
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'agent'),
                count(*) FILTER (WHERE type = 'model_response' AND mode = 'agent' AND document_count > 0),
                0,
                max(ts) FILTER (WHERE type = 'model_response' AND mode = 'agent'),
                0, 0,
                count(*) FILTER (WHERE type = 'feedback' AND kind = 'copy'),
                count(*) FILTER (WHERE type = 'feedback' AND kind = 'flag'),
                count(*) FILTER (WHERE type = 'tool_call'),
                count(*) FILTER (WHERE type = 'connection')
            FROM {events} e GROUP BY company_id, day
            ON CONFLICT (company_id, day) DO UPDATE SET
                chat_sessions = t.chat_sessions + excluded.chat_sessions,
                chat_queries = t.chat_queries + excluded.chat_queries,
                chat_responses = t.chat_responses + excluded.chat_responses,
                chat_responses_with_documents = t.chat_responses_with_documents + excluded.chat_responses_with_documents,
                chat_last_response = greatest(t.chat_last_response, excluded.chat_last_response),
                agent_sessions = t.agent_sessions + excluded.agent_sessions,
                agent_queries = t.agent_queries + excluded.agent_queries,
                agent_responses = t.agent_responses + excluded.agent_responses,
                agent_responses_with_documents = t.agent_responses_with_documents + excluded.agent_responses_with_documents,
                agent_last_response = greatest(t.agent_last_response, excluded.agent_last_response),
                copies = t.copies + excluded.copies,
                flags = t.flags + excluded.flags,
                tool_calls = t.tool_calls + excluded.tool_calls,
                connections = t.connections + excluded.connections
            """;

        // Distinct models answering and sessions with a query, per day and mode: the members new to the day's sets
        // are counted into the day totals.
        yield return $"""
            WITH new_models AS (
                INSERT INTO daily_models SELECT DISTINCT company_id, day, mode, model FROM {events} e WHERE type = 'model_response'
                ON CONFLICT DO NOTHING RETURNING company_id, day, mode
            ), new_sessions AS (
                INSERT INTO daily_query_sessions SELECT DISTINCT company_id, day, mode, session_id FROM {events} e WHERE type = 'user_query'
                ON CONFLICT DO NOTHING RETURNING company_id, day, mode
            ), increments AS (
                SELECT company_id, day,
                    count(*) FILTER (WHERE mode = 'chat' AND what = 'model') AS chat_models,
                    count(*) FILTER (WHERE mode = 'agent' AND what = 'model') AS agent_models,
                    count(*) FILTER (WHERE mode = 'chat' AND what = 'session') AS chat_sessions,
                    count(*) FILTER (WHERE mode = 'agent' AND what = 'session') AS agent_sessions
                FROM (SELECT *, 'model' AS what FROM new_models UNION ALL SELECT *, 'session' FROM new_sessions) n
                GROUP BY company_id, day
            )
            UPDATE daily_totals t SET
                chat_models = t.chat_models + i.chat_models, agent_models = t.agent_models + i.agent_models,
                chat_query_sessions = t.chat_query_sessions + i.chat_sessions, agent_query_sessions = t.agent_query_sessions + i.agent_sessions
            FROM increments i WHERE t.company_id = i.company_id AND t.day = i.day
            """;

        yield return $"""
            INSERT INTO daily_tools AS t
            SELECT company_id, day, tool_name, tool_type, count(*), 0, count(*) FILTER (WHERE status = 'error')
            FROM {events} e WHERE type = 'tool_call' GROUP BY company_id, day, tool_name, tool_type
            ON CONFLICT (company_id, day, tool_name, tool_type) DO UPDATE SET usage = t.usage + excluded.usage, errors = t.errors + excluded.errors
            """;
        yield return $"""
            WITH new_users AS (
                INSERT INTO daily_tool_users SELECT DISTINCT company_id, day, tool_name, tool_type, user_id FROM {events} e WHERE type = 'tool_call'
                ON CONFLICT DO NOTHING RETURNING company_id, day, tool_name, tool_type
            )
            UPDATE daily_tools t SET users = t.users + i.users
            FROM (SELECT company_id, day, tool_name, tool_type, count(*) AS users FROM new_users GROUP BY company_id, day, tool_name, tool_type) i
            WHERE t.company_id = i.company_id AND t.day = i.day AND t.tool_name = i.tool_name AND t.tool_type = i.tool_type
            """;

        var listings = $"(SELECT d.company_id, d.event_id, d.position, d.document_id, d.filename, d.title, e.day, e.ts FROM {documents} d JOIN {events} e USING (company_id, event_id))";
        yield return $"""
            INSERT INTO daily_documents AS t
            SELECT company_id, day, document_id, count(DISTINCT event_id) FROM {listings} l GROUP BY company_id, day, document_id
            ON CONFLICT (company_id, day, document_id) DO UPDATE SET usage = t.usage + excluded.usage
            """;
        yield return $"""
            INSERT INTO documents AS t
            SELECT DISTINCT ON (company_id, document_id) company_id, document_id, filename, title, ts, event_id, position FROM {listings} l
            ORDER BY company_id, document_id, ts DESC, event_id DESC, position DESC
            ON CONFLICT (company_id, document_id) DO UPDATE SET filename = excluded.filename, title = excluded.title,
                listed_at = excluded.listed_at, listed_event_id = excluded.listed_event_id, listed_position = excluded.listed_position
            WHERE (excluded.listed_at, excluded.listed_event_id, excluded.listed_position) > (t.listed_at, t.listed_event_id, t.listed_position)
            """;

        // A user's rating of an answer is their latest like, dislike or none: when it changes, the old one's day loses
        // a like or dislike and the new one's day gains one. An updated row returns the kind it had as previous_kind.
        yield return $"""
            WITH changed AS (
                INSERT INTO ratings AS t
                SELECT DISTINCT ON (company_id, user_id, response_id) company_id, user_id, response_id, kind, ts, event_id, day, NULL::text, NULL::date
                FROM {events} e WHERE type = 'feedback' AND kind IN ('like', 'dislike', 'none')
                ORDER BY company_id, user_id, response_id, ts DESC, event_id DESC
                ON CONFLICT (company_id, user_id, response_id) DO UPDATE SET previous_kind = t.kind, previous_day = t.day,
                    kind = excluded.kind, rated_at = excluded.rated_at, event_id = excluded.event_id, day = excluded.day
                WHERE (excluded.rated_at, excluded.event_id) > (t.rated_at, t.event_id)
                RETURNING company_id, previous_kind, previous_day, kind, day
            ), moves AS (
                SELECT company_id, previous_day AS day, previous_kind AS kind, -1 AS amount FROM changed WHERE previous_kind IS NOT NULL
                UNION ALL
                SELECT company_id, day, kind, 1 FROM changed
            )
            UPDATE daily_totals t SET likes = t.likes + i.likes, dislikes = t.dislikes + i.dislikes
            FROM (
                SELECT company_id, day, coalesce(sum(amount) FILTER (WHERE kind = 'like'), 0) AS likes, coalesce(sum(amount) FILTER (WHERE kind = 'dislike'), 0) AS dislikes
                FROM moves GROUP BY company_id, day
            ) i
            WHERE t.company_id = i.company_id AND t.day = i.day
            """;

        // One sort of the events by user and day: each user-day's counts and its last event, into a temporary table
        // that user_days, user_months and members are upserted from (instead of three groupings of the events, each
        // with its own sorts for the latest values).
        yield return $"""
            INSERT INTO {UserDayChanges}
            SELECT DISTINCT ON (company_id, user_id, day) company_id, user_id, day,
                bool_or(type NOT IN ('member_joined', 'member_left')) OVER w,
                count(*) FILTER (WHERE type = 'session_started') OVER w,
                count(*) FILTER (WHERE type = 'user_query') OVER w,
                count(*) FILTER (WHERE type = 'feedback') OVER w,
                count(*) FILTER (WHERE type = 'tool_call') OVER w,
                count(*) FILTER (WHERE type = 'connection') OVER w,
                max(ts) FILTER (WHERE type = 'connection') OVER w,
                ts, event_id, type = 'member_left'
            FROM {events} e
            WINDOW w AS (PARTITION BY company_id, user_id, day ORDER BY ts DESC, event_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
            ORDER BY company_id, user_id, day, ts DESC, event_id DESC
            """;

        yield return $"""
            INSERT INTO user_days AS t SELECT * FROM {UserDayChanges}
            ON CONFLICT (company_id, user_id, day) DO UPDATE SET
                active = t.active OR excluded.active,
                sessions = t.sessions + excluded.sessions,
                queries = t.queries + excluded.queries,
                feedbacks = t.feedbacks + excluded.feedbacks,
                tool_calls = t.tool_calls + excluded.tool_calls,
                connections = t.connections + excluded.connections,
                last_connection = greatest(t.last_connection, excluded.last_connection),
                last_event_is_member_left = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (t.last_event_at, t.last_event_id)
                    THEN excluded.last_event_is_member_left ELSE t.last_event_is_member_left END,
                last_event_id = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (t.last_event_at, t.last_event_id)
                    THEN excluded.last_event_id ELSE t.last_event_id END,
                last_event_at = greatest(t.last_event_at, excluded.last_event_at)
            """;

        yield return $"""
            INSERT INTO user_months AS t
            SELECT company_id, user_id, date_trunc('month', day)::date,
                coalesce(bit_or(1 << (extract(day FROM day)::integer - 1)) FILTER (WHERE active), 0),
                sum(sessions)::bigint, sum(queries)::bigint, sum(feedbacks)::bigint, sum(tool_calls)::bigint, max(last_connection)
            FROM {UserDayChanges} GROUP BY company_id, user_id, date_trunc('month', day)::date
            ON CONFLICT (company_id, user_id, month) DO UPDATE SET
                active_days = t.active_days | excluded.active_days,
                sessions = t.sessions + excluded.sessions,
                queries = t.queries + excluded.queries,
                feedbacks = t.feedbacks + excluded.feedbacks,
                tool_calls = t.tool_calls + excluded.tool_calls,
                last_connection = greatest(t.last_connection, excluded.last_connection)
            """;

        // A user's latest event is the latest of their days' last events; their name comes from their latest
        // member_joined with one (few events: read from the events themselves).
        yield return $"""
            INSERT INTO members AS t
            SELECT u.company_id, u.user_id, n.user_name, n.ts, n.event_id, u.first_active_day, u.last_event_at, u.last_event_id, u.day, u.last_event_is_member_left
            FROM (
                SELECT DISTINCT ON (company_id, user_id) company_id, user_id, day, last_event_at, last_event_id, last_event_is_member_left,
                    min(day) FILTER (WHERE active) OVER w AS first_active_day
                FROM {UserDayChanges}
                WINDOW w AS (PARTITION BY company_id, user_id ORDER BY last_event_at DESC, last_event_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                ORDER BY company_id, user_id, last_event_at DESC, last_event_id DESC
            ) u LEFT JOIN (
                SELECT DISTINCT ON (company_id, user_id) company_id, user_id, user_name, ts, event_id
                FROM {events} e WHERE type = 'member_joined' AND user_name IS NOT NULL
                ORDER BY company_id, user_id, ts DESC, event_id DESC
            ) n USING (company_id, user_id)
            ON CONFLICT (company_id, user_id) DO UPDATE SET
                last_event_is_member_left = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (t.last_event_at, t.last_event_id)
                    THEN excluded.last_event_is_member_left ELSE t.last_event_is_member_left END,
                last_day = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (t.last_event_at, t.last_event_id)
                    THEN excluded.last_day ELSE t.last_day END,
                last_event_id = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (t.last_event_at, t.last_event_id)
                    THEN excluded.last_event_id ELSE t.last_event_id END,
                last_event_at = greatest(t.last_event_at, excluded.last_event_at),
                user_name = CASE WHEN excluded.named_at IS NOT NULL AND (t.named_at IS NULL OR (excluded.named_at, excluded.named_event_id) > (t.named_at, t.named_event_id))
                    THEN excluded.user_name ELSE t.user_name END,
                named_event_id = CASE WHEN excluded.named_at IS NOT NULL AND (t.named_at IS NULL OR (excluded.named_at, excluded.named_event_id) > (t.named_at, t.named_event_id))
                    THEN excluded.named_event_id ELSE t.named_event_id END,
                named_at = greatest(t.named_at, excluded.named_at),
                first_active_day = least(t.first_active_day, excluded.first_active_day)
            """;

        yield return $"""
            INSERT INTO connection_log
            SELECT company_id, day, ts, event_id, user_id, ip, user_agent, auth_method FROM {events} e WHERE type = 'connection'
            """;

        foreach (var statement in RatingAggregates.Restore(events, documents))
        {
            yield return statement;
        }
    }
}
