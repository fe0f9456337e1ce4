namespace Tally.Storage.Postgres;

/// <summary>
/// The schema, as numbered steps. A database records the last step applied; <see cref="PostgresStore.MigrateAsync"/>
/// applies the rest in one transaction under an advisory lock, so servers starting at once apply each step once.
/// Never edit a step that has shipped: add a new one.
/// </summary>
internal static class Schema
{
    /// <summary>The advisory lock key of migrations (company locks use the company id, always positive).</summary>
    public const long MigrationLock = -1;

    /// <summary>The advisory lock key of partition creation.</summary>
    public const long PartitionLock = -2;

    // Identifiers (event, session, response ids, tool and model names) are compared by code point wherever a rule says
    // "latest" or an order is shown: COLLATE "C" on a UTF-8 database compares their bytes, which is that order.
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Steps =
    [
        (1, "companies, api keys, the event ledger, raw events by month and the report aggregates", """
            CREATE TABLE companies (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                timezone text NOT NULL,
                created_at timestamptz NOT NULL
            );

            CREATE TABLE api_keys (
                id bigserial PRIMARY KEY,
                secret_hash bytea NOT NULL UNIQUE,
                name text NOT NULL,
                role text NOT NULL,
                company_id bigint,
                created_at timestamptz NOT NULL,
                revoked_at timestamptz,
                last_used_at timestamptz
            );

            -- The idempotency ledger: one row per accepted event, kept when old months of events are dropped. Its key
            -- is the deduplication: two servers inserting one event serialize on it, and one of them sees a conflict.
            CREATE TABLE event_keys (
                company_id bigint NOT NULL,
                event_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (company_id, event_id)
            ) PARTITION BY HASH (company_id);
            CREATE TABLE event_keys_0 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 0);
            CREATE TABLE event_keys_1 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 1);
            CREATE TABLE event_keys_2 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 2);
            CREATE TABLE event_keys_3 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 3);
            CREATE TABLE event_keys_4 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 4);
            CREATE TABLE event_keys_5 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 5);
            CREATE TABLE event_keys_6 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 6);
            CREATE TABLE event_keys_7 PARTITION OF event_keys FOR VALUES WITH (MODULUS 8, REMAINDER 7);

            -- Raw events, one partition per month of their UTC timestamp (created as events arrive), so that old
            -- months can be detached or dropped whole. day is the calendar day in the company's time zone.
            CREATE TABLE events (
                company_id bigint NOT NULL,
                event_id text COLLATE "C" NOT NULL,
                type text NOT NULL,
                ts timestamptz NOT NULL,
                user_id bigint NOT NULL,
                mode text,
                session_id text COLLATE "C",
                response_id text COLLATE "C",
                model text COLLATE "C",
                latency_ms bigint,
                input_tokens bigint,
                output_tokens bigint,
                tool_name text COLLATE "C",
                tool_type text,
                status text,
                duration_ms bigint,
                kind text,
                user_name text,
                email text,
                ip text,
                user_agent text,
                auth_method text,
                received_at timestamptz NOT NULL,
                day date NOT NULL,
                document_count integer NOT NULL
            ) PARTITION BY RANGE (ts);
            CREATE INDEX events_by_company ON events (company_id, ts);

            -- The documents a model_response listed, in the order it listed them; partitioned like the events.
            CREATE TABLE event_documents (
                company_id bigint NOT NULL,
                event_id text COLLATE "C" NOT NULL,
                ts timestamptz NOT NULL,
                position integer NOT NULL,
                document_id bigint NOT NULL,
                filename text NOT NULL,
                title text
            ) PARTITION BY RANGE (ts);
            CREATE INDEX event_documents_by_company ON event_documents (company_id, event_id);

            CREATE TABLE ingestion_counts (
                company_id bigint NOT NULL,
                type text NOT NULL,
                stored bigint NOT NULL,
                PRIMARY KEY (company_id, type)
            );

            CREATE TABLE ingestion_totals (
                company_id bigint PRIMARY KEY,
                duplicates bigint NOT NULL,
                rejected_requests bigint NOT NULL,
                last_accepted_at timestamptz
            );

            -- Everything a report reads, per company and calendar day in the company's time zone; written in the
            -- transaction that stores the events, recomputed when a company's time zone changes.
            CREATE TABLE daily_totals (
                company_id bigint NOT NULL,
                day date NOT NULL,
                chat_sessions bigint NOT NULL, chat_queries bigint NOT NULL, chat_query_sessions bigint NOT NULL,
                chat_responses bigint NOT NULL, chat_responses_with_documents bigint NOT NULL, chat_models bigint NOT NULL,
                chat_last_response timestamptz,
                agent_sessions bigint NOT NULL, agent_queries bigint NOT NULL, agent_query_sessions bigint NOT NULL,
                agent_responses bigint NOT NULL, agent_responses_with_documents bigint NOT NULL, agent_models bigint NOT NULL,
                agent_last_response timestamptz,
                likes bigint NOT NULL, dislikes bigint NOT NULL, copies bigint NOT NULL, flags bigint NOT NULL,
                tool_calls bigint NOT NULL, connections bigint NOT NULL,
                PRIMARY KEY (company_id, day)
            );

            -- Sets, for distinct counts: models answering, sessions asking, users of a tool, per day.
            CREATE TABLE daily_models (company_id bigint, day date, mode text, model text COLLATE "C", PRIMARY KEY (company_id, day, mode, model));
            CREATE TABLE daily_query_sessions (company_id bigint, day date, mode text, session_id text COLLATE "C", PRIMARY KEY (company_id, day, mode, session_id));
            CREATE TABLE daily_tools (
                company_id bigint, day date, tool_name text COLLATE "C", tool_type text,
                usage bigint NOT NULL, users bigint NOT NULL, errors bigint NOT NULL,
                PRIMARY KEY (company_id, day, tool_name, tool_type)
            );
            CREATE TABLE daily_tool_users (
                company_id bigint, day date, tool_name text COLLATE "C", tool_type text, user_id bigint,
                PRIMARY KEY (company_id, day, tool_name, tool_type, user_id)
            );

            CREATE TABLE daily_documents (company_id bigint, day date, document_id bigint, usage bigint NOT NULL, PRIMARY KEY (company_id, day, document_id));
            -- Each document's filename and title from its latest listing (timestamp, event id, position in the answer).
            CREATE TABLE documents (
                company_id bigint, document_id bigint, filename text NOT NULL, title text,
                listed_at timestamptz NOT NULL, listed_event_id text COLLATE "C" NOT NULL, listed_position integer NOT NULL,
                PRIMARY KEY (company_id, document_id)
            );

            -- Each user's current rating of an answer: their latest like, dislike or none.
            CREATE TABLE ratings (
                company_id bigint, user_id bigint, response_id text COLLATE "C",
                kind text NOT NULL, rated_at timestamptz NOT NULL, event_id text COLLATE "C" NOT NULL, day date NOT NULL,
                previous_kind text, previous_day date,
                PRIMARY KEY (company_id, user_id, response_id)
            );

            -- One row per user and day with any event: activity, raw counts, and the day's last event.
            CREATE TABLE user_days (
                company_id bigint, user_id bigint, day date,
                active boolean NOT NULL,
                sessions bigint NOT NULL, queries bigint NOT NULL, feedbacks bigint NOT NULL, tool_calls bigint NOT NULL, connections bigint NOT NULL,
                last_connection timestamptz,
                last_event_at timestamptz NOT NULL, last_event_id text COLLATE "C" NOT NULL, last_event_is_member_left boolean NOT NULL,
                PRIMARY KEY (company_id, user_id, day)
            );
            CREATE INDEX user_days_by_day ON user_days (company_id, day);

            -- The same per user and month; bit d - 1 of active_days is set when day d of the month is an active day.
            CREATE TABLE user_months (
                company_id bigint, user_id bigint, month date,
                active_days integer NOT NULL,
                sessions bigint NOT NULL, queries bigint NOT NULL, feedbacks bigint NOT NULL, tool_calls bigint NOT NULL,
                last_connection timestamptz,
                PRIMARY KEY (company_id, user_id, month)
            );
            CREATE INDEX user_months_by_month ON user_months (company_id, month);

            -- One row per user: the name from their latest member_joined that has one, their first active day, and
            -- their latest event (whether they have left).
            CREATE TABLE members (
                company_id bigint, user_id bigint,
                user_name text, named_at timestamptz, named_event_id text COLLATE "C",
                first_active_day date,
                last_event_at timestamptz NOT NULL, last_event_id text COLLATE "C" NOT NULL, last_day date NOT NULL,
                last_event_is_member_left boolean NOT NULL,
                PRIMARY KEY (company_id, user_id)
            );

            CREATE TABLE connection_log (
                company_id bigint NOT NULL, day date NOT NULL, connected_at timestamptz NOT NULL, event_id text COLLATE "C" NOT NULL,
                user_id bigint NOT NULL, ip text, user_agent text, auth_method text
            );
            CREATE INDEX connection_log_newest ON connection_log (company_id, connected_at DESC, event_id DESC);
            """),
        (2, "where the ratings go: per-day likes and dislikes by the rated answer's model, tools and documents", """
            -- Per answer id: its first model_response (the rated response), that response's distinct documents, and the
            -- distinct tools of its tool calls; the ratings of an answer id, found by index.
            CREATE TABLE first_responses (
                company_id bigint, response_id text COLLATE "C", model text COLLATE "C" NOT NULL,
                first_at timestamptz NOT NULL, first_event_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (company_id, response_id)
            );
            CREATE TABLE first_response_documents (
                company_id bigint, response_id text COLLATE "C", document_id bigint, PRIMARY KEY (company_id, response_id, document_id)
            );
            CREATE TABLE response_tools (
                company_id bigint, response_id text COLLATE "C", tool_name text COLLATE "C", tool_type text,
                PRIMARY KEY (company_id, response_id, tool_name, tool_type)
            );
            CREATE INDEX ratings_by_response ON ratings (company_id, response_id);

            -- The current ratings counted on each day, by model ('' for answers not stored), tool and document.
            CREATE TABLE daily_model_ratings (
                company_id bigint, day date, model text COLLATE "C", likes bigint NOT NULL, dislikes bigint NOT NULL,
                PRIMARY KEY (company_id, day, model)
            );
            CREATE TABLE daily_tool_ratings (
                company_id bigint, day date, tool_name text COLLATE "C", tool_type text, likes bigint NOT NULL, dislikes bigint NOT NULL,
                PRIMARY KEY (company_id, day, tool_name, tool_type)
            );
            CREATE TABLE daily_document_ratings (
                company_id bigint, day date, document_id bigint, likes bigint NOT NULL, dislikes bigint NOT NULL,
                PRIMARY KEY (company_id, day, document_id)
            );

            INSERT INTO first_responses
            SELECT DISTINCT ON (company_id, response_id) company_id, response_id, model, ts, event_id FROM events WHERE type = 'model_response'
            ORDER BY company_id, response_id, ts, event_id;
            INSERT INTO first_response_documents
            SELECT DISTINCT f.company_id, f.response_id, d.document_id
            FROM first_responses f JOIN event_documents d ON d.company_id = f.company_id AND d.event_id = f.first_event_id;
            INSERT INTO response_tools
            SELECT DISTINCT company_id, response_id, tool_name, tool_type FROM events WHERE type = 'tool_call' AND response_id IS NOT NULL;
            INSERT INTO daily_model_ratings
            SELECT r.company_id, r.day, coalesce(f.model, ''), count(*) FILTER (WHERE r.kind = 'like'), count(*) FILTER (WHERE r.kind = 'dislike')
            FROM ratings r LEFT JOIN first_responses f ON f.company_id = r.company_id AND f.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike') GROUP BY 1, 2, 3;
            INSERT INTO daily_tool_ratings
            SELECT r.company_id, r.day, t.tool_name, t.tool_type, count(*) FILTER (WHERE r.kind = 'like'), count(*) FILTER (WHERE r.kind = 'dislike')
            FROM ratings r JOIN response_tools t ON t.company_id = r.company_id AND t.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike') GROUP BY 1, 2, 3, 4;
            INSERT INTO daily_document_ratings
            SELECT r.company_id, r.day, d.document_id, count(*) FILTER (WHERE r.kind = 'like'), count(*) FILTER (WHERE r.kind = 'dislike')
            FROM ratings r JOIN first_response_documents d ON d.company_id = r.company_id AND d.response_id = r.response_id
            WHERE r.kind IN ('like', 'dislike') GROUP BY 1, 2, 3;
            """),
        (3, "model prices with effective dates", """
            -- Prices per million tokens, exact: at most 1,000,000 with 6 decimals.
            CREATE TABLE model_prices (
                model text COLLATE "C" NOT NULL,
                effective_from date NOT NULL,
                currency text NOT NULL,
                input_per_million numeric(13, 6) NOT NULL,
                output_per_million numeric(13, 6) NOT NULL,
                PRIMARY KEY (model, effective_from)
            );
            """),
        (4, "per-day aggregates of the model responses: counts and tokens per model, users with their tokens, latency histograms",
            ModelAggregates.Tables + ";\n" + string.Join(";\n", ModelAggregates.Statements("events"))),
    ];

    /// <summary>The tables of one company's aggregates, emptied before it is rebuilt.</summary>
    public static readonly string[] AggregateTables =
    [
        "daily_totals", "daily_models", "daily_query_sessions", "daily_tools", "daily_tool_users", "daily_documents",
        "documents", "ratings", "user_days", "user_months", "members", "connection_log",
        .. RatingAggregates.Tables,
        .. ModelAggregates.TableNames,
    ];
}
