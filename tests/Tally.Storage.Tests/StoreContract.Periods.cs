using System.Globalization;
using Tally.Events;

namespace Tally.Storage.Tests;

/// <summary>The reads of distinct counts and document totals over periods of several days.</summary>
public abstract partial class StoreContract
{
    // 2025-05-26 is a Monday: the first period is its week up to Sunday 06-01, the second the three days after.
    private static readonly DayRange[] TwoPeriods = [new(new DateOnly(2025, 5, 28), new DateOnly(2025, 6, 1)), new(new DateOnly(2025, 6, 2), new DateOnly(2025, 6, 4))];

    private static PlatformEvent On(string id, int day, EventType type, long user, string session, string? model = null, string? tool = null,
        params long[] documents) => new()
    {
        Id = id,
        Type = type,
        Timestamp = new DateTime(2025, 5, 1, 10, 0, 0, DateTimeKind.Utc).AddDays(day - 1),
        CompanyId = 4,
        UserId = user,
        SessionId = session,
        Mode = session.StartsWith('a') ? ChatMode.Agent : ChatMode.Chat,
        ResponseId = type == EventType.ModelResponse ? id : null,
        Model = model,
        Documents = [.. documents.Select(d => new EventDocument(d, $"{d}.pdf", null))],
        ToolName = tool,
        ToolType = tool is null ? null : ToolType.Native,
        ToolStatus = tool is null ? null : ToolStatus.Ok,
    };

    /// <summary>Days counted from May 1st: 28 is May 28th, 33 June 2nd.</summary>
    private async Task AppendPeriodEventsAsync() => await AppendAsync(
    [
        // Week one: session s1 asked on two days, model m answered on two days, two users of the search tool.
        On("q1", 28, EventType.UserQuery, 1, "s1"),
        On("q2", 30, EventType.UserQuery, 1, "s1"),
        On("q3", 30, EventType.UserQuery, 2, "s2"),
        On("r1", 28, EventType.ModelResponse, 1, "s1", "m", null, 10, 11) with { InputTokens = 100, OutputTokens = 10 },
        On("r2", 31, EventType.ModelResponse, 2, "s2", "m", null, 10) with { InputTokens = 200, OutputTokens = 20 },
        On("r3", 31, EventType.ModelResponse, 2, "s2", "n", null, 12),
        On("ra", 29, EventType.ModelResponse, 3, "a1", "m"),
        On("qa", 29, EventType.UserQuery, 3, "a1"),
        On("t1", 28, EventType.ToolCall, 1, "s1", null, "search"),
        On("t2", 29, EventType.ToolCall, 1, "s1", null, "search"),
        On("t3", 30, EventType.ToolCall, 2, "s2", null, "search"),
        // The three days after: the same session again, one user of the tool on two days.
        On("q4", 33, EventType.UserQuery, 1, "s1"),
        On("r4", 34, EventType.ModelResponse, 1, "s1", "m", null, 11) with { InputTokens = 1000, OutputTokens = 100 },
        On("r5", 35, EventType.ModelResponse, 1, "s1", "m", null, 11, 12),
        On("t4", 33, EventType.ToolCall, 1, "s1", null, "search"),
        On("t5", 35, EventType.ToolCall, 1, "s1", null, "search"),
    ]);

    [Fact]
    public async Task Distinct_counts_over_periods_count_each_model_session_and_user_once_per_period()
    {
        await AppendPeriodEventsAsync();

        var modes = await Store.ReadModeDistinctsAsync(4, TwoPeriods, CancellationToken.None);
        modes.OrderBy(m => m.Period).ShouldBe([new ModeDistincts(0, 2, 1, 2, 1), new ModeDistincts(1, 1, 0, 1, 0)]);

        var tools = await Store.ReadToolUsersAsync(4, TwoPeriods, CancellationToken.None);
        tools.OrderBy(t => t.Period).ShouldBe([new ToolUsers(0, "search", "native", 2), new ToolUsers(1, "search", "native", 1)]);

        // A period without any row has none; days outside the periods count for nothing.
        (await Store.ReadModeDistinctsAsync(4, [new(new DateOnly(2025, 6, 5), new DateOnly(2025, 6, 30))], CancellationToken.None)).ShouldBeEmpty();
        (await Store.ReadToolUsersAsync(4, [TwoPeriods[1]], CancellationToken.None)).ShouldBe([new ToolUsers(0, "search", "native", 1)]);
    }

