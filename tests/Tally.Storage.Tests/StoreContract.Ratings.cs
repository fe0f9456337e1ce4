using System.Globalization;
using Tally.Companies;
using Tally.Events;

namespace Tally.Storage.Tests;

/// <summary>The satisfaction read: where the current ratings go as responses, tool calls and ratings arrive late or out of order.</summary>
public abstract partial class StoreContract
{
    private static readonly DateTime Noon = new(2025, 5, 10, 12, 0, 0, DateTimeKind.Utc);

    private static PlatformEvent Answer(string id, string responseId, string model, DateTime at, params long[] documents) => new()
    {
        Id = id, Type = EventType.ModelResponse, Timestamp = at, CompanyId = 1, UserId = 7, SessionId = "s", ResponseId = responseId, Model = model,
        Documents = documents.Select(d => new EventDocument(d, $"doc-{d}.pdf", d == 6 ? null : $"Title {d}")).ToList(),
    };

    private static PlatformEvent ToolCall(string id, string? responseId, string tool, ToolType type, DateTime at) => new()
    {
        Id = id, Type = EventType.ToolCall, Timestamp = at, CompanyId = 1, UserId = 7, SessionId = "s", ResponseId = responseId,
        ToolName = tool, ToolType = type, ToolStatus = ToolStatus.Ok,
    };

    private static PlatformEvent Rating(string id, long user, string responseId, FeedbackKind kind, DateTime at) => new()
    {
        Id = id, Type = EventType.Feedback, Timestamp = at, CompanyId = 1, UserId = user, ResponseId = responseId, FeedbackKind = kind,
    };

    /// <summary>The company's rating rows of May 2025, as sorted text: one line per day and key.</summary>
    private async Task<List<string>> RatingsAsync()
    {
        var days = new DayRange(new DateOnly(2025, 5, 1), new DateOnly(2025, 5, 31));
        return RatingRows(await Store.ReadRatingDaysAsync(1, days, CancellationToken.None));
    }

    private static List<string> RatingRows(RatingDays ratings)
    {
        static string Day(DateOnly day) => day.ToString("MM-dd", CultureInfo.InvariantCulture);
        return ratings.Models.Select(m => $"{Day(m.Day)} model {m.Model ?? "null"} {m.Likes}/{m.Dislikes}")
            .Concat(ratings.Tools.Select(t => $"{Day(t.Day)} tool {t.ToolName}:{t.ToolType} {t.Likes}/{t.Dislikes}"))
            .Concat(ratings.Documents.Select(d =>
                $"{Day(d.Day)} document {d.DocumentId} {ratings.DocumentNames[d.DocumentId].Filename}|{ratings.DocumentNames[d.DocumentId].Title} {d.Likes}/{d.Dislikes}"))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [Fact]
    public async Task Ratings_follow_their_answer_model_tools_and_documents_whatever_arrives_late()
    {
        // A like whose answer is not stored yet: model null, no tool, no document.
        await AppendAsync([Rating("f1", 1, "r1", FeedbackKind.Like, Noon)]);
        (await RatingsAsync()).ShouldBe(["05-10 model null 1/0"]);

        // The answer arrives (a day earlier), listing document 5 twice: the like moves to its model and documents.
        await AppendAsync([Answer("a1", "r1", "m1", Noon.AddDays(-1), 5, 5, 6)]);
        (await RatingsAsync()).ShouldBe(["05-10 document 5 doc-5.pdf|Title 5 1/0", "05-10 document 6 doc-6.pdf| 1/0", "05-10 model m1 1/0"]);

        // Tool calls with the answer's id, one tool twice; a tool call without an id counts for nothing.
        await AppendAsync([
            ToolCall("t1", "r1", "web_search", ToolType.Native, Noon.AddDays(-1)), ToolCall("t2", "r1", "web_search", ToolType.Native, Noon.AddDays(-1)),
            ToolCall("t3", "r1", "search", ToolType.Mcp, Noon.AddDays(-1)), ToolCall("t4", null, "orphan", ToolType.Native, Noon.AddDays(-1))]);
        (await RatingsAsync()).ShouldBe([
            "05-10 document 5 doc-5.pdf|Title 5 1/0", "05-10 document 6 doc-6.pdf| 1/0", "05-10 model m1 1/0",
            "05-10 tool search:mcp 1/0", "05-10 tool web_search:native 1/0",
        ]);

        // The user changes their mind two days later; a second user likes; a later answer with the same id changes nothing.
        await AppendAsync([Rating("f2", 1, "r1", FeedbackKind.Dislike, Noon.AddDays(2)), Rating("f3", 2, "r1", FeedbackKind.Like, Noon.AddDays(2)),
            Answer("a2", "r1", "m-later", Noon.AddDays(1), 9)]);
        (await RatingsAsync()).ShouldBe([
            "05-12 document 5 doc-5.pdf|Title 5 1/1", "05-12 document 6 doc-6.pdf| 1/1", "05-12 model m1 1/1",
            "05-12 tool search:mcp 1/1", "05-12 tool web_search:native 1/1",
        ]);

        // An answer with the same id ordered earlier (same instant, smaller id) becomes the rated response: every
        // current rating moves to its model and documents; the tools stay.
        await AppendAsync([Answer("a0", "r1", "m0", Noon.AddDays(-1), 7)]);
        (await RatingsAsync()).ShouldBe([
            "05-12 document 7 doc-7.pdf|Title 7 1/1", "05-12 model m0 1/1", "05-12 tool search:mcp 1/1", "05-12 tool web_search:native 1/1",
        ]);

        // Withdrawn ratings count nowhere; an answer rated by nobody counts nowhere.
        await AppendAsync([Rating("f4", 1, "r1", FeedbackKind.None, Noon.AddDays(3)), Answer("b1", "r2", "m1", Noon, 5),
            ToolCall("t5", "r2", "web_search", ToolType.Native, Noon)]);
        (await RatingsAsync()).ShouldBe([
            "05-12 document 7 doc-7.pdf|Title 7 1/0", "05-12 model m0 1/0", "05-12 tool search:mcp 1/0", "05-12 tool web_search:native 1/0",
        ]);

        // Everything in one commit, out of order: rating, tool, then the answer.
        await AppendAsync([Rating("g2", 3, "r3", FeedbackKind.Like, Noon.AddDays(5)), Rating("g1", 3, "r3", FeedbackKind.Dislike, Noon.AddDays(4)),
            ToolCall("u1", "r3", "web_search", ToolType.Native, Noon), Answer("c1", "r3", "m1", Noon.AddDays(3))]);
        var incremental = await RatingsAsync();
        incremental.ShouldBe([
            "05-12 document 7 doc-7.pdf|Title 7 1/0", "05-12 model m0 1/0", "05-12 tool search:mcp 1/0", "05-12 tool web_search:native 1/0",
            "05-15 model m1 1/0", "05-15 tool web_search:native 1/0",
        ]);

        await Store.RebuildAggregatesAsync(1, CancellationToken.None);
        (await RatingsAsync()).ShouldBe(incremental);

        // Fourteen hours east, every noon rating falls on the next day.
        await Store.UpsertCompanyAsync(1, new CompanyChange(null, "Pacific/Kiritimati"), Now, CancellationToken.None);
        (await RatingsAsync()).ShouldBe([
            "05-13 document 7 doc-7.pdf|Title 7 1/0", "05-13 model m0 1/0", "05-13 tool search:mcp 1/0", "05-13 tool web_search:native 1/0",
            "05-16 model m1 1/0", "05-16 tool web_search:native 1/0",
        ]);
    }
}
