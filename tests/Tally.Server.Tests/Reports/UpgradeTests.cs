using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Tally.Storage.DuckDb;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// A database written before the reports existed (schema step 1 only, events stored) is upgraded at startup:
/// the reports then count its events exactly as if they had arrived after the upgrade.
/// </summary>
public sealed class UpgradeTests
{
    // Step 1 of the schema as it shipped; shipped steps never change.
    private const string SchemaStep1 = """
        CREATE TABLE companies (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, timezone VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL);
        CREATE SEQUENCE api_key_ids START 1;
        CREATE TABLE api_keys (
            id BIGINT PRIMARY KEY DEFAULT nextval('api_key_ids'), secret_hash BLOB NOT NULL UNIQUE, name VARCHAR NOT NULL, role VARCHAR NOT NULL,
            company_id BIGINT, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP, last_used_at TIMESTAMP);
        CREATE TABLE events (
            company_id BIGINT NOT NULL, event_id VARCHAR NOT NULL, type VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, user_id BIGINT NOT NULL,
            mode VARCHAR, session_id VARCHAR, response_id VARCHAR, model VARCHAR, latency_ms BIGINT, input_tokens BIGINT, output_tokens BIGINT,
            tool_name VARCHAR, tool_type VARCHAR, status VARCHAR, duration_ms BIGINT, kind VARCHAR, user_name VARCHAR, email VARCHAR,
            ip VARCHAR, user_agent VARCHAR, auth_method VARCHAR, received_at TIMESTAMP NOT NULL, PRIMARY KEY (company_id, event_id));
        CREATE TABLE event_documents (company_id BIGINT NOT NULL, event_id VARCHAR NOT NULL, position INTEGER NOT NULL, document_id BIGINT NOT NULL, filename VARCHAR NOT NULL, title VARCHAR);
        CREATE TABLE ingestion_counts (company_id BIGINT NOT NULL, type VARCHAR NOT NULL, stored BIGINT NOT NULL, PRIMARY KEY (company_id, type));
        CREATE TABLE ingestion_totals (company_id BIGINT PRIMARY KEY, duplicates BIGINT NOT NULL, rejected_requests BIGINT NOT NULL, last_accepted_at TIMESTAMP);
        CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL);
        INSERT INTO schema_migrations VALUES (1, 'companies, api keys, events and ingestion counters', now());
        """;

