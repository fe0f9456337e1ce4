using System.Text.Json.Nodes;
using Tally.Testing;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// A later rating moves a like or dislike off the day of the earlier one, also when that day gets no other
/// event in the request, and when several ratings of one day change at once. On every engine: the subclasses below choose it.
/// </summary>
public abstract class RatingChangeTests(StoreKind engine)
{
    private static JsonObject Rating(string id, string day, long user, string response, string kind) => new()
    {
        ["id"] = id, ["type"] = "feedback", ["timestamp"] = $"{day}T10:00:00Z", ["company_id"] = 1, ["user_id"] = user,
        ["response_id"] = response, ["kind"] = kind,
    };

    private static async Task<string> FeedbackAsync(HttpClient client)
    {
        var report = await ReportApi.GetJsonAsync(client, "/api/v2/reporting/chats-feedback/?start_date=2025-03-01&end_date=2025-03-05&company_id=1");
        return string.Join(" ", report["reporting"]![0]!["dates"]!.AsArray().Select(d =>
            $"{d!["feedbacks"]!["likes_count"]}/{d["feedbacks"]!["dislikes_count"]}"));
    }

    [Fact]
    public async Task Changing_a_like_and_a_dislike_of_one_day_later_takes_both_off_that_day()
    {
        await using var server = await TestServer.StartAsync(engine: engine);
        using var client = server.Client();
        await ReportApi.SendAsync(client, [
            Rating("f1", "2025-03-01", 1, "r-1", "like"), Rating("f2", "2025-03-01", 2, "r-2", "dislike"),
            Rating("f3", "2025-03-01", 3, "r-3", "like"), Rating("f4", "2025-03-02", 4, "r-4", "dislike")]);
        (await FeedbackAsync(client)).ShouldBe("2/1 0/1 0/0 0/0 0/0");

        // Nothing else happens on the 1st in this request: only the ratings' changes reach that day.
        await ReportApi.SendAsync(client, [
            Rating("f5", "2025-03-04", 1, "r-1", "none"), Rating("f6", "2025-03-04", 2, "r-2", "like"),
            Rating("f7", "2025-03-05", 4, "r-4", "like")]);

        (await FeedbackAsync(client)).ShouldBe("1/0 0/0 0/0 1/0 1/0");
    }

    [Fact]
    public async Task Ratings_changed_back_and_forth_across_requests_count_once_on_the_latest_day()
    {
        await using var server = await TestServer.StartAsync(engine: engine);
        using var client = server.Client();
        await ReportApi.SendAsync(client, [Rating("a", "2025-03-01", 1, "r-1", "like"), Rating("b", "2025-03-01", 2, "r-1", "dislike")]);
        await ReportApi.SendAsync(client, [Rating("c", "2025-03-03", 1, "r-1", "dislike"), Rating("d", "2025-03-03", 2, "r-1", "like")]);
        await ReportApi.SendAsync(client, [Rating("e", "2025-03-02", 1, "r-1", "none")]); // late, older than "c": changes nothing
        await ReportApi.SendAsync(client, [Rating("f", "2025-03-05", 1, "r-1", "none"), Rating("g", "2025-03-05", 2, "r-1", "none")]);

        (await FeedbackAsync(client)).ShouldBe("0/0 0/0 0/0 0/0 0/0");
    }
}

public sealed class DuckDbRatingChangeTests() : RatingChangeTests(StoreKind.DuckDb);

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresRatingChangeTests() : RatingChangeTests(StoreKind.PostgreSql);
