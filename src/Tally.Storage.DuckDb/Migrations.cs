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
    ];
}
