using Tally.Companies;
using Tally.Events;

namespace Tally.Storage.Tests;

/// <summary>The reads of the model aggregates: per-day numbers, latency histograms, distinct users per period, users' tokens.</summary>
public abstract partial class StoreContract
{
    private static PlatformEvent Response(string id, int daysAgo, string model, long user, long? latency, long? input = null, long? output = null, bool documents = false) =>
        Event(id, type: EventType.ModelResponse) with
        {
            Timestamp = Now.AddDays(-daysAgo),
            Model = model,
            UserId = user,
            LatencyMs = latency,
            InputTokens = input,
            OutputTokens = output,
            Documents = documents ? [new EventDocument(1, "a.pdf", null)] : [],
        };

    private static DateOnly DaysAgo(int days) => DateOnly.FromDateTime(Now).AddDays(-days);

    /// <summary>Every histogram's values, one row each, in (day, model, latency) order; each day and model in one histogram.</summary>
    private static List<(DateOnly Day, string Model, decimal LatencyMs, long Responses)> Latencies(ModelUsage usage)
    {
        usage.Latencies.CountBy(h => (h.Day, h.Model)).ShouldAllBe(pair => pair.Value == 1);
        return [.. usage.Latencies.SelectMany(h => LatencyPacking.Unpack(h.Packed).Select(b => (h.Day, h.Model, b.LatencyMs, b.Responses)))
            .OrderBy(l => l.Day).ThenBy(l => l.Model, StringComparer.Ordinal).ThenBy(l => l.LatencyMs)];
    }

    [Fact]
    public async Task Model_days_latency_histograms_and_users_per_period_follow_the_responses_late_ones_included()
    {
        await AppendAsync([
            Response("a", 2, "m", 1, 99, input: 10, output: 5, documents: true),
            Response("b", 2, "m", 2, 1_201, output: 7),
            Response("c", 2, "m", 2, 1_300),
            Response("d", 1, "m", 1, 99_501, input: 1),
            Response("e", 1, "n", 3, null),
            Event("q", type: EventType.UserQuery),
        ]);
        // A late response moves a past day.
        await AppendAsync([Response("f", 2, "n", 1, 100)]);
        DayRange[] periods = [new(DaysAgo(2), DaysAgo(2)), new(DaysAgo(1), DaysAgo(0))];

        var usage = await Store.ReadModelUsageAsync(1, periods, CancellationToken.None);
        var total = await Store.ReadModelUsageAsync(1, [new(DaysAgo(5), DaysAgo(0))], CancellationToken.None);

        usage.Days.OrderBy(d => d.Day).ThenBy(d => d.Model, StringComparer.Ordinal).ShouldBe([
            new ModelDay(DaysAgo(2), "m", 3, 1, 10, 12, 2),
            new ModelDay(DaysAgo(2), "n", 1, 0, 0, 0, 0),
            new ModelDay(DaysAgo(1), "m", 1, 0, 1, 0, 1),
            new ModelDay(DaysAgo(1), "n", 1, 0, 0, 0, 0),
        ]);
        Latencies(usage).ShouldBe([
            (DaysAgo(2), "m", 99, 1),
            (DaysAgo(2), "m", 1_300, 2),
            (DaysAgo(2), "n", 100, 1),
            (DaysAgo(1), "m", 100_000, 1),
        ]);
        usage.Users.OrderBy(u => u.Period).ThenBy(u => u.Model, StringComparer.Ordinal).ShouldBe([
            new ModelPeriodUsers(0, "m", 2), new ModelPeriodUsers(0, "n", 1), new ModelPeriodUsers(1, "m", 1), new ModelPeriodUsers(1, "n", 1),
        ]);
        total.Users.OrderBy(u => u.Model, StringComparer.Ordinal).ToList().ShouldBe([new ModelPeriodUsers(0, "m", 2), new ModelPeriodUsers(0, "n", 2)], "distinct over the period, not a sum of days");
        // Stretches split on DaysAgo(1): each row sums a user's model over one stretch, dated by its first day.
        (await Store.ReadUserModelTokensAsync(1, new(DaysAgo(5), DaysAgo(0)), [DaysAgo(1)], null, CancellationToken.None))
            .OrderBy(t => t.UserId).ThenBy(t => t.From).ThenBy(t => t.Model, StringComparer.Ordinal).ShouldBe([
                new UserModelTokens(1, DaysAgo(5), "m", 10, 5), new UserModelTokens(1, DaysAgo(5), "n", 0, 0), new UserModelTokens(1, DaysAgo(1), "m", 1, 0),
                new UserModelTokens(2, DaysAgo(5), "m", 0, 7), new UserModelTokens(3, DaysAgo(1), "n", 0, 0),
            ]);
        // One stretch: the whole range, days summed.
        (await Store.ReadUserModelTokensAsync(1, new(DaysAgo(5), DaysAgo(0)), [], 1, CancellationToken.None))
            .OrderBy(t => t.Model, StringComparer.Ordinal).ShouldBe([new UserModelTokens(1, DaysAgo(5), "m", 11, 5), new UserModelTokens(1, DaysAgo(5), "n", 0, 0)]);
        (await Store.ReadUserModelTokensAsync(1, new(DaysAgo(1), DaysAgo(0)), [], 1, CancellationToken.None)).ShouldBe([new UserModelTokens(1, DaysAgo(1), "m", 1, 0)]);
    }

