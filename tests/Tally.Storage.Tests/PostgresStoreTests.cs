using Npgsql;
using Tally.Events;
using Tally.Ingestion;
using Tally.Storage.Postgres;
using Tally.Testing;

namespace Tally.Storage.Tests;

/// <summary>The contract, against a fresh database per test on the test process's throwaway PostgreSQL cluster.</summary>
[Trait("Engine", "PostgreSQL")]
public sealed class PostgresStoreTests : StoreContract, IAsyncLifetime
{
    private StoreEngine? _database;

    protected override async Task<ITallyStore> OpenFreshAsync()
    {
        _database = await StoreEngine.PostgreSqlAsync("contract");
        return PostgresStore.Open(_database.Location);
    }

    protected override async Task<ITallyStore> ReopenAsync()
    {
        await Store.DisposeAsync();
        return PostgresStore.Open(_database!.Location);
    }

    // Closes the store (when it opened at all) before dropping its database.
    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            if (Store is not null)
            {
                await DisposeAsync();
            }
        }
        finally
        {
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
    }

    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static PlatformEvent Query(string id, long company, int minute) => new()
    {
        Id = id, Type = EventType.UserQuery, Timestamp = Now.AddMinutes(-minute), CompanyId = company, UserId = 1 + (minute % 5), SessionId = $"s{minute % 7}",
    };

    [Fact]
    public async Task Two_instances_appending_the_same_events_at_once_accept_each_once()
    {
        // Four store instances (as four servers would) send overlapping commits in opposite orders, some events with
        // other payloads under the same id: each (company, id) is accepted once, no deadlock reaches a caller, and the
        // aggregates count every stored event once.
        var instances = Enumerable.Range(0, 4).Select(_ => PostgresStore.Open(_database!.Location)).ToList();
        try
        {
            var ids = Enumerable.Range(0, 400).Select(i => (Id: $"e{i}", Company: 1L + (i % 3))).ToList();
            var tasks = instances.SelectMany((store, n) => Enumerable.Range(0, 5).Select(round => Task.Run(async () =>
            {
                var chosen = (n % 2 == 0 ? ids : Enumerable.Reverse(ids)).Where((_, i) => (i + round + n) % 3 != 0)
                    .Select((key, i) => Query(key.Id, key.Company, minute: (i + n) % 50)).ToList();
                var results = await store.AppendAsync(new IngestionCommit([chosen], new Dictionary<long, int>(), Now), CancellationToken.None);
                return (Sent: chosen.Count, results.Single().Accepted, results.Single().Duplicates);
            }))).ToList();
            var outcomes = await Task.WhenAll(tasks);

            outcomes.ShouldAllBe(o => o.Accepted + o.Duplicates == o.Sent);
            outcomes.Sum(o => o.Accepted).ShouldBe(ids.Count);
            var stats = await Store.GetIngestionStatsAsync(null, CancellationToken.None);
            stats.Sum(s => s.StoredEvents).ShouldBe(ids.Count);
            var day = DateOnly.FromDateTime(Now);
            long queries = 0;
            foreach (var company in new long[] { 1, 2, 3 })
            {
                var totals = await Store.ReadDayTotalsAsync(company, new DayRange(day, day), CancellationToken.None);
                queries += totals.Sum(t => t.Chat.Queries);
            }

            queries.ShouldBe(ids.Count);
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Instances_migrating_at_once_apply_each_step_once()
    {
        var database = await StoreEngine.PostgreSqlAsync("migrate");
        try
        {
            var instances = Enumerable.Range(0, 4).Select(_ => PostgresStore.Open(database.Location)).ToList();
            await Task.WhenAll(instances.Select(store => Task.Run(() => store.MigrateAsync(CancellationToken.None))));
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }

            await using var connection = new NpgsqlConnection(database.Location);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT version) FROM schema_migrations", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            reader.GetInt64(0).ShouldBe(reader.GetInt64(1));
            reader.GetInt64(0).ShouldBeGreaterThan(0);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_database_of_a_newer_schema_is_refused_with_one_line()
    {
        await using (var connection = new NpgsqlConnection(_database!.Location))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("INSERT INTO schema_migrations VALUES (999, 'from a later Tally', now())", connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var store = PostgresStore.Open(_database.Location);
        var refusal = await Should.ThrowAsync<StoreUnavailableException>(() => store.MigrateAsync(CancellationToken.None));

        refusal.Message.ShouldContain("schema version 999");
        refusal.Message.ShouldNotContain("\n");
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Database=tally;Timeout=2", "does not answer")]
    [InlineData("postgres://tally:secret@127.0.0.1:1/tally?connect_timeout=2", "does not answer")]
    [InlineData("Hots=nowhere", "malformed")]
    [InlineData("postgres://[bad", "malformed")]
    public async Task A_store_that_cannot_be_used_is_refused_with_one_line_and_no_password(string location, string says)
    {
        var refusal = await Should.ThrowAsync<StoreUnavailableException>(async () =>
        {
            await using var store = PostgresStore.Open(location);
            await store.MigrateAsync(CancellationToken.None);
        });

        refusal.Message.ShouldContain(says);
        refusal.Message.ShouldNotContain("secret");
        refusal.Message.ShouldNotContain("\n");
    }
}