    [Fact]
    public async Task A_range_inside_a_month_read_before_counts_the_events_that_arrive_after()
    {
        // May 20-31 is a month view's cut first month (the embedded store keeps its counters once read), June 1-4 its
        // cut last month (read by day).
        DayRange[] cutMonths = [new(new DateOnly(2025, 5, 20), new DateOnly(2025, 5, 31)), new(new DateOnly(2025, 6, 1), new DateOnly(2025, 6, 4))];
        await AppendPeriodEventsAsync();
        for (var read = 0; read < 2; read++)
        {
            (await Store.ReadModeDistinctsAsync(4, cutMonths, CancellationToken.None)).OrderBy(m => m.Period)
                .ShouldBe([new ModeDistincts(0, 2, 1, 2, 1), new ModeDistincts(1, 1, 0, 1, 0)]);
            (await Store.ReadToolUsersAsync(4, cutMonths, CancellationToken.None)).OrderBy(t => t.Period)
                .ShouldBe([new ToolUsers(0, "search", "native", 2), new ToolUsers(1, "search", "native", 1)]);
            (await Store.ReadDocumentPeriodsAsync(4, cutMonths, 1, CancellationToken.None)).Select(d => (d.Period, d.DocumentId, d.Usage, d.PeriodDocuments))
                .ShouldBe([(0, 10, 2, 3), (1, 11, 2, 2)]);
            // Responses without tokens count their users with zero tokens.
            (await UserTokensAsync([])).ShouldBe([new(1, May20, "m", 1100, 110), new(2, May20, "m", 200, 20), new(2, May20, "n", 0, 0), new(3, May20, "m", 0, 0)]);
            // A price taking effect on May 30th: May 20-31 is two stretches, read by day.
            (await UserTokensAsync([May30])).ShouldBe(
                [new(1, May20, "m", 100, 10), new(1, May30, "m", 1000, 100), new(2, May30, "m", 200, 20), new(2, May30, "n", 0, 0), new(3, May20, "m", 0, 0)]);
        }

        // Late: a new session, model, tool user and document on May 25th.
        await AppendAsync(
        [
            On("q9", 25, EventType.UserQuery, 5, "s9"),
            On("r9", 25, EventType.ModelResponse, 5, "s9", "o", null, 13, 13),
            On("r10", 25, EventType.ModelResponse, 5, "s9", "o", null, 13) with { InputTokens = 7, OutputTokens = 3 },
            On("t9", 25, EventType.ToolCall, 5, "s9", null, "search"),
        ]);

        (await Store.ReadModeDistinctsAsync(4, cutMonths, CancellationToken.None)).OrderBy(m => m.Period)
            .ShouldBe([new ModeDistincts(0, 3, 1, 3, 1), new ModeDistincts(1, 1, 0, 1, 0)]);
        (await Store.ReadToolUsersAsync(4, cutMonths, CancellationToken.None)).OrderBy(t => t.Period)
            .ShouldBe([new ToolUsers(0, "search", "native", 3), new ToolUsers(1, "search", "native", 1)]);
        (await Store.ReadDocumentPeriodsAsync(4, cutMonths, 1, CancellationToken.None)).Select(d => (d.Period, d.DocumentId, d.Usage, d.PeriodDocuments))
            .ShouldBe([(0, 10, 2, 4), (1, 11, 2, 2)]);
        (await UserTokensAsync([])).ShouldBe(
            [new(1, May20, "m", 1100, 110), new(2, May20, "m", 200, 20), new(2, May20, "n", 0, 0), new(3, May20, "m", 0, 0), new(5, May20, "o", 7, 3)]);

        async Task<IEnumerable<UserModelTokens>> UserTokensAsync(DateOnly[] stretchStarts) =>
            (await Store.ReadUserModelTokensAsync(4, new(May20, cutMonths[1].Last), stretchStarts, null, CancellationToken.None))
            .OrderBy(t => t.UserId).ThenBy(t => t.From).ThenBy(t => t.Model);
    }

