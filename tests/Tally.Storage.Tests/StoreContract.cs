using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage.Tests;

/// <summary>
/// What every storage engine must do, whatever it is built on. Each engine's test class derives from this
/// and says only how to open its store; every test here then runs against it.
/// </summary>
public abstract partial class StoreContract : IAsyncLifetime
{
    private static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    protected ITallyStore Store { get; private set; } = null!;

    /// <summary>Opens the engine's store on fresh, empty storage.</summary>
    protected abstract Task<ITallyStore> OpenFreshAsync();

    /// <summary>Opens the store again on the storage of the last store opened (which is disposed first).</summary>
    protected abstract Task<ITallyStore> ReopenAsync();

    public async Task InitializeAsync()
    {
        Store = await OpenFreshAsync();
        await Store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    private static PlatformEvent Event(string id, long company = 1, EventType type = EventType.UserQuery, int minute = 0) => new()
    {
        Id = id,
        Type = type,
        Timestamp = Now.AddMinutes(-minute),
        CompanyId = company,
        UserId = 7,
        SessionId = type is EventType.SessionStarted or EventType.UserQuery or EventType.ModelResponse or EventType.ToolCall ? "s" : null,
        ResponseId = type is EventType.ModelResponse or EventType.Feedback ? "r" : null,
        Model = type == EventType.ModelResponse ? "m" : null,
        Documents = type == EventType.ModelResponse ? [new EventDocument(1, "a.pdf", null), new EventDocument(2, "b.pdf", "B")] : [],
        ToolName = type == EventType.ToolCall ? "web_search" : null,
        ToolType = type == EventType.ToolCall ? ToolType.Native : null,
        ToolStatus = type == EventType.ToolCall ? ToolStatus.Ok : null,
        FeedbackKind = type == EventType.Feedback ? FeedbackKind.Like : null,
    };

    private Task<IReadOnlyList<AppendResult>> AppendAsync(params IReadOnlyList<PlatformEvent>[] batches) =>
        Store.AppendAsync(new IngestionCommit(batches, new Dictionary<long, int>(), Now), CancellationToken.None);

    private async Task<IngestionStats> StatsAsync(long company) =>
        (await Store.GetIngestionStatsAsync(company, CancellationToken.None)).Single();

    [Fact]
    public async Task Appending_new_events_accepts_each_once()
    {
        var results = await AppendAsync([Event("a"), Event("b", type: EventType.ModelResponse)], [Event("c")]);

        results.ShouldBe([new AppendResult(2, 0), new AppendResult(1, 0)]);
        var stats = await StatsAsync(1);
        stats.StoredEvents.ShouldBe(3);
        stats.StoredEventsByType["user_query"].ShouldBe(2);
        stats.StoredEventsByType["model_response"].ShouldBe(1);
        stats.LastAcceptedRequestAt.ShouldBe(Now);
    }

    [Fact]
    public async Task Within_a_commit_the_earlier_batch_wins_a_duplicate()
    {
        var results = await AppendAsync([Event("x"), Event("x")], [Event("x", type: EventType.Connection), Event("y")]);

        results.ShouldBe([new AppendResult(1, 1), new AppendResult(1, 1)]);
        var stats = await StatsAsync(1);
        stats.StoredEventsByType["user_query"].ShouldBe(2);
        stats.StoredEventsByType["connection"].ShouldBe(0);
        stats.DuplicatesReceived.ShouldBe(2);
    }

    [Fact]
    public async Task Events_stored_earlier_are_duplicates_later_and_ids_are_per_company()
    {
        await AppendAsync([Event("a"), Event("b")]);

        var results = await AppendAsync([Event("a"), Event("b"), Event("a", company: 2)]);

        results.ShouldBe([new AppendResult(1, 2)]);
        (await StatsAsync(1)).StoredEvents.ShouldBe(2);
        (await StatsAsync(2)).StoredEvents.ShouldBe(1);
    }

    [Fact]
    public async Task A_large_batch_sent_again_after_a_reopen_stores_only_its_new_events()
    {
        var batch = Enumerable.Range(0, 300).Select(i => Event($"r{i}", company: 1 + (i % 2))).ToList();
        await AppendAsync(batch);

        Store = await ReopenAsync();
        await Store.MigrateAsync(CancellationToken.None);
        var again = await AppendAsync([.. batch, Event("new-1"), Event("new-2", company: 2)]);
        var once = await AppendAsync([Event("r7", company: 2), Event("r8", company: 2), Event("new-3")]);

        again.ShouldBe([new AppendResult(2, 300)]);
        once.ShouldBe([new AppendResult(2, 1)]);
        var stats = await Store.GetIngestionStatsAsync(null, CancellationToken.None);
        stats.Sum(s => s.StoredEvents).ShouldBe(304);
        stats.Sum(s => s.DuplicatesReceived).ShouldBe(301);
    }

    [Fact]
    public async Task Free_text_with_a_null_character_or_any_code_point_reads_back_as_sent()
    {
        // The spec allows control characters (U+0000 included) in free text; ids and names round-trip unchanged.
        string[] texts = ["a\0b", "\0", "\uFDD0x", "\uFDD0\0\uFDD1", "\U0001F600 \u00e9"];
        var joins = texts.Select((text, i) => Event($"j{i}", type: EventType.MemberJoined, minute: i) with { UserId = 100 + i, UserName = text }).ToList();
        var connection = Event("c", type: EventType.Connection) with { UserId = 100, UserAgent = texts[0], Ip = texts[3], AuthMethod = texts[2] };
        var answer = Event("m", type: EventType.ModelResponse) with { Documents = [new EventDocument(9, texts[1], texts[3])] };
        var queries = texts.Select((_, i) => Event($"q{i}") with { UserId = 100 + i });
        await AppendAsync([.. joins, .. queries, connection, answer]);
        await Store.UpsertCompanyAsync(1, new CompanyChange(texts[3], null), Now, CancellationToken.None);
        var key = await Store.CreateApiKeyAsync(new NewApiKey(texts[0], Role.Ingest, null, [1, 2, 3], Now), CancellationToken.None);

        var days = new DayRange(DateOnly.FromDateTime(Now).AddDays(-1), DateOnly.FromDateTime(Now));
        var history = await Store.ReadActivityHistoryAsync(1, days, null, CancellationToken.None);
        history.Users.Where(u => u.UserId >= 100).OrderBy(u => u.UserId).Select(u => u.Name).ShouldBe(texts);
        var page = await Store.ReadConnectionsAsync(1, days, null, null, 10, CancellationToken.None);
        page.Single().ShouldBe(new ConnectionRow(100, texts[0], Now, "c", texts[3], texts[0], texts[2]));
        (await Store.ReadDocumentUsageAsync(1, days, CancellationToken.None)).Names[9].ShouldBe(new DocumentName(texts[1], texts[3]));
        (await Store.FindCompanyAsync(1, CancellationToken.None))!.Name.ShouldBe(texts[3]);
        (await Store.ListApiKeysAsync(CancellationToken.None)).Single(k => k.Id == key.Id).Name.ShouldBe(texts[0]);
    }

    [Fact]
    public async Task Events_create_their_companies_with_defaults()
    {
        await AppendAsync([Event("a", company: 5), Event("b", company: 3)]);

        var companies = await Store.ListCompaniesAsync(CancellationToken.None);

        companies.Select(c => (c.Id, c.Name, c.TimeZone)).ShouldBe([(3, "Company 3", "UTC"), (5, "Company 5", "UTC")]);
    }

    [Fact]
    public async Task Rejected_requests_count_only_for_existing_companies()
    {
        await AppendAsync([Event("a", company: 1)]);

        await Store.AppendAsync(new IngestionCommit([], new Dictionary<long, int> { [1] = 2, [99] = 1 }, Now), CancellationToken.None);

        (await StatsAsync(1)).RequestsRejected.ShouldBe(2);
        (await Store.FindCompanyAsync(99, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Companies_are_created_then_changed_field_by_field()
    {
        var (created, isNew) = await Store.UpsertCompanyAsync(4, new CompanyChange("Acme", null), Now, CancellationToken.None);
        var (changed, isNewAgain) = await Store.UpsertCompanyAsync(4, new CompanyChange(null, "Asia/Kolkata"), Now.AddDays(1), CancellationToken.None);

        isNew.ShouldBeTrue();
        created.ShouldBe(new Company(4, "Acme", "UTC", Now));
        isNewAgain.ShouldBeFalse();
        changed.ShouldBe(new Company(4, "Acme", "Asia/Kolkata", Now));
        (await Store.FindCompanyAsync(4, CancellationToken.None)).ShouldBe(changed);
    }

    [Fact]
    public async Task Keys_are_found_by_hash_listed_used_and_revoked()
    {
        var hash = ApiKeySecrets.Hash("secret-1");
        var key = await Store.CreateApiKeyAsync(new NewApiKey("feeder", Role.Ingest, 3, hash, Now), CancellationToken.None);
        var admin = await Store.CreateApiKeyAsync(new NewApiKey("admin", Role.InstanceAdmin, null, ApiKeySecrets.Hash("secret-2"), Now), CancellationToken.None);

        var found = await Store.FindApiKeyAsync(hash, CancellationToken.None);
        await Store.RecordApiKeyUseAsync(new Dictionary<long, DateTime> { [key.Id] = Now.AddHours(2) }, CancellationToken.None);
        await Store.RecordApiKeyUseAsync(new Dictionary<long, DateTime> { [key.Id] = Now.AddHours(1) }, CancellationToken.None);
        var revoked = await Store.RevokeApiKeyAsync(admin.Id, Now.AddDays(1), CancellationToken.None);
        var revokedAgain = await Store.RevokeApiKeyAsync(admin.Id, Now.AddDays(2), CancellationToken.None);
        var unknown = await Store.RevokeApiKeyAsync(12345, Now, CancellationToken.None);

        found!.Value.Key.ShouldBe(key);
        found.Value.SecretHash.ShouldBe(hash);
        (await Store.FindApiKeyAsync(ApiKeySecrets.Hash("other"), CancellationToken.None)).ShouldBeNull();
        (revoked, revokedAgain, unknown).ShouldBe((true, true, false));
        var keys = await Store.ListApiKeysAsync(CancellationToken.None);
        keys.Select(k => k.Id).ShouldBe([key.Id, admin.Id]);
        keys[0].LastUsedAt.ShouldBe(Now.AddHours(2));
        keys[1].RevokedAt.ShouldBe(Now.AddDays(1));
        (await Store.FindApiKeyAsync(ApiKeySecrets.Hash("secret-2"), CancellationToken.None))!.Value.Key.RevokedAt.ShouldBe(Now.AddDays(1));
        (await Store.HasActiveInstanceAdminKeyAsync(CancellationToken.None)).ShouldBeFalse();
        (await Store.FindCompanyAsync(3, CancellationToken.None)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Everything_survives_a_reopen_and_migrating_twice_is_harmless()
    {
        await AppendAsync([Event("a"), Event("b", type: EventType.ModelResponse)]);
        await Store.UpsertCompanyAsync(1, new CompanyChange("Kept", "Europe/Paris"), Now, CancellationToken.None);
        await Store.CreateApiKeyAsync(new NewApiKey("k", Role.InstanceAdmin, null, ApiKeySecrets.Hash("s"), Now), CancellationToken.None);

        Store = await ReopenAsync();
        await Store.MigrateAsync(CancellationToken.None);
        await Store.MigrateAsync(CancellationToken.None);

        (await StatsAsync(1)).StoredEvents.ShouldBe(2);
        (await Store.FindCompanyAsync(1, CancellationToken.None))!.Name.ShouldBe("Kept");
        (await Store.HasActiveInstanceAdminKeyAsync(CancellationToken.None)).ShouldBeTrue();
        (await AppendAsync([Event("a"), Event("c")])).ShouldBe([new AppendResult(1, 1)]);
    }

    [Fact]
    public async Task Companies_made_by_events_keys_and_upserts_read_the_same_before_and_after_a_reopen()
    {
        var odd = Now.AddTicks(1_234_567);
        await Store.AppendAsync(new IngestionCommit([[Event("a", company: 4)]], new Dictionary<long, int>(), odd), CancellationToken.None);
        await Store.CreateApiKeyAsync(new NewApiKey("k", Role.CompanyAdmin, 5, ApiKeySecrets.Hash("s"), odd), CancellationToken.None);
        await Store.UpsertCompanyAsync(6, new CompanyChange("Six", "Asia/Kolkata"), odd, CancellationToken.None);
        await Store.UpsertCompanyAsync(4, new CompanyChange("Four", null), Now, CancellationToken.None);
        var before = await Store.ListCompaniesAsync(CancellationToken.None);

        Store = await ReopenAsync();
        await Store.MigrateAsync(CancellationToken.None);

        before.Select(company => (company.Id, company.Name, company.TimeZone)).ShouldBe([(4L, "Four", "UTC"), (5L, "Company 5", "UTC"), (6L, "Six", "Asia/Kolkata")]);
        (await Store.ListCompaniesAsync(CancellationToken.None)).ShouldBe(before);
        (await Store.FindCompanyAsync(5, CancellationToken.None)).ShouldBe(before[1]);
        (await Store.FindCompanyAsync(7, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Rebuilding_the_aggregates_from_events_gives_the_same_reads_as_keeping_them_up_to_date()
    {
        var events = Demo.DemoOrganisation.Generate(5, Now, days: 40).Where(e => e.CompanyId == 3).ToList();
        await Store.UpsertCompanyAsync(3, new CompanyChange(null, "Asia/Kolkata"), Now, CancellationToken.None);
        foreach (var chunk in events.Chunk(5_000))
        {
            await AppendAsync(chunk);
        }

        var incremental = await ReadEverythingAsync(3);
        await Store.RebuildAggregatesAsync(3, CancellationToken.None);
        var rebuilt = await ReadEverythingAsync(3);
        await Store.UpsertCompanyAsync(3, new CompanyChange(null, "America/Los_Angeles"), Now, CancellationToken.None);
        var elsewhere = await ReadEverythingAsync(3);
        await Store.UpsertCompanyAsync(3, new CompanyChange(null, "Asia/Kolkata"), Now, CancellationToken.None);
        var back = await ReadEverythingAsync(3);

        rebuilt.ShouldBe(incremental);
        elsewhere.ShouldNotBe(incremental);
        back.ShouldBe(incremental);
    }

    [Fact]
    public async Task Member_history_tells_the_members_of_a_past_day_from_their_latest_events_and_their_last_days()
    {
        PlatformEvent At(string id, long user, string day, EventType type) =>
            Event(id, type: type) with { UserId = user, Timestamp = DateTime.Parse(day, System.Globalization.CultureInfo.InvariantCulture).AddHours(10) };
        await AppendAsync(
        [
            At("1a", 1, "2025-03-01", EventType.MemberJoined), At("1b", 1, "2025-05-20", EventType.MemberLeft),
            // Left in the week up to 05-25, active after it.
            At("2a", 2, "2025-05-02", EventType.MemberJoined), At("2b", 2, "2025-05-22", EventType.MemberLeft), At("2c", 2, "2025-05-30", EventType.UserQuery),
            // Left long before 05-25, back after it.
            At("3a", 3, "2025-03-01", EventType.MemberJoined), At("3b", 3, "2025-04-01", EventType.MemberLeft), At("3c", 3, "2025-05-27", EventType.MemberJoined),
            // Active the day before that week, and after it.
            At("4a", 4, "2025-05-18", EventType.UserQuery), At("4b", 4, "2025-05-28", EventType.UserQuery),
            At("5a", 5, "2025-05-28", EventType.MemberJoined),
            At("6a", 6, "2025-05-24", EventType.MemberJoined), At("6b", 6, "2025-05-25", EventType.MemberLeft), At("6c", 6, "2025-05-26", EventType.UserQuery),
        ]);

        var asOf = new DateOnly(2025, 5, 25);
        var history = await Store.ReadMemberHistoryAsync(1, asOf, CancellationToken.None);

        Tally.Reports.Membership.Count(history).ShouldBe(new MemberCounts(5, 1));
        history.Days.Where(day => day.Day <= asOf).GroupBy(day => day.UserId).ToDictionary(user => user.Key, user => user.Max(day => day.Day)).ShouldBe(
            new Dictionary<long, DateOnly> { [2] = new(2025, 5, 22), [3] = new(2025, 4, 1), [4] = new(2025, 5, 18), [6] = asOf }, ignoreOrder: true);
        foreach (var (day, expected) in new[]
        {
            (new DateOnly(2025, 2, 1), new MemberCounts(0, 0)),
            (new DateOnly(2025, 4, 15), new MemberCounts(2, 1)),
            (new DateOnly(2025, 5, 24), new MemberCounts(5, 2)),
            (new DateOnly(2025, 6, 1), new MemberCounts(6, 5)),
        })
        {
            Tally.Reports.Membership.Count(await Store.ReadMemberHistoryAsync(1, day, CancellationToken.None)).ShouldBe(expected, $"as of {day}");
        }
    }

    /// <summary>Every report read of a company over the last 50 days, as comparable text.</summary>
    private async Task<string> ReadEverythingAsync(long company)
    {
        var days = new DayRange(DateOnly.FromDateTime(Now).AddDays(-50), DateOnly.FromDateTime(Now));
        var none = CancellationToken.None;
        var documents = await Store.ReadDocumentUsageAsync(company, days, none);
        var parts = new List<object>
        {
            await Store.ReadDayTotalsAsync(company, days, none),
            (await Store.ReadToolDaysAsync(company, days, none)).OrderBy(t => (t.Day, t.ToolName, t.ToolType)),
            documents.Days.OrderBy(d => (d.Day, d.DocumentId)),
            documents.Days.Select(d => d.DocumentId).Distinct().Order().Select(id => (id, documents.Names[id])),
            Tally.Reports.Membership.Count(await Store.ReadMemberHistoryAsync(company, days.Last, none)),
            Tally.Reports.Membership.Count(await Store.ReadMemberHistoryAsync(company, days.First.AddDays(20), none)),
            Tally.Reports.ActivityWindows.Build(days, await Store.ReadActivityHistoryAsync(company, days, null, none)).Days,
            Tally.Reports.ActivityWindows.Build(days, await Store.ReadActivityHistoryAsync(company, days, null, none)).Users.OrderBy(u => u.UserId),
            await Store.ReadConnectionsAsync(company, days, null, null, 50, none),
        };
        return System.Text.Json.JsonSerializer.Serialize(parts.Select(p => p is System.Collections.IEnumerable list
            ? (object)list.Cast<object>().OrderBy(row => row.ToString(), StringComparer.Ordinal).Select(row => row.ToString()).ToList()
            : p.ToString()));
    }

    [Fact]
    public async Task Stored_events_read_back_as_sent_in_commits_grouped_by_the_instant_they_were_received()
    {
        // Every field an event can carry, nulls, free text behind StoredText's escape, documents in the order listed.
        var answer = Event("m", type: EventType.ModelResponse) with
        {
            Mode = ChatMode.Agent, LatencyMs = 1200, InputTokens = 30, OutputTokens = null,
            Documents = [new EventDocument(9, "z.pdf", null), new EventDocument(2, "a\0.pdf", "T\uFDD0"), new EventDocument(5, "m.pdf", "M")],
        };
        var first = new List<PlatformEvent>
        {
            answer,
            Event("j", type: EventType.MemberJoined) with { UserName = "Ana\0", Email = "ana@example.com" },
            Event("c", company: 2, type: EventType.Connection) with { Ip = "10.0.0.1", UserAgent = "curl\0", AuthMethod = "sso" },
            Event("t", company: 2, type: EventType.ToolCall) with { ToolType = ToolType.Mcp, ToolStatus = ToolStatus.Error, DurationMs = 15 },
        };
        var second = new List<PlatformEvent> { Event("f", type: EventType.Feedback) with { FeedbackKind = FeedbackKind.Flag }, Event("l", type: EventType.MemberLeft) };
        var emptyBefore = await Store.IsEmptyAsync(CancellationToken.None);
        await Store.AppendAsync(new IngestionCommit([first], new Dictionary<long, int>(), Now), CancellationToken.None);
        await Store.AppendAsync(new IngestionCommit([second, [Event("m")]], new Dictionary<long, int> { [1] = 2 }, Now.AddSeconds(1)), CancellationToken.None);
        var large = Enumerable.Range(0, StoredCommits.MaxEventsPerCommit + 5).Select(i => Event($"x{i}", company: 3)).ToList();
        await Store.AppendAsync(new IngestionCommit([large], new Dictionary<long, int>(), Now.AddSeconds(2)), CancellationToken.None);

        var commits = new List<IngestionCommit>();
        await foreach (var commit in Store.ReadCommitsAsync(CancellationToken.None))
        {
            commits.Add(commit);
        }

        emptyBefore.ShouldBeTrue();
        (await Store.IsEmptyAsync(CancellationToken.None)).ShouldBeFalse();
        commits.Select(c => (c.ReceivedAt, c.Batches.Count, c.RejectedRequests.Count)).ShouldBe(
            [(Now, 1, 0), (Now.AddSeconds(1), 1, 0), (Now.AddSeconds(2), 1, 0), (Now.AddSeconds(2), 1, 0)]);
        commits.Select(c => c.Batches[0].Count).ShouldBe([4, 2, StoredCommits.MaxEventsPerCommit, 5]);
        Comparable(commits[0].Batches[0]).ShouldBe(Comparable(first));
        Comparable(commits[1].Batches[0]).ShouldBe(Comparable(second));
        Comparable([.. commits[2].Batches[0], .. commits[3].Batches[0]]).ShouldBe(Comparable(large));
        commits[0].Batches[0].Single(e => e.Id == "m").Documents.ShouldBe(answer.Documents);
    }

    /// <summary>Events as text, in (company, id) order: a commit's events come in the order its engine keeps them.</summary>
    private static List<string> Comparable(IEnumerable<PlatformEvent> events) =>
        events.OrderBy(e => (e.CompanyId, e.Id)).Select(e => System.Text.Json.JsonSerializer.Serialize(e)).ToList();

    [Fact]
    public async Task Imported_keys_keep_their_ids_times_and_secrets_and_new_keys_come_after_them()
    {
        await Store.UpsertCompanyAsync(2, new CompanyChange("Two", null), Now, CancellationToken.None);
        var keys = new List<(ApiKey Key, byte[] SecretHash)>
        {
            (new ApiKey(4, "admin\0", Role.InstanceAdmin, null, Now, null, Now.AddHours(3)), ApiKeySecrets.Hash("secret-4")),
            (new ApiKey(9, "feeder", Role.Ingest, 2, Now.AddDays(1), Now.AddDays(2), null), ApiKeySecrets.Hash("secret-9")),
        };

        await Store.ImportApiKeysAsync(keys, CancellationToken.None);
        var created = await Store.CreateApiKeyAsync(new NewApiKey("later", Role.CompanyAdmin, 2, ApiKeySecrets.Hash("secret-later"), Now), CancellationToken.None);

        (await Store.FindApiKeyAsync(ApiKeySecrets.Hash("secret-9"), CancellationToken.None))!.Value.Key.ShouldBe(keys[1].Key);
        (await Store.FindApiKeyAsync(ApiKeySecrets.Hash("secret-4"), CancellationToken.None))!.Value.Key.ShouldBe(keys[0].Key);
        created.Id.ShouldBeGreaterThan(9);
        var read = await Store.ReadApiKeysAsync(CancellationToken.None);
        read.Select(k => k.Key).ShouldBe([keys[0].Key, keys[1].Key, created]);
        read.Select(k => Convert.ToHexString(k.SecretHash)).ShouldBe([.. keys.Select(k => Convert.ToHexString(k.SecretHash)), Convert.ToHexString(ApiKeySecrets.Hash("secret-later"))]);
        (await Store.HasActiveInstanceAdminKeyAsync(CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task Imported_ingestion_totals_replace_the_counters_and_leave_stored_counts_to_the_events()
    {
        await AppendAsync([Event("a"), Event("a"), Event("b", company: 2)]);
        await Store.AppendAsync(new IngestionCommit([], new Dictionary<long, int> { [1] = 4 }, Now), CancellationToken.None);
        var stored = (await StatsAsync(1)).StoredEventsByType;
        var last = Now.AddDays(-3).AddTicks(120);
        var wanted = new IngestionStats(1, new Dictionary<string, long>(), 17, 3, last);

        await Store.ImportIngestionTotalsAsync(
            [wanted, new IngestionStats(2, new Dictionary<string, long>(), 0, 0, null), new IngestionStats(99, new Dictionary<string, long>(), 5, 5, Now)],
            CancellationToken.None);

        var one = await StatsAsync(1);
        (one.DuplicatesReceived, one.RequestsRejected, one.LastAcceptedRequestAt).ShouldBe((17L, 3L, (DateTime?)last));
        one.StoredEventsByType.ShouldBe(stored);
        var two = await StatsAsync(2);
        (two.StoredEvents, two.DuplicatesReceived, two.RequestsRejected, two.LastAcceptedRequestAt).ShouldBe((1L, 0L, 0L, (DateTime?)null));
        (await Store.FindCompanyAsync(99, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Large_commits_are_counted_exactly()
    {
        var first = Enumerable.Range(0, 20_000).Select(i => Event($"e{i}", company: 1 + (i % 3), type: (EventType)(i % 8))).ToList();
        var overlapping = Enumerable.Range(10_000, 20_000).Select(i => Event($"e{i}", company: 1 + (i % 3))).ToList();

        var results = await AppendAsync(first, overlapping);

        results.ShouldBe([new AppendResult(20_000, 0), new AppendResult(10_000, 10_000)]);
        var stats = await Store.GetIngestionStatsAsync(null, CancellationToken.None);
        stats.Sum(s => s.StoredEvents).ShouldBe(30_000);
        stats.Sum(s => s.DuplicatesReceived).ShouldBe(10_000);
    }
}
