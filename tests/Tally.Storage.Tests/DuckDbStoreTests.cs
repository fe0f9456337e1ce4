using Tally.Events;
using Tally.Ingestion;
using Tally.Storage.DuckDb;

namespace Tally.Storage.Tests;

/// <summary>The contract, against a real DuckDB file in a temporary folder.</summary>
public sealed class DuckDbStoreTests : StoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-duckdb-").FullName;

    protected override Task<ITallyStore> OpenFreshAsync() => Task.FromResult<ITallyStore>(DuckDbStore.Open(_directory));

    protected override async Task<ITallyStore> ReopenAsync()
    {
        await Store.DisposeAsync();
        return DuckDbStore.Open(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Opening_the_store_deletes_the_copies_a_backup_killed_midway_left_and_nothing_else()
    {
        var directory = Directory.CreateTempSubdirectory("tally-leftovers-").FullName;
        try
        {
            string[] leftovers = [".backup-0123456789abcdef.duckdb", ".backup-0123456789abcdef.duckdb.wal"];
            foreach (var name in leftovers.Append("notes.txt"))
            {
                await File.WriteAllTextAsync(Path.Combine(directory, name), "not a store");
            }

            await using (var store = DuckDbStore.Open(directory))
            {
                await store.MigrateAsync(CancellationToken.None);
            }

            leftovers.ShouldAllBe(name => !File.Exists(Path.Combine(directory, name)));
            File.Exists(Path.Combine(directory, "notes.txt")).ShouldBeTrue();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    public async Task Events_whose_keys_collide_are_told_apart_by_their_ids(int count)
    {
        // Every event of a company gets the same key: only the ids can tell stored events from new ones.
        var directory = Directory.CreateTempSubdirectory("tally-collisions-").FullName;
        try
        {
            var now = new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);
            PlatformEvent Query(string id, long company) => new() { Id = id, Type = EventType.UserQuery, Timestamp = now, CompanyId = company, UserId = 1, SessionId = "s" };
            IngestionCommit Commit(IEnumerable<PlatformEvent> events) => new([events.ToList()], new Dictionary<long, int>(), now);
            var first = Enumerable.Range(0, count).Select(i => Query($"e{i}", 1 + (i % 2))).ToList();

            var store = DuckDbStore.Open(directory, (company, _) => company);
            await store.MigrateAsync(CancellationToken.None);
            var stored = await store.AppendAsync(Commit(first), CancellationToken.None);
            await store.DisposeAsync();
            await using var reopened = DuckDbStore.Open(directory, (company, _) => company);
            await reopened.MigrateAsync(CancellationToken.None);
            var again = await reopened.AppendAsync(Commit([.. first, Query("e0", 2), Query("other", 1)]), CancellationToken.None);

            stored.ShouldBe([new AppendResult(count, 0)]);
            again.ShouldBe([new AppendResult(2, count)]);
            var stats = await reopened.GetIngestionStatsAsync(null, CancellationToken.None);
            stats.Sum(s => s.StoredEvents).ShouldBe(count + 2);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Ranges_older_than_the_kept_ones_are_counted_exactly_and_never_evict_a_range_being_read()
    {
        await StoreOneToolUserPerDayOfMay2025Async();

        // 40 ranges inside May, each kept at its first read, from the latest first day down: the last eight read are
        // older than the 32 kept, and each is counted, then dropped by the next. Then the newest again, and two old
        // ranges in one read (a month view's cut first and last months are two ranges).
        var ranges = Enumerable.Range(1, 24).Select(first => new DayRange(May(first), May(first + 7)))
            .Concat(Enumerable.Range(1, 16).Select(first => new DayRange(May(first), May(first + 15))))
            .OrderByDescending(range => range.First).ThenByDescending(range => range.Last).ToList();
        foreach (var range in ranges.Concat(ranges.Take(3)))
        {
            (await Store.ReadToolUsersAsync(4, [range], CancellationToken.None)).ShouldBe([new ToolUsers(0, "search", "native", range.Count)], range.ToString());
        }

        KeptRanges().ShouldBe(32);

        DayRange[] twoOld = [new(May(1), May(9)), new(May(2), May(12))];
        (await Store.ReadToolUsersAsync(4, twoOld, CancellationToken.None)).OrderBy(t => t.Period)
            .ShouldBe([new ToolUsers(0, "search", "native", 9), new ToolUsers(1, "search", "native", 11)]);
        (await Store.ReadToolUsersAsync(4, twoOld, CancellationToken.None)).OrderBy(t => t.Period)
            .ShouldBe([new ToolUsers(0, "search", "native", 9), new ToolUsers(1, "search", "native", 11)]);
        KeptRanges().ShouldBe(32);

        // A second connection to the open file shares the store's database instance.
        long KeptRanges()
        {
            using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(_directory, DuckDbStore.FileName)}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM rollup_ranges WHERE company_id = 4";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task A_range_read_beside_builds_that_drop_it_is_counted_exactly()
    {
        await StoreOneToolUserPerDayOfMay2025Async();

        // One reader asks for the oldest range again and again, mostly finding it known current and reading it beside
        // the lock; another cycles through 39 later ranges, more than are kept, so that each of its reads builds a range
        // and drops the oldest other: the first reader's, between two of its reads or while it reads. Every answer must
        // be exact whatever the interleaving (bounded by count, not by time). A drop inside a read's window between its check
        // and its statement (microseconds, against builds of milliseconds) is rare here; Aggregator's counted deletions
        // exclude it by construction.
        var oldest = new DayRange(May(1), May(8));
        var later = Enumerable.Range(2, 23).Select(first => new DayRange(May(first), May(first + 7)))
            .Concat(Enumerable.Range(1, 16).Select(first => new DayRange(May(first), May(first + 15)))).ToList();
        var builds = 0;
        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        var builder = Task.Run(async () =>
        {
            for (var round = 0; round < 3; round++)
            {
                foreach (var range in later)
                {
                    var users = await Store.ReadToolUsersAsync(4, [range], CancellationToken.None);
                    if (users.Count != 1 || users[0].Users != range.Count)
                    {
                        wrong.Add($"{range}: {string.Join(", ", users)}");
                    }

                    Interlocked.Increment(ref builds);
                }
            }
        });
        var reads = 0;
        while (!builder.IsCompleted)
        {
            var users = await Store.ReadToolUsersAsync(4, [oldest], CancellationToken.None);
            if (users.Count != 1 || users[0].Users != 8)
            {
                wrong.Add($"{oldest} after {Volatile.Read(ref builds)} builds: {string.Join(", ", users)}");
            }

            reads++;
        }

        await builder;
        wrong.ShouldBeEmpty();
        reads.ShouldBeGreaterThan(later.Count);
    }

    /// <summary>A tool user of company 4 on each day of May 2025, numbered after the day: a range's distinct users are its days.</summary>
    private async Task StoreOneToolUserPerDayOfMay2025Async()
    {
        var events = Enumerable.Range(1, 31).Select(day => new PlatformEvent
        {
            Id = $"t{day}",
            Type = EventType.ToolCall,
            Timestamp = new DateTime(2025, 5, day, 10, 0, 0, DateTimeKind.Utc),
            CompanyId = 4,
            UserId = day,
            SessionId = "s",
            Mode = ChatMode.Chat,
            ToolName = "search",
            ToolType = ToolType.Native,
            ToolStatus = ToolStatus.Ok,
        }).ToList();
        await Store.AppendAsync(new IngestionCommit([events], new Dictionary<long, int>(), new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc)), CancellationToken.None);
    }

    private static DateOnly May(int day) => new(2025, 5, day);

    [Fact]
    public async Task Connection_pages_hold_every_connection_sent_in_order_whatever_the_newest_kept_in_memory()
    {
        // Five connections kept per company: pages of up to four rows (and the row that tells whether a next page
        // follows) come from memory, longer ones and later pages from the log. Connections arrive up to four days
        // late, several on one instant (their ids order them, by code point), and pages are asked between commits.
        var directory = Directory.CreateTempSubdirectory("tally-connections-").FullName;
        try
        {
            var random = new Random(5);
            var start = new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
            string[] idEndings = ["a", "b", "\uE000", "\U0001F600", "\uFFFD"];
            var sent = new List<PlatformEvent>();
            await using var store = DuckDbStore.Open(directory, EventKey.Of, connectionsKept: 5);
            await store.MigrateAsync(CancellationToken.None);
            var ranges = new[]
            {
                new DayRange(new DateOnly(2025, 2, 20), new DateOnly(2025, 3, 20)),
                new DayRange(new DateOnly(2025, 3, 6), new DateOnly(2025, 3, 9)),
                new DayRange(new DateOnly(2025, 2, 25), new DateOnly(2025, 3, 3)),
            };

            for (var commit = 0; commit < 14; commit++)
            {
                var events = Enumerable.Range(0, random.Next(0, 7)).Select(i => new PlatformEvent
                {
                    Id = $"c{random.Next(3)}{idEndings[random.Next(idEndings.Length)]}{commit}-{i}",
                    Type = EventType.Connection,
                    Timestamp = start.AddDays(commit - random.Next(0, 5)).AddMinutes(random.Next(0, 3) * 7),
                    CompanyId = 1 + random.Next(2),
                    UserId = random.Next(1, 4),
                    Ip = "10.0.0.1",
                }).ToList();
                sent.AddRange(events);
                await store.AppendAsync(new IngestionCommit([events], new Dictionary<long, int>(), start.AddDays(commit)), CancellationToken.None);

                foreach (var (company, range, user, limit) in
                    from company in new long[] { 1, 2 } from range in ranges from user in new long?[] { null, 2 } from limit in new[] { 1, 4, 7 }
                    select (company, range, user, limit))
                {
                    var expected = sent
                        .Where(e => e.CompanyId == company && (user is null || e.UserId == user)
                            && DateOnly.FromDateTime(e.Timestamp) >= range.First && DateOnly.FromDateTime(e.Timestamp) <= range.Last)
                        .OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.Id, CodePointComparer.Instance)
                        .Select(e => e.Id).ToList();
                    var read = new List<string>();
                    ConnectionPosition? after = null;
                    while (true)
                    {
                        // As the report asks: one row more than the page, to know whether another follows.
                        var page = await store.ReadConnectionsAsync(company, range, user, after, limit + 1, CancellationToken.None);
                        read.AddRange(page.Take(limit).Select(row => row.EventId));
                        if (page.Count <= limit)
                        {
                            break;
                        }

                        after = new ConnectionPosition(page[limit - 1].Timestamp, page[limit - 1].EventId);
                    }

                    read.ShouldBe(expected, $"commit {commit}, company {company}, {range}, user {user}, limit {limit}");
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