    [Fact]
    public async Task Users_tokens_over_whole_months_on_both_sides_of_a_price_change_sum_each_stretch()
    {
        // May 1st to August 31st with a price from June 20th: May, July and August are whole months of one stretch
        // (two runs of consecutive months), June is read by day; September is outside the range.
        var (june20, july1) = (new DateOnly(2025, 6, 20), new DateOnly(2025, 7, 1));
        var range = new DayRange(new DateOnly(2025, 5, 1), new DateOnly(2025, 8, 31));
        await AppendAsync(
        [
            On("r1", 5, EventType.ModelResponse, 1, "s1", "m") with { InputTokens = 100, OutputTokens = 10 },
            On("r2", 40, EventType.ModelResponse, 1, "s1", "m") with { InputTokens = 200, OutputTokens = 20 },
            On("r3", 55, EventType.ModelResponse, 1, "s1", "m") with { InputTokens = 300, OutputTokens = 30 },
            On("r4", 70, EventType.ModelResponse, 1, "s1", "m") with { InputTokens = 400, OutputTokens = 40 },
            On("r5", 100, EventType.ModelResponse, 2, "s2", "n") with { InputTokens = 500, OutputTokens = 50 },
            On("r6", 130, EventType.ModelResponse, 1, "s1", "m") with { InputTokens = 1000, OutputTokens = 100 },
        ]);

        for (var read = 0; read < 2; read++)
        {
            (await UserTokensAsync([june20], null)).ShouldBe(
                [new(1, range.First, "m", 300, 30), new(1, june20, "m", 700, 70), new(2, june20, "n", 500, 50)], $"read {read}");
            (await UserTokensAsync([june20], 2)).ShouldBe([new(2, june20, "n", 500, 50)], $"read {read}");
            (await UserTokensAsync([], null)).ShouldBe([new(1, range.First, "m", 1000, 100), new(2, range.First, "n", 500, 50)], $"read {read}");
        }

        // No day: no row.
        (await Store.ReadUserModelTokensAsync(4, new(range.Last, range.First), [], null, CancellationToken.None)).ShouldBeEmpty();
        // A price from July 1st: every month is whole (one run of four), each in the stretch of its first day.
        (await UserTokensAsync([july1], null)).ShouldBe(
            [new(1, range.First, "m", 600, 60), new(1, july1, "m", 400, 40), new(2, july1, "n", 500, 50)]);

        async Task<IEnumerable<UserModelTokens>> UserTokensAsync(DateOnly[] stretchStarts, long? userId) =>
            (await Store.ReadUserModelTokensAsync(4, range, stretchStarts, userId, CancellationToken.None))
            .OrderBy(t => t.UserId).ThenBy(t => t.From).ThenBy(t => t.Model, StringComparer.Ordinal);
    }

    private static readonly DateOnly May20 = new(2025, 5, 20);
    private static readonly DateOnly May30 = new(2025, 5, 30);

    [Fact]
    public async Task Documents_over_periods_are_summed_ranked_and_cut_with_the_count_before_the_cut()
    {
        await AppendPeriodEventsAsync();

        var all = await Store.ReadDocumentPeriodsAsync(4, TwoPeriods, int.MaxValue, CancellationToken.None);
        all.Select(d => (d.Period, d.DocumentId, d.Usage, d.PeriodDocuments, d.Name.Filename)).ShouldBe(
        [
            (0, 10, 2, 3, "10.pdf"), (0, 11, 1, 3, "11.pdf"), (0, 12, 1, 3, "12.pdf"),
            (1, 11, 2, 2, "11.pdf"), (1, 12, 1, 2, "12.pdf"),
        ]);

        var first = await Store.ReadDocumentPeriodsAsync(4, TwoPeriods, 1, CancellationToken.None);
        first.Select(d => (d.Period, d.DocumentId, d.Usage, d.PeriodDocuments)).ShouldBe([(0, 10, 2, 3), (1, 11, 2, 2)]);
    }

    // The month after December 9999 does not exist: a read that steps to "the next month" there throws.
    [Theory]
    [InlineData("0001-01-01", "0001-01-31", "0001-02-28")]
    [InlineData("9999-11-15", "9999-11-30", "9999-12-31")]
    public async Task Period_reads_at_the_ends_of_the_calendar_answer(string first, string monthEnd, string last)
    {
        await AppendPeriodEventsAsync();
        var (from, cut, to) = (DateOnly.Parse(first, CultureInfo.InvariantCulture), DateOnly.Parse(monthEnd, CultureInfo.InvariantCulture),
            DateOnly.Parse(last, CultureInfo.InvariantCulture));
        DayRange[] periods = [new(from, cut), new(cut.AddDays(1), to)];

        (await Store.ReadModeDistinctsAsync(4, periods, CancellationToken.None)).ShouldBeEmpty();
        (await Store.ReadToolUsersAsync(4, periods, CancellationToken.None)).ShouldBeEmpty();
        (await Store.ReadDocumentPeriodsAsync(4, periods, 50, CancellationToken.None)).ShouldBeEmpty();
        var models = await Store.ReadModelUsageAsync(4, periods, CancellationToken.None);
        (models.Days.Count + models.Latencies.Count + models.Users.Count).ShouldBe(0);
        (await Store.ReadUserModelTokensAsync(4, new(from, to), [], null, CancellationToken.None)).ShouldBeEmpty();
        (await Store.ReadUserModelTokensAsync(4, new(from, to), [cut], null, CancellationToken.None)).ShouldBeEmpty();
        (await Store.ReadActivityHistoryAsync(4, new(from, to), null, CancellationToken.None)).ConnectionsByDay.ShouldBeEmpty();
    }
}
