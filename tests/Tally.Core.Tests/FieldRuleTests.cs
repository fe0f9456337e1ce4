using System.Text.Json.Nodes;
using Tally.Events;
using static Tally.Core.Tests.TestEvents;

namespace Tally.Core.Tests;

/// <summary>The rules that apply to every field: lengths in code points, null as absent, other types' and unknown fields ignored.</summary>
public class FieldRuleTests
{
    public static TheoryData<string, string> StringFields => new()
    {
        { "session_started", "session_id" },
        { "user_query", "session_id" },
        { "model_response", "response_id" },
        { "model_response", "model" },
        { "tool_call", "tool_name" },
        { "tool_call", "response_id" },
        { "feedback", "response_id" },
        { "member_joined", "user_name" },
        { "member_joined", "email" },
        { "connection", "ip" },
        { "connection", "user_agent" },
        { "connection", "auth_method" },
    };

    [Theory]
    [MemberData(nameof(StringFields))]
    public void A_string_of_1024_code_points_is_accepted(string type, string field)
    {
        var text = new string('x', 1024);

        ReadValid(OfType(type).With(field, text)).ShouldNotBeNull();
    }

    [Theory]
    [MemberData(nameof(StringFields))]
    public void A_string_of_1025_code_points_is_rejected(string type, string field)
    {
        var error = ReadSingleError(OfType(type).With(field, new string('x', 1025)));

        error.Field.ShouldBe(field);
        error.Message.ShouldContain("1024");
    }

    [Theory]
    [MemberData(nameof(StringFields))]
    public void A_string_of_1024_astral_code_points_is_accepted_because_length_counts_code_points_not_utf16_units(string type, string field)
    {
        // 1,024 code points, 2,048 UTF-16 units, 4,096 UTF-8 bytes.
        var text = Repeat("𝄞", 1000) + Repeat("😀", 24);
        text.Length.ShouldBe(2048);

        ReadValid(OfType(type).With(field, text)).ShouldNotBeNull();
    }

    [Fact]
    public void A_string_of_1024_astral_code_points_is_kept_whole()
    {
        var text = Repeat("😀", 1024);

        ReadValid(UserQuery().With("session_id", text)).SessionId.ShouldBe(text);
    }

    [Fact]
    public void A_string_of_1025_astral_code_points_is_rejected()
    {
        ReadSingleError(UserQuery().With("session_id", Repeat("😀", 1025))).Field.ShouldBe("session_id");
    }

    [Fact]
    public void A_document_filename_and_title_of_1024_code_points_are_accepted()
    {
        var documents = new JsonArray(Document(1, Repeat("😀", 1024), new string('t', 1024)));

        ReadValid(ModelResponse().With("documents", documents)).Documents.ShouldHaveSingleItem().Filename.ShouldBe(Repeat("😀", 1024));
    }

    [Theory]
    [InlineData("filename")]
    [InlineData("title")]
    public void A_document_filename_or_title_of_1025_code_points_is_rejected(string field)
    {
        var document = Document(1, "a.pdf", "A").With(field, new string('x', 1025));

        ReadSingleError(ModelResponse().With("documents", new JsonArray(document))).Field.ShouldBe($"documents[0].{field}");
    }

    [Theory]
    [InlineData("user_name")]
    [InlineData("email")]
    public void Control_characters_are_allowed_in_fields_that_are_not_identifiers(string field)
    {
        ReadValid(MemberJoined().With(field, "first\tsecond\nthird")).ShouldNotBeNull();
    }

    [Fact]
    public void An_optional_string_may_be_empty()
    {
        ReadValid(Connection().With("auth_method", "")).AuthMethod.ShouldBe("");
    }

    public static TheoryData<string, string> OptionalFields => new()
    {
        { "member_joined", "user_name" },
        { "member_joined", "email" },
        { "connection", "ip" },
        { "connection", "user_agent" },
        { "connection", "auth_method" },
        { "session_started", "mode" },
        { "user_query", "mode" },
        { "model_response", "mode" },
        { "model_response", "documents" },
        { "model_response", "latency_ms" },
        { "model_response", "input_tokens" },
        { "model_response", "output_tokens" },
        { "tool_call", "mode" },
        { "tool_call", "tool_type" },
        { "tool_call", "status" },
        { "tool_call", "response_id" },
        { "tool_call", "duration_ms" },
    };

    [Theory]
    [MemberData(nameof(OptionalFields))]
    public void Null_for_an_optional_field_means_absent(string type, string field)
    {
        var withNull = ReadValid(OfType(type).With(field, null));
        var without = ReadValid(OfType(type).Without(field));

        Json.Of(withNull).ShouldBe(Json.Of(without));
    }

    public static TheoryData<string, string, string> FieldsOfOtherTypes => new()
    {
        { "member_left", "session_id", "5" },
        { "member_left", "mode", "\"Agent\"" },
        { "member_left", "user_name", "[1]" },
        { "member_left", "kind", "\"love\"" },
        { "member_joined", "ip", "false" },
        { "member_joined", "session_id", "\"\"" },
        { "connection", "user_name", "5" },
        { "connection", "documents", "\"none\"" },
        { "session_started", "response_id", "7" },
        { "session_started", "model", "null" },
        { "user_query", "documents", "[0, 1]" },
        { "user_query", "latency_ms", "-1" },
        { "user_query", "tool_type", "\"plugin\"" },
        { "model_response", "tool_name", "\"a\\u0000b\"" },
        { "model_response", "status", "\"failed\"" },
        { "model_response", "duration_ms", "1.5" },
        { "model_response", "kind", "3" },
        { "tool_call", "model", "{}" },
        { "tool_call", "documents", "[{\"id\": 0}]" },
        { "tool_call", "input_tokens", "\"lots\"" },
        { "feedback", "session_id", "1" },
        { "feedback", "mode", "\"AGENT\"" },
        { "feedback", "email", "{}" },
        { "feedback", "auth_method", "1e3" },
    };

    [Theory]
    [MemberData(nameof(FieldsOfOtherTypes))]
    public void A_field_of_another_type_is_ignored_even_if_its_value_is_wrong(string type, string field, string wrongValue)
    {
        var accepted = ReadValid(OfType(type).WithRaw(field, wrongValue));

        Json.Of(accepted).ShouldBe(Json.Of(ReadValid(OfType(type))));
    }

    [Fact]
    public void A_field_of_another_type_is_not_kept_even_if_its_value_is_right()
    {
        var accepted = ReadValid(MemberLeft()
            .With("session_id", "session-1")
            .With("mode", "agent")
            .With("user_name", "Ann")
            .With("documents", new JsonArray(Document(1, "a.pdf"))));

        accepted.SessionId.ShouldBeNull();
        accepted.Mode.ShouldBe(ChatMode.Chat);
        accepted.UserName.ShouldBeNull();
        accepted.Documents.ShouldBeEmpty();
    }

    [Fact]
    public void Unknown_fields_are_ignored_whatever_their_value()
    {
        var accepted = ReadValid(UserQuery()
            .With("colour", "blue")
            .With("ID", null)
            .With("Type", "nonsense")
            .WithRaw("nested", "{\"a\": [1, 2, {\"b\": null}], \"c\": {\"d\": 1e400}}")
            .WithRaw("list", "[[], [[]], \"x\", -0.5]"));

        Json.Of(accepted).ShouldBe(Json.Of(ReadValid(UserQuery())));
    }

    [Fact]
    public void A_field_name_is_matched_exactly()
    {
        var error = ReadSingleError(UserQuery().Without("session_id").With("Session_Id", "session-1"));

        error.Field.ShouldBe("session_id");
    }
}
