using Tally.Events;
using static Tally.Core.Tests.TestEvents;

namespace Tally.Core.Tests;

/// <summary>How problems are reported: one entry per (event, field), every problem listed, at most 1,000 entries.</summary>
public class ErrorReportTests
{
    [Fact]
    public void An_error_names_the_0_based_index_the_id_and_the_field_of_the_event()
    {
        var batch = ReadArray(UserQuery("a"), UserQuery("b"), UserQuery("c").With("company_id", 0));

        batch.Errors.ShouldHaveSingleItem().ShouldBe(new EventError(2, null, "c", "company_id", batch.Errors[0].Message));
        batch.EventCount.ShouldBe(3);
        batch.InvalidEventCount.ShouldBe(1);
    }

    [Fact]
    public void The_first_event_has_index_0()
    {
        ReadArray(UserQuery("a").Without("user_id"), UserQuery("b")).Errors.ShouldHaveSingleItem().Index.ShouldBe(0);
    }

    [Fact]
    public void An_error_of_an_event_without_an_id_has_a_null_id()
    {
        var error = ReadSingleError(UserQuery().Without("id"));

        error.Id.ShouldBeNull();
        error.Index.ShouldBe(0);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("12")]
    [InlineData("null")]
    [InlineData("\"bad\\u0001id\"")]
    [InlineData("\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\"")]
    public void Every_error_of_an_event_whose_id_is_unusable_has_a_null_id(string id)
    {
        var batch = ReadArray(UserQuery().WithRaw("id", id).With("timestamp", "2025-06-01T10:00:00"));

        batch.Errors.Select(error => error.Field).ShouldBe(["id", "timestamp"]);
        batch.Errors.ShouldAllBe(error => error.Id == null);
    }

    [Fact]
    public void An_event_without_an_id_does_not_take_the_id_of_the_event_before_it()
    {
        var batch = ReadArray(UserQuery("first").With("user_id", 0), UserQuery().Without("id").With("user_id", 0));

        batch.Errors.Select(error => (error.Index, error.Id, error.Field)).ShouldBe(
            [(0, "first", "user_id"), (1, null, "id"), (1, null, "user_id")]);
    }

    [Fact]
    public void Every_problem_of_one_event_is_listed_with_one_entry_per_field()
    {
        var batch = ReadArray(UserQuery("bad")
            .With("timestamp", "2025-06-01T10:00:00")
            .With("company_id", 0)
            .With("user_id", "7")
            .Without("session_id")
            .With("mode", "Agent"));

        batch.Errors.Select(error => error.Field).ShouldBe(["timestamp", "company_id", "user_id", "session_id", "mode"], ignoreOrder: true);
        batch.Errors.ShouldAllBe(error => error.Index == 0 && error.Id == "bad");
        batch.ErrorCount.ShouldBe(5);
        batch.InvalidEventCount.ShouldBe(1);
        batch.Events.ShouldBeEmpty();
    }

    [Fact]
    public void Common_field_problems_of_an_event_with_an_unknown_type_are_listed_too()
    {
        var batch = ReadArray(UserQuery("bad").With("type", "page_viewed").With("timestamp", "soon").With("user_id", -3));

        batch.Errors.Select(error => error.Field).ShouldBe(["type", "timestamp", "user_id"], ignoreOrder: true);
        batch.InvalidEventCount.ShouldBe(1);
    }

    [Fact]
    public void Every_problem_of_every_event_is_listed()
    {
        var batch = ReadArray(
            UserQuery("e-0").With("company_id", 0),
            UserQuery("e-1"),
            Feedback("e-2").With("kind", "love").Without("response_id"),
            ModelResponse("e-3"),
            ToolCall("e-4").With("status", "failed"));

        batch.Errors.Select(error => (error.Index, error.Id, error.Field)).ShouldBe(
            [(0, "e-0", "company_id"), (2, "e-2", "response_id"), (2, "e-2", "kind"), (4, "e-4", "status")],
            ignoreOrder: true);
        batch.ErrorCount.ShouldBe(4);
        batch.InvalidEventCount.ShouldBe(3);
        batch.EventCount.ShouldBe(5);
        batch.IsValid.ShouldBeFalse();
    }

    [Fact]
    public void At_most_1000_entries_are_listed_and_the_error_count_gives_the_full_count()
    {
        var events = Enumerable.Range(0, 600)
            .Select(i => UserQuery($"e-{i}").With("company_id", 0).With("user_id", 0))
            .ToArray();

        var batch = ReadArray(events);

        batch.Errors.Count.ShouldBe(EventBatch.MaxReportedErrors);
        batch.ErrorCount.ShouldBe(1200);
        batch.InvalidEventCount.ShouldBe(600);
        batch.Errors[^1].ShouldBe(new EventError(499, null, "e-499", "user_id", batch.Errors[^1].Message));
        batch.Describe().ShouldBe("600 invalid events (1200 problems, the first 1000 listed); nothing was stored");
    }

    [Fact]
    public void Exactly_1000_problems_are_all_listed()
    {
        var events = Enumerable.Range(0, 1000).Select(i => UserQuery($"e-{i}").With("company_id", 0)).ToArray();

        var batch = ReadArray(events);

        batch.Errors.Count.ShouldBe(1000);
        batch.ErrorCount.ShouldBe(1000);
        batch.Describe().ShouldBe("1000 invalid events; nothing was stored");
    }

    [Fact]
    public void Describe_counts_one_invalid_event_in_the_singular()
    {
        ReadArray(UserQuery().With("company_id", 0)).Describe().ShouldBe("1 invalid event; nothing was stored");
    }

    [Fact]
    public void Describe_counts_invalid_events_not_problems()
    {
        var batch = ReadArray(UserQuery("a").With("company_id", 0).With("user_id", 0), UserQuery("b").Without("session_id"));

        batch.Describe().ShouldBe("2 invalid events; nothing was stored");
    }

    [Fact]
    public void Describe_of_a_problem_with_the_whole_body_says_the_body_is_invalid()
    {
        Read("{}").Describe().ShouldBe("The request body is invalid; nothing was stored");
    }

    [Fact]
    public void A_valid_batch_has_no_errors()
    {
        var batch = ReadArray(UserQuery("a"), ModelResponse("b"), Feedback("c"));

        batch.IsValid.ShouldBeTrue();
        batch.Errors.ShouldBeEmpty();
        batch.ErrorCount.ShouldBe(0);
        batch.InvalidEventCount.ShouldBe(0);
        batch.EventCount.ShouldBe(3);
        batch.Events.Select(accepted => accepted.Id).ShouldBe(["a", "b", "c"]);
    }
}
