using System.Globalization;
using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The schema, as numbered steps. A database records the last step applied; startup applies the rest in
/// order, each in its own transaction. Never edit a step that has shipped: add a new one.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Steps =
    [
        (1, "companies, api keys, events and ingestion counters", """
            CREATE TABLE companies (
                id BIGINT PRIMARY KEY,
                name VARCHAR NOT NULL,
                timezone VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL
            );

            CREATE SEQUENCE api_key_ids START 1;
            CREATE TABLE api_keys (
                id BIGINT PRIMARY KEY DEFAULT nextval('api_key_ids'),
                secret_hash BLOB NOT NULL UNIQUE,
                name VARCHAR NOT NULL,
                role VARCHAR NOT NULL,
                company_id BIGINT,
                created_at TIMESTAMP NOT NULL,
                revoked_at TIMESTAMP,
                last_used_at TIMESTAMP
            );

            -- One wide table for every type: columnar storage makes the unused columns of a type nearly free.
            CREATE TABLE events (
                company_id BIGINT NOT NULL,
                event_id VARCHAR NOT NULL,
                type VARCHAR NOT NULL,
                ts TIMESTAMP NOT NULL,
                user_id BIGINT NOT NULL,
                mode VARCHAR,
                session_id VARCHAR,
                response_id VARCHAR,
                model VARCHAR,
                latency_ms BIGINT,
                input_tokens BIGINT,
                output_tokens BIGINT,
                tool_name VARCHAR,
                tool_type VARCHAR,
                status VARCHAR,
                duration_ms BIGINT,
                kind VARCHAR,
                user_name VARCHAR,
                email VARCHAR,
                ip VARCHAR,
                user_agent VARCHAR,
                auth_method VARCHAR,
                received_at TIMESTAMP NOT NULL,
                PRIMARY KEY (company_id, event_id)
            );

            -- The documents a model_response listed, in the order it listed them.
            CREATE TABLE event_documents (
                company_id BIGINT NOT NULL,
                event_id VARCHAR NOT NULL,
                position INTEGER NOT NULL,
                document_id BIGINT NOT NULL,
                filename VARCHAR NOT NULL,
                title VARCHAR
            );

            CREATE TABLE ingestion_counts (
                company_id BIGINT NOT NULL,
                type VARCHAR NOT NULL,
                stored BIGINT NOT NULL,
                PRIMARY KEY (company_id, type)
            );

            CREATE TABLE ingestion_totals (
                company_id BIGINT PRIMARY KEY,
                duplicates BIGINT NOT NULL,
                rejected_requests BIGINT NOT NULL,
                last_accepted_at TIMESTAMP
            );
            """),
        (2, "per-day aggregates for the reports", """
            -- The calendar day of each event in its company's time zone, and the number of documents an answer
            -- listed: what the aggregates group by. Rewritten when a company's time zone changes.
            ALTER TABLE events ADD COLUMN day DATE;
            ALTER TABLE events ADD COLUMN document_count INTEGER DEFAULT 0;

            -- The commit that stored an event. The aggregates are brought up to date in batches of commits: the
            -- watermark is the last commit they include, moved in the same transaction as the aggregates.
            ALTER TABLE events ADD COLUMN seq BIGINT;
            ALTER TABLE event_documents ADD COLUMN seq BIGINT;
            CREATE TABLE aggregation_state (id INTEGER PRIMARY KEY, watermark BIGINT NOT NULL);
            INSERT INTO aggregation_state VALUES (1, 0);

            -- Everything a report reads, per company and calendar day in the company's time zone. Kept up to date
            -- in each ingestion commit and recomputed from events when a company's time zone changes.
            CREATE TABLE daily_totals (
                company_id BIGINT NOT NULL,
                day DATE NOT NULL,
                chat_sessions BIGINT NOT NULL, chat_queries BIGINT NOT NULL, chat_query_sessions BIGINT NOT NULL,
                chat_responses BIGINT NOT NULL, chat_responses_with_documents BIGINT NOT NULL, chat_last_response TIMESTAMP,
                agent_sessions BIGINT NOT NULL, agent_queries BIGINT NOT NULL, agent_query_sessions BIGINT NOT NULL,
                agent_responses BIGINT NOT NULL, agent_responses_with_documents BIGINT NOT NULL, agent_last_response TIMESTAMP,
                likes BIGINT NOT NULL, dislikes BIGINT NOT NULL, copies BIGINT NOT NULL, flags BIGINT NOT NULL,
                tool_calls BIGINT NOT NULL, connections BIGINT NOT NULL,
                PRIMARY KEY (company_id, day)
            );

            -- Sets, for distinct counts: models answering, sessions asking, users of a tool, per day.
            CREATE TABLE daily_models (company_id BIGINT, day DATE, mode VARCHAR, model VARCHAR, PRIMARY KEY (company_id, day, mode, model));
            CREATE TABLE daily_query_sessions (company_id BIGINT, day DATE, mode VARCHAR, session_id VARCHAR, PRIMARY KEY (company_id, day, mode, session_id));
            CREATE TABLE daily_tools (
                company_id BIGINT, day DATE, tool_name VARCHAR, tool_type VARCHAR,
                usage BIGINT NOT NULL, users BIGINT NOT NULL, errors BIGINT NOT NULL,
                PRIMARY KEY (company_id, day, tool_name, tool_type)
            );
            CREATE TABLE daily_tool_users (company_id BIGINT, day DATE, tool_name VARCHAR, tool_type VARCHAR, user_id BIGINT, PRIMARY KEY (company_id, day, tool_name, tool_type, user_id));

            CREATE TABLE daily_documents (company_id BIGINT, day DATE, document_id BIGINT, usage BIGINT NOT NULL, PRIMARY KEY (company_id, day, document_id));
            -- Each document's filename and title from its latest listing (timestamp, event id, position in the answer).
            CREATE TABLE documents (
                company_id BIGINT, document_id BIGINT, filename VARCHAR NOT NULL, title VARCHAR,
                listed_at TIMESTAMP NOT NULL, listed_event_id VARCHAR NOT NULL, listed_position INTEGER NOT NULL,
                PRIMARY KEY (company_id, document_id)
            );

            -- Each user's current rating of an answer: their latest like, dislike or none.
            CREATE TABLE ratings (
                company_id BIGINT, user_id BIGINT, response_id VARCHAR,
                kind VARCHAR NOT NULL, rated_at TIMESTAMP NOT NULL, event_id VARCHAR NOT NULL, day DATE NOT NULL,
                previous_kind VARCHAR, previous_day DATE,
                PRIMARY KEY (company_id, user_id, response_id)
            );

            -- One row per user and day with any event: activity, raw counts, and the day's last event.
            CREATE TABLE user_days (
                company_id BIGINT, user_id BIGINT, day DATE,
                active BOOLEAN NOT NULL,
                sessions BIGINT NOT NULL, queries BIGINT NOT NULL, feedbacks BIGINT NOT NULL, tool_calls BIGINT NOT NULL, connections BIGINT NOT NULL,
                last_connection TIMESTAMP,
                last_event_at TIMESTAMP NOT NULL, last_event_id VARCHAR NOT NULL, last_event_is_member_left BOOLEAN NOT NULL,
                PRIMARY KEY (company_id, user_id, day)
            );

            -- One row per user: the name from their latest member_joined that has one, and their first active day.
            CREATE TABLE members (
                company_id BIGINT, user_id BIGINT,
                user_name VARCHAR, named_at TIMESTAMP, named_event_id VARCHAR,
                first_active_day DATE,
                PRIMARY KEY (company_id, user_id)
            );

            CREATE TABLE connection_log (
                company_id BIGINT NOT NULL, day DATE NOT NULL, connected_at TIMESTAMP NOT NULL, event_id VARCHAR NOT NULL,
                user_id BIGINT NOT NULL, ip VARCHAR, user_agent VARCHAR, auth_method VARCHAR
            );
            """),
        (3, "each member's latest event, so that current member counts need not scan their days", """
            ALTER TABLE members ADD COLUMN last_event_at TIMESTAMP;
            ALTER TABLE members ADD COLUMN last_event_id VARCHAR;
            ALTER TABLE members ADD COLUMN last_day DATE;
            ALTER TABLE members ADD COLUMN last_event_is_member_left BOOLEAN;
            UPDATE members SET last_event_at = l.at, last_event_id = l.id, last_day = l.day, last_event_is_member_left = l.has_left
            FROM (
                SELECT company_id, user_id, max(day) AS day, arg_max(last_event_at, day) AS at, arg_max(last_event_id, day) AS id,
                    arg_max(last_event_is_member_left, day) AS has_left
                FROM user_days GROUP BY company_id, user_id
            ) l
            WHERE members.company_id = l.company_id AND members.user_id = l.user_id;
            """),
        (4, "events keyed by a 64-bit hash of (company_id, event_id) instead of a primary key on the pair", $"""
            -- DuckDB cannot drop a primary key, so the table is copied (in storage order, which is commit order).
            CREATE TABLE events_keyed (
                company_id BIGINT NOT NULL,
                event_id VARCHAR NOT NULL,
                type VARCHAR NOT NULL,
                ts TIMESTAMP NOT NULL,
                user_id BIGINT NOT NULL,
                mode VARCHAR,
                session_id VARCHAR,
                response_id VARCHAR,
                model VARCHAR,
                latency_ms BIGINT,
                input_tokens BIGINT,
                output_tokens BIGINT,
                tool_name VARCHAR,
                tool_type VARCHAR,
                status VARCHAR,
                duration_ms BIGINT,
                kind VARCHAR,
                user_name VARCHAR,
                email VARCHAR,
                ip VARCHAR,
                user_agent VARCHAR,
                auth_method VARCHAR,
                received_at TIMESTAMP NOT NULL,
                day DATE,
                document_count INTEGER DEFAULT 0,
                seq BIGINT,
                key_hash BIGINT NOT NULL
            );
            INSERT INTO events_keyed SELECT *, {EventKeyFunction}(company_id, event_id) FROM events ORDER BY rowid;
            DROP TABLE events;
            ALTER TABLE events_keyed RENAME TO events;
            CREATE INDEX events_by_key ON events (key_hash);
            """),
        (5, "per-user, per-month rollups of the user-days, so that user activities over months need not read every day", """
            -- Bit d - 1 of active_days is set when day d of the month (in the company's time zone) has an activity event.
            CREATE TABLE user_months (
                company_id BIGINT, user_id BIGINT, month DATE,
                active_days INTEGER NOT NULL,
                sessions BIGINT NOT NULL, queries BIGINT NOT NULL, feedbacks BIGINT NOT NULL, tool_calls BIGINT NOT NULL,
                last_connection TIMESTAMP,
                PRIMARY KEY (company_id, user_id, month)
            );
            INSERT INTO user_months
            SELECT company_id, user_id, date_trunc('month', day)::DATE,
                bit_or(CASE WHEN active THEN (1 << (dayofmonth(day) - 1))::INTEGER ELSE 0 END),
                sum(sessions)::BIGINT, sum(queries)::BIGINT, sum(feedbacks)::BIGINT, sum(tool_calls)::BIGINT, max(last_connection)
            FROM user_days GROUP BY company_id, user_id, date_trunc('month', day)::DATE;
            """),
        (6, "distinct models per day and mode kept in the day totals, so that a day's numbers are one row", """
            ALTER TABLE daily_totals ADD COLUMN chat_models BIGINT DEFAULT 0;
            ALTER TABLE daily_totals ADD COLUMN agent_models BIGINT DEFAULT 0;
            UPDATE daily_totals SET chat_models = m.chat, agent_models = m.agent
            FROM (
                SELECT company_id, day, count(*) FILTER (WHERE mode = 'chat') AS chat, count(*) FILTER (WHERE mode = 'agent') AS agent
                FROM daily_models GROUP BY company_id, day
            ) m
            WHERE daily_totals.company_id = m.company_id AND daily_totals.day = m.day;
            """),
        (7, "no index of the event keys: the writer keeps the stored keys in memory, and DuckDB rewrote the whole index at every checkpoint", """
            DROP INDEX events_by_key;
            """),
        (8, "where the ratings go: per-day likes and dislikes by the rated answer's model, tools and documents", """
            -- Per answer id: its first model_response (the rated response), that response's distinct documents, and the
            -- distinct tools of its tool calls.
            CREATE TABLE first_responses (
                company_id BIGINT, response_id VARCHAR, model VARCHAR NOT NULL, first_at TIMESTAMP NOT NULL, first_event_id VARCHAR NOT NULL,
                PRIMARY KEY (company_id, response_id)
            );
            CREATE TABLE first_response_documents (company_id BIGINT NOT NULL, response_id VARCHAR NOT NULL, document_id BIGINT NOT NULL);
            CREATE TABLE response_tools (
                company_id BIGINT, response_id VARCHAR, tool_name VARCHAR, tool_type VARCHAR,
                PRIMARY KEY (company_id, response_id, tool_name, tool_type)
            );

            -- The current ratings counted on each day, by model ('' for answers not stored), tool and document.
            CREATE TABLE daily_model_ratings (
                company_id BIGINT, day DATE, model VARCHAR, likes BIGINT NOT NULL, dislikes BIGINT NOT NULL, PRIMARY KEY (company_id, day, model)
            );
            CREATE TABLE daily_tool_ratings (
                company_id BIGINT, day DATE, tool_name VARCHAR, tool_type VARCHAR, likes BIGINT NOT NULL, dislikes BIGINT NOT NULL,
                PRIMARY KEY (company_id, day, tool_name, tool_type)
            );
            CREATE TABLE daily_document_ratings (
                company_id BIGINT, day DATE, document_id BIGINT, likes BIGINT NOT NULL, dislikes BIGINT NOT NULL, PRIMARY KEY (company_id, day, document_id)
            );

            -- Filled from the events the aggregates already include (those past the watermark are aggregated after
            -- startup, as usual), so that they agree with the ratings table.
            INSERT INTO first_responses
            SELECT company_id, response_id, model, ts, event_id FROM events
            WHERE type = 'model_response' AND seq <= (SELECT watermark FROM aggregation_state)
            QUALIFY row_number() OVER (PARTITION BY company_id, response_id ORDER BY ts, event_id) = 1;
            INSERT INTO first_response_documents
            SELECT DISTINCT f.company_id, f.response_id, d.document_id
            FROM first_responses f JOIN event_documents d ON d.company_id = f.company_id AND d.event_id = f.first_event_id;
            INSERT INTO response_tools
            SELECT DISTINCT company_id, response_id, tool_name, tool_type FROM events
            WHERE type = 'tool_call' AND response_id IS NOT NULL AND seq <= (SELECT watermark FROM aggregation_state);
            INSERT INTO daily_model_ratings
            SELECT r.company_id, r.day, coalesce(f.model, ''), count(*) FILTER (WHERE r.kind = 'like'), count(*) FILTER (WHERE r.kind = 'dislike')
            FROM ratings r LEFT JOIN first_responses f ON f.company_id = r.company_id AND f.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike') GROUP BY ALL;
            INSERT INTO daily_tool_ratings
            SELECT r.company_id, r.day, t.tool_name, t.tool_type, count(*) FILTER (WHERE r.kind = 'like'), count(*) FILTER (WHERE r.kind = 'dislike')
            FROM ratings r JOIN response_tools t ON t.company_id = r.company_id AND t.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike') GROUP BY ALL;
            INSERT INTO daily_document_ratings
            SELECT r.company_id, r.day, d.document_id, count(*) FILTER (WHERE r.kind = 'like'), count(*) FILTER (WHERE r.kind = 'dislike')
            FROM ratings r JOIN first_response_documents d ON d.company_id = r.company_id AND d.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike') GROUP BY ALL;
            """),
        (9, "model prices with effective dates", """
            -- Prices per million tokens, exact: at most 1,000,000 with 6 decimals.
            CREATE TABLE model_prices (
                model VARCHAR NOT NULL,
                effective_from DATE NOT NULL,
                currency VARCHAR NOT NULL,
                input_per_million DECIMAL(13, 6) NOT NULL,
                output_per_million DECIMAL(13, 6) NOT NULL,
                PRIMARY KEY (model, effective_from)
            );
            """),
        (10, "per-day aggregates of the model responses: counts and tokens per model, users with their tokens, latency histograms", $"""
            CREATE TABLE daily_model_usage (
                company_id BIGINT, day DATE, model VARCHAR,
                responses BIGINT NOT NULL, responses_with_documents BIGINT NOT NULL,
                input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, responses_with_usage BIGINT NOT NULL,
                PRIMARY KEY (company_id, day, model)
            );
            CREATE TABLE daily_model_users (
                company_id BIGINT, day DATE, model VARCHAR, user_id BIGINT,
                input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
                PRIMARY KEY (company_id, day, model, user_id)
            );
            CREATE TABLE daily_model_latencies (
                company_id BIGINT, day DATE, model VARCHAR, latency_ms DECIMAL(20, 0), responses BIGINT NOT NULL,
                PRIMARY KEY (company_id, day, model, latency_ms)
            );
            {ModelAggregates.Statements("events", "AND day IS NOT NULL AND seq <= (SELECT watermark FROM aggregation_state)")}
            """),
        (11, "the distinct-count sets and document usage rolled up per calendar month, with their counters", """
            CREATE TABLE rollup_models (company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, model VARCHAR, PRIMARY KEY (company_id, unit, start, mode, model));
            CREATE TABLE rollup_query_sessions (company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, session_id VARCHAR, PRIMARY KEY (company_id, unit, start, mode, session_id));
            CREATE TABLE rollup_mode_counts (
                company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, models BIGINT NOT NULL, sessions BIGINT NOT NULL,
                PRIMARY KEY (company_id, unit, start, mode)
            );
            CREATE TABLE rollup_tool_users (
                company_id BIGINT, unit VARCHAR, start DATE, tool_name VARCHAR, tool_type VARCHAR, user_id BIGINT,
                PRIMARY KEY (company_id, unit, start, tool_name, tool_type, user_id)
            );
            CREATE TABLE rollup_tool_counts (
                company_id BIGINT, unit VARCHAR, start DATE, tool_name VARCHAR, tool_type VARCHAR, users BIGINT NOT NULL,
                PRIMARY KEY (company_id, unit, start, tool_name, tool_type)
            );
            CREATE TABLE rollup_model_users (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, user_id BIGINT, PRIMARY KEY (company_id, unit, start, model, user_id));
            CREATE TABLE rollup_model_counts (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, users BIGINT NOT NULL, PRIMARY KEY (company_id, unit, start, model));
            CREATE TABLE rollup_documents (company_id BIGINT, unit VARCHAR, start DATE, document_id BIGINT, usage BIGINT NOT NULL, PRIMARY KEY (company_id, unit, start, document_id));
            INSERT INTO rollup_models SELECT DISTINCT company_id, 'month', date_trunc('month', day)::DATE, mode, model FROM daily_models;
            INSERT INTO rollup_query_sessions SELECT DISTINCT company_id, 'month', date_trunc('month', day)::DATE, mode, session_id FROM daily_query_sessions;
            INSERT INTO rollup_mode_counts
            SELECT company_id, unit, start, mode, sum(models)::BIGINT, sum(sessions)::BIGINT FROM (
                SELECT company_id, unit, start, mode, count(*) AS models, 0 AS sessions FROM rollup_models GROUP BY ALL
                UNION ALL
                SELECT company_id, unit, start, mode, 0, count(*) FROM rollup_query_sessions GROUP BY ALL
            ) GROUP BY ALL;
            INSERT INTO rollup_tool_users SELECT DISTINCT company_id, 'month', date_trunc('month', day)::DATE, tool_name, tool_type, user_id FROM daily_tool_users;
            INSERT INTO rollup_tool_counts SELECT company_id, unit, start, tool_name, tool_type, count(*) FROM rollup_tool_users GROUP BY ALL;
            INSERT INTO rollup_model_users SELECT DISTINCT company_id, 'month', date_trunc('month', day)::DATE, model, user_id FROM daily_model_users;
            INSERT INTO rollup_model_counts SELECT company_id, unit, start, model, count(*) FROM rollup_model_users GROUP BY ALL;
            INSERT INTO rollup_documents SELECT company_id, 'month', date_trunc('month', day)::DATE, document_id, sum(usage)::BIGINT FROM daily_documents GROUP BY ALL;
            """),
        (12, "month counters built at a month's first read instead of in every batch, with the month's latency histograms: the rolled-up sets go; rounded latencies as DOUBLE; first responses' documents read from their listings", """
            -- A rated answer's documents are read from its first response's own listing in event_documents.
            DROP TABLE first_response_documents;
            DROP TABLE rollup_models;
            DROP TABLE rollup_query_sessions;
            DROP TABLE rollup_tool_users;
            DROP TABLE rollup_model_users;
            -- The months whose counters are current; none yet, so each is built again at its next read.
            CREATE TABLE rollup_months (company_id BIGINT, start DATE, PRIMARY KEY (company_id, start));
            -- A month's latency histogram per model, built with its counters (written and read whole: no key).
            CREATE TABLE rollup_model_latencies (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, latency_ms DOUBLE, responses BIGINT NOT NULL);
            -- The rounded latencies as DOUBLE, which holds each exactly, instead of DECIMAL(20, 0), which DuckDB scans
            -- several times slower.
            CREATE TABLE daily_model_latencies_step_12 (
                company_id BIGINT, day DATE, model VARCHAR, latency_ms DOUBLE, responses BIGINT NOT NULL,
                PRIMARY KEY (company_id, day, model, latency_ms)
            );
            INSERT INTO daily_model_latencies_step_12 SELECT company_id, day, model, latency_ms::DOUBLE, responses FROM daily_model_latencies;
            DROP TABLE daily_model_latencies;
            ALTER TABLE daily_model_latencies_step_12 RENAME TO daily_model_latencies;
            """),
        (13, "each user's token sums per month and model, built with the month counters; the answers' first responses and tools appended without a key", """
            -- Appended in each batch without a key (see RatingAggregates): the earliest row of an answer is its first response.
            CREATE TABLE first_responses_step_13 (
                company_id BIGINT NOT NULL, response_id VARCHAR NOT NULL, model VARCHAR NOT NULL, first_at TIMESTAMP NOT NULL, first_event_id VARCHAR NOT NULL
            );
            INSERT INTO first_responses_step_13 SELECT company_id, response_id, model, first_at, first_event_id FROM first_responses;
            DROP TABLE first_responses;
            ALTER TABLE first_responses_step_13 RENAME TO first_responses;
            CREATE TABLE response_tools_step_13 (company_id BIGINT NOT NULL, response_id VARCHAR NOT NULL, tool_name VARCHAR NOT NULL, tool_type VARCHAR NOT NULL);
            INSERT INTO response_tools_step_13 SELECT company_id, response_id, tool_name, tool_type FROM response_tools;
            DROP TABLE response_tools;
            ALTER TABLE response_tools_step_13 RENAME TO response_tools;

            -- Written and read whole, like the month's latency histograms: no key.
            CREATE TABLE rollup_user_tokens (
                company_id BIGINT, unit VARCHAR, start DATE, user_id BIGINT, model VARCHAR, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL
            );
            -- No month is current until its new table is built with the others.
            DELETE FROM rollup_months;
            """),
        (14, "the counters of ranges inside a month (a month view's cut first and last months), built at their first read like whole months'", """
            -- The ranges whose counters are current: rows of the rollup tables with unit 'to' and the range's last day.
            CREATE TABLE rollup_ranges (company_id BIGINT, start DATE, last_day DATE, PRIMARY KEY (company_id, start, last_day));
            """),
        (15, "each day's and model's users and latency histogram in one row, built at its first read by day", """
            -- Written and read whole, per company and day range: no key. Current while responses equals the day's in daily_model_usage.
            CREATE TABLE daily_model_digests (
                company_id BIGINT, day DATE, model VARCHAR, responses BIGINT NOT NULL, users BIGINT NOT NULL, latencies BLOB NOT NULL);
            """),
        (16, "every view of the models report reads its latencies from the day digests: no month or range histograms", """
            DROP TABLE rollup_model_latencies;
            """),
        (17, "each month's and range's documents ranked by uses, with the period's count of documents on every row", """
            -- The rows kept, so the months and ranges built stay current.
            CREATE TABLE rollup_documents_step_17 (
                company_id BIGINT, unit VARCHAR, start DATE, document_id BIGINT, usage BIGINT NOT NULL,
                usage_rank BIGINT NOT NULL, documents BIGINT NOT NULL,
                PRIMARY KEY (company_id, unit, start, document_id)
            );
            INSERT INTO rollup_documents_step_17
            SELECT company_id, unit, start, document_id, usage,
                row_number() OVER (PARTITION BY company_id, unit, start ORDER BY usage DESC, document_id),
                count(*) OVER (PARTITION BY company_id, unit, start)
            FROM rollup_documents;
            DROP TABLE rollup_documents;
            ALTER TABLE rollup_documents_step_17 RENAME TO rollup_documents;
            """),
    ];

    /// <summary>
    /// Applies the steps the store at <paramref name="path"/> lacks, each in its own transaction; a store of a newer
    /// schema is refused. Returns the last step applied before.
    /// </summary>
    public static int Apply(DuckDBConnection connection, string path)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)");
        var applied = (int)ScalarInt64(connection, "SELECT coalesce(max(version), 0) FROM schema_migrations");
        var known = Steps.Max(step => step.Version);
        if (applied > known)
        {
            throw new StoreUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"The store {path} has schema version {applied}, newer than this Tally knows ({known}): run a Tally at least as new as the one that wrote it."));
        }

        foreach (var (version, description, sql) in Steps.Where(step => step.Version > applied))
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, sql);
            Execute(connection, "INSERT INTO schema_migrations VALUES ($1, $2, now())", version, description);
            transaction.Commit();
        }

        return applied;
    }

    /// <summary>The scratch tables of the write path and of the aggregation: temporary, so each connection has its own.</summary>
    public static void CreateScratchTables(DuckDBConnection connection) => Execute(connection, """
        CREATE OR REPLACE TEMP TABLE suspect_keys (key_hash BIGINT);
        CREATE OR REPLACE TEMP TABLE increments (company_id BIGINT, day DATE, a VARCHAR, b VARCHAR, amount BIGINT);
        CREATE OR REPLACE TEMP TABLE zone_periods (period_start TIMESTAMP, period_end TIMESTAMP, offset_minutes BIGINT);
        """);

    /// <summary>The SQL name of the store's event key function (<see cref="EventKey.Of"/>), registered on the writer's connection for step 4.</summary>
    public const string EventKeyFunction = "tally_event_key";
}