    [Fact]
    public async Task Huge_latencies_round_up_past_64_bits_and_a_time_zone_change_moves_model_days()
    {
        await AppendAsync([Response("a", 0, "m", 1, long.MaxValue, input: 3), Response("b", 0, "m", 1, 100_000_000_000_000_001)]);

        var usage = await Store.ReadModelUsageAsync(1, [new(DaysAgo(1), DaysAgo(0))], CancellationToken.None);
        // Now is 12:00 UTC: in Pacific/Kiritimati (UTC+14) the events fall on the next day.
        await Store.UpsertCompanyAsync(1, new CompanyChange(null, "Pacific/Kiritimati"), Now, CancellationToken.None);
        var moved = await Store.ReadModelUsageAsync(1, [new(DaysAgo(-1), DaysAgo(-1))], CancellationToken.None);

        Latencies(usage).Select(l => l.LatencyMs).ShouldBe([110_000_000_000_000_000m, 9_300_000_000_000_000_000m]);
        moved.Days.ShouldBe([new ModelDay(DaysAgo(-1), "m", 2, 0, 3, 0, 1)]);
        moved.Users.ShouldBe([new ModelPeriodUsers(0, "m", 1)]);
        (await Store.ReadUserModelTokensAsync(1, new(DaysAgo(-1), DaysAgo(-1)), [], null, CancellationToken.None)).ShouldBe([new UserModelTokens(1, DaysAgo(-1), "m", 3, 0)]);
    }

    [Fact]
    public async Task A_view_by_day_read_before_counts_the_responses_that_arrive_after_and_a_time_zone_change_moves_it()
    {
        // The embedded store keeps each day's users and latencies once read by day; these reads check that what
        // arrives after, and a time-zone change that gives a day as many responses as it had, are read.
        await AppendAsync([Response("a", 2, "m", 1, 99), Response("b", 1, "m", 2, long.MaxValue), Response("d", 2, "n", 1, null)]);
        DayRange[] days = [new(DaysAgo(2), DaysAgo(2)), new(DaysAgo(1), DaysAgo(1))];
        var before = await Store.ReadModelUsageAsync(1, days, CancellationToken.None);
        // Late responses to days and models read before: one more each, no new day or model.
        await AppendAsync([Response("c", 2, "m", 3, 1_201), Response("e", 1, "m", 2, 7)]);
        var after = await Store.ReadModelUsageAsync(1, days, CancellationToken.None);
        // Now is 12:00 UTC: in Pacific/Kiritimati (UTC+14) each event falls on the next day.
        await Store.UpsertCompanyAsync(1, new CompanyChange(null, "Pacific/Kiritimati"), Now, CancellationToken.None);
        var moved = await Store.ReadModelUsageAsync(1, [new(DaysAgo(1), DaysAgo(1)), new(DaysAgo(0), DaysAgo(0))], CancellationToken.None);

        static List<ModelPeriodUsers> SortedUsers(ModelUsage usage) =>
            [.. usage.Users.OrderBy(u => u.Period).ThenBy(u => u.Model, StringComparer.Ordinal)];
        Latencies(before).ShouldBe([(DaysAgo(2), "m", 99, 1), (DaysAgo(1), "m", 9_300_000_000_000_000_000m, 1)]);
        SortedUsers(before).ShouldBe([new ModelPeriodUsers(0, "m", 1), new ModelPeriodUsers(0, "n", 1), new ModelPeriodUsers(1, "m", 1)]);

        after.Days.OrderBy(d => d.Day).ThenBy(d => d.Model, StringComparer.Ordinal).ShouldBe([
            new ModelDay(DaysAgo(2), "m", 2, 0, 0, 0, 0), new ModelDay(DaysAgo(2), "n", 1, 0, 0, 0, 0), new ModelDay(DaysAgo(1), "m", 2, 0, 0, 0, 0),
        ]);
        Latencies(after).ShouldBe([
            (DaysAgo(2), "m", 99, 1), (DaysAgo(2), "m", 1_300, 1),
            (DaysAgo(1), "m", 7, 1), (DaysAgo(1), "m", 9_300_000_000_000_000_000m, 1),
        ]);
        SortedUsers(after).ShouldBe([new ModelPeriodUsers(0, "m", 2), new ModelPeriodUsers(0, "n", 1), new ModelPeriodUsers(1, "m", 1)]);

        moved.Days.OrderBy(d => d.Day).ThenBy(d => d.Model, StringComparer.Ordinal).ShouldBe([
            new ModelDay(DaysAgo(1), "m", 2, 0, 0, 0, 0), new ModelDay(DaysAgo(1), "n", 1, 0, 0, 0, 0), new ModelDay(DaysAgo(0), "m", 2, 0, 0, 0, 0),
        ]);
        Latencies(moved).ShouldBe([
            (DaysAgo(1), "m", 99, 1), (DaysAgo(1), "m", 1_300, 1),
            (DaysAgo(0), "m", 7, 1), (DaysAgo(0), "m", 9_300_000_000_000_000_000m, 1),
        ]);
        SortedUsers(moved).ShouldBe([new ModelPeriodUsers(0, "m", 2), new ModelPeriodUsers(0, "n", 1), new ModelPeriodUsers(1, "m", 1)]);
    }
}
