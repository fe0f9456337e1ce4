using Tally.Events;

namespace Tally.Storage.Tests;

/// <summary>The contract's reads of raw events, page by page (<c>tally events export</c>).</summary>
public abstract partial class StoreContract
{
    [Fact]
    public async Task A_companys_events_read_back_as_sent_in_timestamp_then_id_order_page_by_page_within_its_days()
    {
        var answer = Event("m", type: EventType.ModelResponse) with
        {
            Mode = ChatMode.Agent, LatencyMs = 1200, InputTokens = 30,
            Documents = [new EventDocument(9, "z.pdf", null), new EventDocument(2, "a\0.pdf", "T\uFDD0"), new EventDocument(5, "m.pdf", "M")],
        };
        var joined = Event("j", type: EventType.MemberJoined, minute: 5) with { UserName = "Ana\0", Email = "ana@example.com" };
        var connection = Event("c", type: EventType.Connection, minute: 5) with { Ip = "10.0.0.1", UserAgent = "curl", AuthMethod = "sso" };
        var tool = Event("t", type: EventType.ToolCall, minute: 3) with { ToolType = ToolType.Mcp, ToolStatus = ToolStatus.Error, DurationMs = 15 };
        var feedback = Event("f", type: EventType.Feedback, minute: 1) with { FeedbackKind = FeedbackKind.Flag, Timestamp = Now.AddMinutes(-1).AddTicks(10) };
        var dayBefore = Event("y", minute: 13 * 60);
        await AppendAsync([answer, joined, connection, Event("o", company: 2), tool, feedback, dayBefore]);

        var days = new DayRange(DateOnly.FromDateTime(Now), DateOnly.FromDateTime(Now));
        var read = new List<PlatformEvent>();
        var pages = new List<int>();
        EventPosition? after = null;
        while (true)
        {
            var page = await Store.ReadEventsAsync(1, days, after, 2, CancellationToken.None);
            pages.Add(page.Count);
            read.AddRange(page);
            if (page.Count < 2)
            {
                break;
            }

            after = new EventPosition(page[^1].Timestamp, page[^1].Id);
        }

        // Equal timestamps in id order (ordinal: "c" before "j"); the day before and the other company left out.
        read.Select(e => e.Id).ShouldBe(["c", "j", "t", "f", "m"]);
        pages.ShouldBe([2, 2, 1]);
        AsText(read).ShouldBe(AsText([connection, joined, tool, feedback, answer]));
        (await Store.ReadEventsAsync(1, new DayRange(DateOnly.MinValue, DateOnly.MaxValue), null, 100, CancellationToken.None))
            .Select(e => e.Id).ShouldBe(["y", "c", "j", "t", "f", "m"]);
        (await Store.ReadEventsAsync(3, new DayRange(DateOnly.MinValue, DateOnly.MaxValue), null, 100, CancellationToken.None)).ShouldBeEmpty();
    }

    private static List<string> AsText(IEnumerable<PlatformEvent> events) => events.Select(e => System.Text.Json.JsonSerializer.Serialize(e)).ToList();
}
