using System.Text;
using System.Text.Json.Nodes;
using Tally.Events;
using static Tally.Core.Tests.TestEvents;

namespace Tally.Core.Tests;

/// <summary>The 10,000-event limit, and the two body formats giving the same events.</summary>
public class BatchLimitTests
{
    [Theory]
    [InlineData(EventBodyFormat.JsonArray)]
    [InlineData(EventBodyFormat.Ndjson)]
    public void Exactly_10000_events_are_within_the_limit(EventBodyFormat format)
    {
        var batch = Read(Body(EventBatch.MaxEvents, format), format);

        batch.TooManyEvents.ShouldBeFalse();
        batch.IsValid.ShouldBeTrue();
        batch.Events.Count.ShouldBe(10_000);
        batch.EventCount.ShouldBe(10_000);
    }

    [Theory]
    [InlineData(EventBodyFormat.JsonArray)]
    [InlineData(EventBodyFormat.Ndjson)]
    public void More_than_10000_events_are_too_many(EventBodyFormat format)
    {
        var batch = Read(Body(EventBatch.MaxEvents + 1, format), format);

        batch.TooManyEvents.ShouldBeTrue();
        batch.IsValid.ShouldBeFalse();
    }

    [Fact]
    public void More_than_10000_elements_that_are_not_objects_are_too_many()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat("1", EventBatch.MaxEvents + 1)) + "]";

        Read(body).TooManyEvents.ShouldBeTrue();
    }

    [Fact]
    public void Blank_ndjson_lines_do_not_count_towards_the_limit()
    {
        var lines = Enumerable.Range(0, EventBatch.MaxEvents).Select(i => UserQuery($"e-{i}").ToJson() + "\n\r\n  \n");

        var batch = Read("\n" + string.Concat(lines), EventBodyFormat.Ndjson);

        batch.TooManyEvents.ShouldBeFalse();
        batch.IsValid.ShouldBeTrue();
        batch.Events.Count.ShouldBe(10_000);
    }

    [Fact]
    public void A_json_array_and_ndjson_of_the_same_events_give_equal_events()
    {
        JsonObject[] Events() =>
        [
            MemberJoined("e-0").With("user_name", "Zoë").With("email", "zoe@example.com"),
            MemberLeft("e-1").With("user_id", 9007199254740992),
            Connection("e-2").With("ip", "192.0.2.1").With("user_agent", "curl/8").With("auth_method", "password"),
            SessionStarted("e-3").With("mode", "agent").With("timestamp", "2025-06-01t14:00:00.1234567+02:00"),
            UserQuery("e-4").With("session_id", "😀 session"),
            ModelResponse("e-5")
                .With("documents", new JsonArray(Document(12, "policy.pdf", "Travel policy"), Document(3, "notes.txt")))
                .With("latency_ms", 1200).With("input_tokens", 50).With("output_tokens", 0),
            ToolCall("e-6").With("tool_type", "mcp").With("status", "error").With("response_id", "r-1").With("duration_ms", 15),
            Feedback("e-7").With("kind", "flag").With("unknown", new JsonArray(1, 2)),
        ];

        var fromArray = ReadArray(Events());
        var fromNdjson = ReadNdjson(Events());

        fromArray.IsValid.ShouldBeTrue();
        fromNdjson.IsValid.ShouldBeTrue();
        fromArray.Events.Count.ShouldBe(8);
        Json.Of(fromNdjson.Events).ShouldBe(Json.Of(fromArray.Events));
        fromNdjson.NamedCompanies.ShouldBe(fromArray.NamedCompanies);
    }

    [Fact]
    public void A_json_array_and_ndjson_of_the_same_invalid_events_give_the_same_errors_apart_from_the_line()
    {
        JsonObject[] Events() => [UserQuery("a").With("company_id", 0), UserQuery("b"), Feedback("c").Without("kind")];

        var fromArray = ReadArray(Events());
        var fromNdjson = ReadNdjson(Events());

        fromNdjson.Errors.Select(error => error with { Line = null }).ShouldBe(fromArray.Errors);
        fromNdjson.Errors.Select(error => error.Line).ShouldBe([1, 3]);
        fromNdjson.InvalidEventCount.ShouldBe(fromArray.InvalidEventCount);
    }

    private static byte[] Body(int count, EventBodyFormat format)
    {
        var events = Enumerable.Range(0, count).Select(i => UserQuery($"e-{i}").ToJson());
        var text = format == EventBodyFormat.Ndjson ? string.Join("\n", events) : "[" + string.Join(",", events) + "]";
        return Encoding.UTF8.GetBytes(text);
    }
}