    [Fact]
    public async Task Events_stored_before_the_reports_existed_are_counted_after_the_upgrade()
    {
        var workload = Workload.Generate(4, new DateOnly(2025, 3, 20), 20);
        var reference = new ReferenceReports();
        foreach (var company in Workload.Companies)
        {
            reference.Put(company.Id, company.Name, company.Zone);
        }

        foreach (var request in workload.Requests)
        {
            reference.Store(request);
        }

        var directory = Directory.CreateTempSubdirectory("tally-upgrade-").FullName;
        WriteVersion1(Path.Combine(directory, DuckDbStore.FileName), reference);

        var now = workload.Last.AddDays(1).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc);
        await using var server = await TestServer.StartAsync(
            options => new TallyServerOptions { OpenStore = options.OpenStore, Urls = options.Urls, BootstrapAdminKey = options.BootstrapAdminKey, Time = new FixedTime(now) },
            directory);
        using var admin = server.Client();
        var check = new ReportChecker(reference, now);
        await check.CompanyAsync(admin, null, null, workload.First, workload.Last);
        await check.CompanyAsync(admin, 21, 21, workload.First.AddDays(5), workload.Last);
    }

    [Fact]
    public async Task A_step_2_database_learns_each_members_latest_event_from_its_user_days()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(5, "tally-upgrade-3-");
        DowngradeTo(directory, 3);

        // Back to step 2, as a database written by an earlier release: no latest event per member.
        Downgrade(directory, """
            ALTER TABLE members DROP COLUMN last_event_is_member_left;
            ALTER TABLE members DROP COLUMN last_day;
            ALTER TABLE members DROP COLUMN last_event_id;
            ALTER TABLE members DROP COLUMN last_event_at;
            DELETE FROM schema_migrations WHERE version = 3;
            """);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        await new ReportChecker(reference, now).CompanyAsync(client, null, null, workload.First, workload.Last);
    }

    [Fact]
    public async Task A_step_3_database_keys_its_events_and_still_recognises_every_one_sent_again()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(6, "tally-upgrade-4-");
        DowngradeTo(directory, 3);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        await new ReportChecker(reference, now).CompanyAsync(client, null, null, workload.First, workload.Last);
        foreach (var request in workload.Requests)
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe((0, request.Count));
        }

        await new ReportChecker(reference, now).CompanyAsync(client, null, null, workload.First, workload.Last);
    }

    [Fact]
    public async Task A_step_7_database_computes_its_model_aggregates_from_the_stored_events()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(9, "tally-upgrade-8-");
        DowngradeTo(directory, 7);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        // The models report, every granularity: back-filled from the events stored before the step.
        await new ReportChecker(reference, now).CompanyAsync(client, null, null, workload.First, workload.Last);
    }

    [Fact]
    public async Task A_step_4_database_rolls_its_user_days_up_by_month()
    {
        // 50 days from 02-25: March is a whole month of the range, and its windows reach into February.
        var (workload, now, reference, directory) = await StoreWorkloadAsync(7, "tally-upgrade-5-", new DateOnly(2025, 2, 25), 50);
        DowngradeTo(directory, 4);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        var check = new ReportChecker(reference, now);
        await check.CompanyAsync(client, null, null, workload.First, workload.Last);
        await check.CompanyAsync(client, null, null, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31));

        // Events after the upgrade land in the rollups too: every event sent again is a duplicate, counted nowhere.
        foreach (var request in workload.Requests.Take(3))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe((0, request.Count));
        }

        await check.CompanyAsync(client, null, null, workload.First, workload.Last);
    }

    [Fact]
    public async Task A_step_5_database_counts_each_days_models_in_its_day_totals()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(8, "tally-upgrade-6-");
        DowngradeTo(directory, 5);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        var check = new ReportChecker(reference, now);
        await check.CompanyAsync(client, null, null, workload.First, workload.Last);

        // Answers after the upgrade count their models once more only when a model is new to its day.
        foreach (var request in Workload.Generate(9, workload.Last.AddDays(-5), 3).Requests.Select(r => r.Select(e => e with { Id = "later-" + e.Id }).ToList()))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
        }

        await check.CompanyAsync(client, null, null, workload.First, workload.Last);
    }

    [Fact]
    public async Task A_step_6_database_drops_its_key_index_and_still_recognises_every_event_sent_again()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(10, "tally-upgrade-7-");
        DowngradeTo(directory, 6);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        foreach (var request in workload.Requests)
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe((0, request.Count));
        }

        await new ReportChecker(reference, now).CompanyAsync(client, null, null, workload.First, workload.Last);
        await upgraded.StopAsync();
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(directory, DuckDbStore.FileName)}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'events_by_key'";
        command.ExecuteScalar().ShouldBe(0L);
    }

    [Fact]
    public async Task A_step_7_database_fills_where_its_ratings_go_from_its_events()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(11, "tally-upgrade-8-");
        DowngradeTo(directory, 7);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        var satisfaction = new SatisfactionChecker(reference, now);
        await satisfaction.AllAsync(client, workload.First, workload.Last);

        // Ratings, answers and tool calls after the upgrade move the filled numbers as usual.
        foreach (var request in Workload.Generate(12, workload.Last.AddDays(-5), 3).Requests.Select(r => r.Select(e => e with { Id = "later-" + e.Id }).ToList()))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
        }

        await satisfaction.AllAsync(client, workload.First, workload.Last);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    public async Task A_step_10_or_11_database_counts_its_whole_months_from_their_counters(int step)
    {
        // 50 days from 02-25: March and five ISO weeks are whole periods of the range, cut at both ends.
        var (workload, now, reference, directory) = await StoreWorkloadAsync(13, "tally-upgrade-11-", new DateOnly(2025, 2, 25), 50);
        DowngradeTo(directory, step);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        var check = new ReportChecker(reference, now);
        await CheckEveryGranularityAsync();

        // Events after the upgrade, late ones included, move the counts of their months and weeks.
        foreach (var request in Workload.Generate(14, new DateOnly(2025, 3, 1), 20).Requests.Select(r => r.Select(e => e with { Id = "later-" + e.Id }).ToList()))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
        }

        await CheckEveryGranularityAsync();

        async Task CheckEveryGranularityAsync()
        {
            foreach (var (start, end) in new[] { (workload.First, workload.Last), (new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31)), (new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 9)) })
            {
                await check.CompanyAsync(client, null, null, start, end);
                foreach (var granularity in new[] { "week", "month", "total" })
                {
                    await check.CompanyAsync(client, null, null, start, end, granularity, documentsLimit: 2);
                }
            }
        }
    }

    [Fact]
    public async Task A_step_12_database_builds_its_current_months_again_with_the_users_tokens()
    {
        // 50 days from 02-25: March is a whole month of the range. A step 12 store lists it as current once read.
        var (workload, now, reference, directory) = await StoreWorkloadAsync(15, "tally-upgrade-12-", new DateOnly(2025, 2, 25), 50);
        RefPrice[] prices = [.. new[] { "alfred-4", "llama-3.3-70b", "mistral-large", "agent-pro" }.Select(model => new RefPrice(model, new DateOnly(2025, 1, 1), "EUR", 1.5m, 3m))];
        reference.Prices = prices;
        var check = new ReportChecker(reference, now);
        await using var upgraded = await UpgradedAfterReadsAsync(directory, now, 12, async admin =>
        {
            foreach (var price in prices)
            {
                await ReportApi.PutPriceAsync(admin, price);
            }

            await check.CompanyAsync(admin, null, null, workload.First, workload.Last, "month");
        });
        using var client = upgraded.Client();
        await check.CompanyAsync(client, null, null, workload.First, workload.Last, "month");
        await check.CompanyAsync(client, null, null, new DateOnly(2025, 3, 1), new DateOnly(2025, 3, 31));
    }

    [Fact]
    public async Task A_step_13_database_builds_the_counters_of_its_cut_months_at_their_first_read()
    {
        // 50 days from 02-25: a month view's first period is February 25-28 (a week or less: read by day), its last is
        // April 1-15 (a cut month whose counters are built at its first read), March a whole month.
        var (workload, now, reference, directory) = await StoreWorkloadAsync(16, "tally-upgrade-13-", new DateOnly(2025, 2, 25), 50);
        var check = new ReportChecker(reference, now);
        await using var upgraded = await UpgradedAfterReadsAsync(directory, now, 13,
            admin => check.CompanyAsync(admin, null, null, workload.First, workload.Last, "month"));
        using var client = upgraded.Client();
        foreach (var granularity in new[] { "month", "total" })
        {
            await check.CompanyAsync(client, null, null, workload.First, workload.Last, granularity, documentsLimit: 2);
            await check.CompanyAsync(client, null, null, new DateOnly(2025, 3, 5), new DateOnly(2025, 3, 20), granularity, documentsLimit: 2);
        }

        // Events after the upgrade drop the cut months they fall in: every event sent again is a duplicate, and the
        // answers stay the reference's.
        foreach (var request in workload.Requests.Take(3))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe((0, request.Count));
        }

        await check.CompanyAsync(client, null, null, workload.First, workload.Last, "month", documentsLimit: 2);
    }

    [Fact]
    public async Task A_step_16_database_ranks_the_documents_of_the_months_and_ranges_it_has_built()
    {
        // 50 days from 02-25: March is a whole month, April 1-15 a cut one; both built by the first server, ranked by the upgrade.
        var (workload, now, reference, directory) = await StoreWorkloadAsync(18, "tally-upgrade-16-", new DateOnly(2025, 2, 25), 50);
        var check = new ReportChecker(reference, now);
        await using var upgraded = await UpgradedAfterReadsAsync(directory, now, 16,
            admin => check.CompanyAsync(admin, null, null, workload.First, workload.Last, "month", documentsLimit: 2));
        using var client = upgraded.Client();
        foreach (var limit in new int?[] { 1, 2, null })
        {
            await check.CompanyAsync(client, null, null, workload.First, workload.Last, "month", documentsLimit: limit);
        }

        // Events after the upgrade drop the months they fall in, built again ranked.
        foreach (var request in Workload.Generate(19, new DateOnly(2025, 3, 10), 2).Requests.Select(r => r.Select(e => e with { Id = "later-" + e.Id }).ToList()))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
        }

        await check.CompanyAsync(client, null, null, workload.First, workload.Last, "month", documentsLimit: 2);
    }

    [Fact]
    public async Task A_step_14_database_builds_its_day_digests_at_their_first_read_and_keeps_them_current()
    {
        var (workload, now, reference, directory) = await StoreWorkloadAsync(17, "tally-upgrade-14-");
        DowngradeTo(directory, 14);

        await using var upgraded = await ReportApi.StartAsync(new FixedTime(now), directory);
        using var client = upgraded.Client();
        var check = new ReportChecker(reference, now);
        await check.CompanyAsync(client, null, null, workload.First, workload.Last);

        // Events sent again are duplicates: the digests built by the read above stay current and the answers the reference's.
        foreach (var request in workload.Requests.Take(3))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe((0, request.Count));
        }

        await check.CompanyAsync(client, null, null, workload.First, workload.Last);
    }

    // Schema step 17 undone: the month and range documents without their ranks and counts (the rows built stay, and
    // their months and ranges current).
    private const string ToStep16 = """
        CREATE TABLE rollup_documents_step_16 (company_id BIGINT, unit VARCHAR, start DATE, document_id BIGINT, usage BIGINT NOT NULL, PRIMARY KEY (company_id, unit, start, document_id));
        INSERT INTO rollup_documents_step_16 SELECT company_id, unit, start, document_id, usage FROM rollup_documents;
        DROP TABLE rollup_documents;
        ALTER TABLE rollup_documents_step_16 RENAME TO rollup_documents;
        DELETE FROM schema_migrations WHERE version = 17;
        """;

    // Schema step 16 undone: the month and range latency histograms' table, empty: each test upgrades again, and step 16
    // drops it unread.
    private const string ToStep15 = """
        CREATE TABLE rollup_model_latencies (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, latency_ms DOUBLE, responses BIGINT NOT NULL);
        DELETE FROM schema_migrations WHERE version = 16;
        """;

    // Schema step 15 undone: no day digests.
    private const string ToStep14 = """
        DROP TABLE daily_model_digests;
        DELETE FROM schema_migrations WHERE version = 15;
        """;

    // Schema step 14 undone: no list of current ranges, and no counters of ranges inside a month.
    private const string ToStep13 = """
        DROP TABLE rollup_ranges;
        DELETE FROM rollup_mode_counts WHERE unit <> 'month';
        DELETE FROM rollup_tool_counts WHERE unit <> 'month';
        DELETE FROM rollup_model_counts WHERE unit <> 'month';
        DELETE FROM rollup_documents WHERE unit <> 'month';
        DELETE FROM rollup_model_latencies WHERE unit <> 'month';
        DELETE FROM schema_migrations WHERE version = 14;
        """;

    // Schema step 13 undone: no users' token sums per month (the months built stay listed as current); the answers'
    // first responses and tools keyed, one row each.
    private const string ToStep12 = """
        DROP TABLE rollup_user_tokens;
        CREATE TABLE first_responses_step_12 (
            company_id BIGINT, response_id VARCHAR, model VARCHAR NOT NULL, first_at TIMESTAMP NOT NULL, first_event_id VARCHAR NOT NULL,
            PRIMARY KEY (company_id, response_id)
        );
        INSERT INTO first_responses_step_12
        SELECT company_id, response_id, first.model, first.at, first.event_id
        FROM (SELECT company_id, response_id, min({'at': first_at, 'event_id': first_event_id, 'model': model}) AS first FROM first_responses GROUP BY ALL);
        DROP TABLE first_responses;
        ALTER TABLE first_responses_step_12 RENAME TO first_responses;
        CREATE TABLE response_tools_step_12 (
            company_id BIGINT, response_id VARCHAR, tool_name VARCHAR, tool_type VARCHAR, PRIMARY KEY (company_id, response_id, tool_name, tool_type)
        );
        INSERT INTO response_tools_step_12 SELECT DISTINCT company_id, response_id, tool_name, tool_type FROM response_tools;
        DROP TABLE response_tools;
        ALTER TABLE response_tools_step_12 RENAME TO response_tools;
        DELETE FROM schema_migrations WHERE version = 13;
        """;

    // Schema step 12 undone: the month sets kept in every batch (their contents do not matter: step 12 drops them), no
    // list of current month counters, the rounded latencies as DECIMAL(20, 0).
    private const string ToStep11 = """
        CREATE TABLE first_response_documents (company_id BIGINT NOT NULL, response_id VARCHAR NOT NULL, document_id BIGINT NOT NULL);
        INSERT INTO first_response_documents
        SELECT DISTINCT f.company_id, f.response_id, d.document_id FROM first_responses f JOIN event_documents d ON d.company_id = f.company_id AND d.event_id = f.first_event_id;
        DROP TABLE rollup_months;
        DROP TABLE rollup_model_latencies;
        CREATE TABLE rollup_models (company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, model VARCHAR, PRIMARY KEY (company_id, unit, start, mode, model));
        CREATE TABLE rollup_query_sessions (company_id BIGINT, unit VARCHAR, start DATE, mode VARCHAR, session_id VARCHAR, PRIMARY KEY (company_id, unit, start, mode, session_id));
        CREATE TABLE rollup_tool_users (
            company_id BIGINT, unit VARCHAR, start DATE, tool_name VARCHAR, tool_type VARCHAR, user_id BIGINT,
            PRIMARY KEY (company_id, unit, start, tool_name, tool_type, user_id)
        );
        CREATE TABLE rollup_model_users (company_id BIGINT, unit VARCHAR, start DATE, model VARCHAR, user_id BIGINT, PRIMARY KEY (company_id, unit, start, model, user_id));
        CREATE TABLE daily_model_latencies_step_11 (
            company_id BIGINT, day DATE, model VARCHAR, latency_ms DECIMAL(20, 0), responses BIGINT NOT NULL,
            PRIMARY KEY (company_id, day, model, latency_ms)
        );
        INSERT INTO daily_model_latencies_step_11 SELECT company_id, day, model, latency_ms::DECIMAL(20, 0), responses FROM daily_model_latencies;
        DROP TABLE daily_model_latencies;
        ALTER TABLE daily_model_latencies_step_11 RENAME TO daily_model_latencies;
        DELETE FROM schema_migrations WHERE version = 12;
        """;

    // Schema step 11 undone: no month rollups.
    private const string ToStep10 = """
        DROP TABLE rollup_models;
        DROP TABLE rollup_query_sessions;
        DROP TABLE rollup_mode_counts;
        DROP TABLE rollup_tool_users;
        DROP TABLE rollup_tool_counts;
        DROP TABLE rollup_model_users;
        DROP TABLE rollup_model_counts;
        DROP TABLE rollup_documents;
        DELETE FROM schema_migrations WHERE version = 11;
        """;

    // Schema steps 8 to 10 undone: nothing kept of where the ratings go, no model prices, no model aggregates.
    private const string ToStep7 = """
        DROP TABLE model_prices;
        DROP TABLE daily_model_usage;
        DROP TABLE daily_model_users;
        DROP TABLE daily_model_latencies;
        DROP TABLE first_responses;
        DROP TABLE first_response_documents;
        DROP TABLE response_tools;
        DROP TABLE daily_model_ratings;
        DROP TABLE daily_tool_ratings;
        DROP TABLE daily_document_ratings;
        DELETE FROM schema_migrations WHERE version IN (8, 9, 10);
        """;

    // Schema step 7 undone: the events table indexed on its keys.
    private const string ToStep6 = """
        CREATE INDEX events_by_key ON events (key_hash);
        DELETE FROM schema_migrations WHERE version = 7;
        """;

    // Schema step 6 undone: a day's distinct models only in daily_models.
    private const string ToStep5 = """
        ALTER TABLE daily_totals DROP COLUMN chat_models;
        ALTER TABLE daily_totals DROP COLUMN agent_models;
        DELETE FROM schema_migrations WHERE version = 6;
        """;

    // Schema step 5 undone: no per-user, per-month rollups.
    private const string ToStep4 = """
        DROP TABLE user_months;
        DELETE FROM schema_migrations WHERE version = 5;
        """;

    // Schema step 4 undone, as the release before it wrote events: a primary key on (company_id, event_id), no key column.
    private const string ToStep3 = """
        CREATE TABLE events_step_3 AS SELECT * EXCLUDE (key_hash) FROM events LIMIT 0;
        ALTER TABLE events_step_3 ADD PRIMARY KEY (company_id, event_id);
        INSERT INTO events_step_3 SELECT * EXCLUDE (key_hash) FROM events ORDER BY rowid;
        DROP TABLE events;
        ALTER TABLE events_step_3 RENAME TO events;
        DELETE FROM schema_migrations WHERE version = 4;
        """;

    /// <summary>Stores a workload through a server (20 days from 2025-03-20 unless told) and stops it, keeping its folder.</summary>
    private static async Task<(Workload Workload, DateTime Now, ReferenceReports Reference, string Directory)> StoreWorkloadAsync(
        int seed, string folderPrefix, DateOnly? first = null, int days = 20)
    {
        var workload = Workload.Generate(seed, first ?? new DateOnly(2025, 3, 20), days);
        var now = workload.Last.AddDays(1).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc);
        var reference = new ReferenceReports();
        var directory = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        var original = await ReportApi.StartAsync(new FixedTime(now), directory);
        using (var admin = original.Client())
        {
            foreach (var company in Workload.Companies.Where(c => c.Zone is not null))
            {
                await ReportApi.PutCompanyAsync(admin, company.Id, company.Name, company.Zone);
                reference.Put(company.Id, company.Name, company.Zone);
            }

            foreach (var request in workload.Requests)
            {
                (await ReportApi.SendAsync(admin, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
            }
        }

        // Stopped, not disposed: disposing would delete the folder.
        await original.StopAsync();
        return (workload, now, reference, directory);
    }

    /// <summary>The downgrades, newest first, each named by the schema step it leaves the store at (one undoes steps 8 to 10).</summary>
    private static readonly (int Step, string Sql)[] Downgrades =
    [
        (16, ToStep16), (15, ToStep15), (14, ToStep14), (13, ToStep13), (12, ToStep12), (11, ToStep11), (10, ToStep10),
        (7, ToStep7), (6, ToStep6), (5, ToStep5), (4, ToStep4), (3, ToStep3),
    ];

    /// <summary>
    /// Serves the store once, so that <paramref name="reads"/> build what the older schema kept (months, ranges), takes
    /// it down to <paramref name="step"/> and serves it again: the upgraded server.
    /// </summary>
    private static async Task<TestServer> UpgradedAfterReadsAsync(string directory, DateTime now, int step, Func<HttpClient, Task> reads)
    {
        var original = await ReportApi.StartAsync(new FixedTime(now), directory);
        using (var admin = original.Client())
        {
            await reads(admin);
        }

        await original.StopAsync();
        DowngradeTo(directory, step);
        return await ReportApi.StartAsync(new FixedTime(now), directory);
    }

    /// <summary>Takes the store in <paramref name="directory"/> back to schema step <paramref name="step"/>, one downgrade after the other.</summary>
    private static void DowngradeTo(string directory, int step)
    {
        foreach (var (_, sql) in Downgrades.TakeWhile(downgrade => downgrade.Step >= step))
        {
            Downgrade(directory, sql);
        }
    }

    private static void Downgrade(string directory, string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(directory, DuckDbStore.FileName)}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void WriteVersion1(string file, ReferenceReports reference)
    {
        using var connection = new DuckDBConnection($"Data Source={file}");
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = SchemaStep1;
            command.ExecuteNonQuery();
        }

        var received = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        using (var companies = connection.CreateAppender("companies"))
        {
            foreach (var company in reference.Companies)
            {
                companies.CreateRow().AppendValue(company.Id).AppendValue(company.Name).AppendValue(company.Zone).AppendValue(received).EndRow();
            }
        }

        using (var events = connection.CreateAppender("events"))
        {
            foreach (var e in reference.Stored)
            {
                var session = e.Type is "session_started" or "user_query" or "model_response" or "tool_call";
                events.CreateRow()
                    .AppendValue(e.Company).AppendValue(e.Id).AppendValue(e.Type).AppendValue(e.Ts).AppendValue(e.User)
                    .AppendValue(session ? e.Mode : null).AppendValue(session ? e.Session : null)
                    .AppendValue(e.Type is "model_response" or "feedback" or "tool_call" ? e.ResponseId : null)
                    .AppendValue(e.Type == "model_response" ? e.Model : null)
                    .AppendValue(e.Type == "model_response" ? e.LatencyMs : null)
                    .AppendValue(e.Type == "model_response" ? e.InputTokens : null).AppendValue(e.Type == "model_response" ? e.OutputTokens : null)
                    .AppendValue(e.Type == "tool_call" ? e.ToolName : null).AppendValue(e.Type == "tool_call" ? e.ToolType : null)
                    .AppendValue(e.Type == "tool_call" ? e.Status : null).AppendValue((long?)null)
                    .AppendValue(e.Type == "feedback" ? e.Kind : null)
                    .AppendValue(e.Type == "member_joined" ? e.UserName : null).AppendValue(e.Type == "member_joined" ? e.Email : null)
                    .AppendValue(e.Type == "connection" ? e.Ip : null).AppendValue(e.Type == "connection" ? e.UserAgent : null)
                    .AppendValue(e.Type == "connection" ? e.AuthMethod : null)
                    .AppendValue(received)
                    .EndRow();
            }
        }

        using var documents = connection.CreateAppender("event_documents");
        foreach (var e in reference.Stored.Where(e => e.Type == "model_response"))
        {
            for (var position = 0; position < e.Documents.Count; position++)
            {
                var d = e.Documents[position];
                documents.CreateRow().AppendValue(e.Company).AppendValue(e.Id).AppendValue(position).AppendValue(d.Id).AppendValue(d.Filename).AppendValue(d.Title).EndRow();
            }
        }
    }
}
