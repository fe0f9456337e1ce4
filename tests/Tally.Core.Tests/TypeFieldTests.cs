using System.Text.Json.Nodes;
using Tally.Events;
using static Tally.Core.Tests.TestEvents;

namespace Tally.Core.Tests;

/// <summary>The extra fields of each event type (spec/events.md, "Types").</summary>
public class TypeFieldTests
{
    public static TheoryData<string> SessionTypeNames => [.. SessionTypes];

    // session_id and mode: session_started, user_query, model_response, tool_call

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_keeps_its_session_id(string type)
    {
        ReadValid(OfType(type).With("session_id", "session-9")).SessionId.ShouldBe("session-9");
    }

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_without_a_session_id_is_rejected(string type)
    {
        var error = ReadSingleError(OfType(type).Without("session_id"));

        error.Field.ShouldBe("session_id");
        error.Message.ShouldContain("required");
    }

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_with_a_null_session_id_is_rejected(string type)
    {
        ReadSingleError(OfType(type).With("session_id", null)).Field.ShouldBe("session_id");
    }

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_with_an_empty_session_id_is_rejected(string type)
    {
        var error = ReadSingleError(OfType(type).With("session_id", ""));

        error.Field.ShouldBe("session_id");
        error.Message.ShouldContain("empty");
    }

    [Theory]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    [InlineData("\u0080")]
    public void A_session_id_with_a_control_character_is_rejected(string sessionId)
    {
        ReadSingleError(UserQuery().With("session_id", sessionId)).Field.ShouldBe("session_id");
    }

    [Fact]
    public void A_session_id_that_is_a_number_is_rejected()
    {
        ReadSingleError(UserQuery().With("session_id", 5)).Field.ShouldBe("session_id");
    }

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_without_a_mode_is_in_chat_mode(string type)
    {
        ReadValid(OfType(type)).Mode.ShouldBe(ChatMode.Chat);
    }

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_with_a_null_mode_is_in_chat_mode(string type)
    {
        ReadValid(OfType(type).With("mode", null)).Mode.ShouldBe(ChatMode.Chat);
    }

    [Theory]
    [MemberData(nameof(SessionTypeNames))]
    public void A_session_event_keeps_its_own_agent_mode(string type)
    {
        ReadValid(OfType(type).With("mode", "agent")).Mode.ShouldBe(ChatMode.Agent);
    }

    [Fact]
    public void A_session_event_with_an_explicit_chat_mode_is_in_chat_mode()
    {
        ReadValid(UserQuery().With("mode", "chat")).Mode.ShouldBe(ChatMode.Chat);
    }

    [Theory]
    [InlineData("\"Chat\"")]
    [InlineData("\"AGENT\"")]
    [InlineData("\"Agent\"")]
    [InlineData("\" chat\"")]
    [InlineData("\"agents\"")]
    [InlineData("\"\"")]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("[\"chat\"]")]
    public void A_mode_other_than_exactly_chat_or_agent_is_rejected(string mode)
    {
        ReadSingleError(UserQuery().WithRaw("mode", mode)).Field.ShouldBe("mode");
    }

    // model_response

    [Fact]
    public void A_model_response_keeps_its_response_id_and_model()
    {
        var accepted = ReadValid(ModelResponse().With("response_id", "response-9").With("model", "gpt-x"));

        accepted.ResponseId.ShouldBe("response-9");
        accepted.Model.ShouldBe("gpt-x");
    }

    [Theory]
    [InlineData("response_id")]
    [InlineData("model")]
    public void A_model_response_without_a_required_field_is_rejected(string field)
    {
        ReadSingleError(ModelResponse().Without(field)).Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("response_id")]
    [InlineData("model")]
    public void A_model_response_with_an_empty_required_field_is_rejected(string field)
    {
        ReadSingleError(ModelResponse().With(field, "")).Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("response_id")]
    [InlineData("model")]
    public void A_model_response_identifier_with_a_control_character_is_rejected(string field)
    {
        ReadSingleError(ModelResponse().With(field, "line\nbreak")).Field.ShouldBe(field);
    }

    [Fact]
    public void A_model_response_without_documents_has_no_documents()
    {
        ReadValid(ModelResponse()).Documents.ShouldBeEmpty();
    }

    [Fact]
    public void A_model_response_with_null_documents_has_no_documents()
    {
        ReadValid(ModelResponse().With("documents", null)).Documents.ShouldBeEmpty();
    }

    [Fact]
    public void A_model_response_with_an_empty_document_list_has_no_documents()
    {
        ReadValid(ModelResponse().With("documents", new JsonArray())).Documents.ShouldBeEmpty();
    }

    [Fact]
    public void A_model_response_keeps_its_documents_in_order_with_titles_null_when_absent()
    {
        var withoutTitle = new JsonObject { ["id"] = 3, ["filename"] = "notes.txt" };
        var documents = new JsonArray(
            Document(12, "policy.pdf", "Travel policy"),
            Document(7, "slides.pptx", null),
            withoutTitle);

        var accepted = ReadValid(ModelResponse().With("documents", documents));

        accepted.Documents.ShouldBe(
        [
            new EventDocument(12, "policy.pdf", "Travel policy"),
            new EventDocument(7, "slides.pptx", null),
            new EventDocument(3, "notes.txt", null),
        ]);
    }

    [Fact]
    public void A_document_with_unknown_fields_is_accepted()
    {
        var document = Document(1, "a.pdf").With("pages", 12).With("score", JsonNode.Parse("{\"x\":[1,2]}"));

        ReadValid(ModelResponse().With("documents", new JsonArray(document))).Documents.ShouldHaveSingleItem().Id.ShouldBe(1);
    }

    [Fact]
    public void A_model_response_with_100_documents_is_accepted()
    {
        ReadValid(ModelResponse().With("documents", Documents(100))).Documents.Count.ShouldBe(100);
    }

    [Fact]
    public void A_model_response_with_101_documents_is_rejected()
    {
        var error = ReadSingleError(ModelResponse().With("documents", Documents(101)));

        error.Field.ShouldBe("documents");
        error.Message.ShouldContain("100");
    }

    [Theory]
    [InlineData("\"policy.pdf\"")]
    [InlineData("{\"id\":1,\"filename\":\"a.pdf\"}")]
    [InlineData("12")]
    [InlineData("true")]
    public void Documents_that_are_not_an_array_are_rejected(string documents)
    {
        ReadSingleError(ModelResponse().WithRaw("documents", documents)).Field.ShouldBe("documents");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("1e2")]
    [InlineData("\"12\"")]
    [InlineData("null")]
    [InlineData("99999999999999999999")]
    public void A_document_id_that_is_not_an_integer_of_at_least_1_is_rejected_with_its_path(string id)
    {
        var documents = Documents(4);
        documents[2]!["id"] = JsonNode.Parse(id);

        ReadSingleError(ModelResponse().With("documents", documents)).Field.ShouldBe("documents[2].id");
    }

    [Fact]
    public void A_document_without_an_id_is_rejected_with_its_path()
    {
        var documents = Documents(2);
        documents[1]!.AsObject().Remove("id");

        ReadSingleError(ModelResponse().With("documents", documents)).Field.ShouldBe("documents[1].id");
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("5")]
    public void A_document_without_a_non_empty_filename_is_rejected_with_its_path(string filename)
    {
        var documents = Documents(1);
        if (filename == "missing")
        {
            documents[0]!.AsObject().Remove("filename");
        }
        else
        {
            documents[0]!["filename"] = JsonNode.Parse(filename);
        }

        ReadSingleError(ModelResponse().With("documents", documents)).Field.ShouldBe("documents[0].filename");
    }

    [Fact]
    public void A_document_title_that_is_not_a_string_is_rejected_with_its_path()
    {
        var documents = Documents(2);
        documents[1]!["title"] = 5;

        ReadSingleError(ModelResponse().With("documents", documents)).Field.ShouldBe("documents[1].title");
    }

    [Fact]
    public void A_document_that_is_not_an_object_is_rejected_with_its_path()
    {
        var documents = new JsonArray(Document(1, "a.pdf"), "b.pdf");

        ReadSingleError(ModelResponse().With("documents", documents)).Field.ShouldBe("documents[1]");
    }

    [Fact]
    public void Every_problem_of_every_document_is_listed()
    {
        var documents = new JsonArray(Document(0, ""), Document(2, "ok.pdf"), new JsonObject { ["title"] = 1 });

        var batch = ReadArray(ModelResponse().With("documents", documents));

        batch.Errors.Select(error => error.Field).ShouldBe(
            ["documents[0].id", "documents[0].filename", "documents[2].id", "documents[2].filename", "documents[2].title"],
            ignoreOrder: true);
        batch.InvalidEventCount.ShouldBe(1);
    }

    [Theory]
    [InlineData("latency_ms")]
    [InlineData("input_tokens")]
    [InlineData("output_tokens")]
    public void A_model_response_measure_is_absent_unless_given(string field)
    {
        Measure(ReadValid(ModelResponse()), field).ShouldBeNull();
        Measure(ReadValid(ModelResponse().With(field, null)), field).ShouldBeNull();
    }

    [Theory]
    [InlineData("latency_ms", 0)]
    [InlineData("latency_ms", 1234)]
    [InlineData("input_tokens", 0)]
    [InlineData("input_tokens", 1000000000)]
    [InlineData("output_tokens", 0)]
    [InlineData("output_tokens", 812)]
    public void A_model_response_keeps_a_non_negative_measure(string field, long value)
    {
        Measure(ReadValid(ModelResponse().With(field, value)), field).ShouldBe(value);
    }

    [Theory]
    [InlineData("latency_ms", "-1")]
    [InlineData("latency_ms", "1.5")]
    [InlineData("latency_ms", "\"12\"")]
    [InlineData("input_tokens", "-5")]
    [InlineData("input_tokens", "2e3")]
    [InlineData("input_tokens", "99999999999999999999")]
    [InlineData("input_tokens", "1000000001")]
    [InlineData("output_tokens", "9223372036854775807")]
    [InlineData("output_tokens", "-1")]
    [InlineData("output_tokens", "10.0")]
    [InlineData("output_tokens", "false")]
    public void A_model_response_measure_that_is_not_a_non_negative_integer_is_rejected(string field, string value)
    {
        ReadSingleError(ModelResponse().WithRaw(field, value)).Field.ShouldBe(field);
    }

    // tool_call

    [Fact]
    public void A_tool_call_keeps_its_tool_name()
    {
        ReadValid(ToolCall().With("tool_name", "web_search")).ToolName.ShouldBe("web_search");
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("\"tab\\ttool\"")]
    [InlineData("3")]
    public void A_tool_call_without_a_usable_tool_name_is_rejected(string toolName)
    {
        var jsonEvent = toolName == "missing" ? ToolCall().Without("tool_name") : ToolCall().WithRaw("tool_name", toolName);

        ReadSingleError(jsonEvent).Field.ShouldBe("tool_name");
    }

    [Fact]
    public void A_tool_call_without_tool_type_status_response_id_or_duration_has_their_defaults()
    {
        var accepted = ReadValid(ToolCall());

        accepted.ToolType.ShouldBe(ToolType.Native);
        accepted.ToolStatus.ShouldBe(ToolStatus.Ok);
        accepted.ResponseId.ShouldBeNull();
        accepted.DurationMs.ShouldBeNull();
    }

    [Theory]
    [InlineData("native", ToolType.Native)]
    [InlineData("mcp", ToolType.Mcp)]
    public void A_tool_call_keeps_its_tool_type(string toolType, ToolType expected)
    {
        ReadValid(ToolCall().With("tool_type", toolType)).ToolType.ShouldBe(expected);
    }

    [Theory]
    [InlineData("ok", ToolStatus.Ok)]
    [InlineData("error", ToolStatus.Error)]
    public void A_tool_call_keeps_its_status(string status, ToolStatus expected)
    {
        ReadValid(ToolCall().With("status", status)).ToolStatus.ShouldBe(expected);
    }

    [Theory]
    [InlineData("tool_type", "\"MCP\"")]
    [InlineData("tool_type", "\"Native\"")]
    [InlineData("tool_type", "\"plugin\"")]
    [InlineData("tool_type", "1")]
    [InlineData("status", "\"OK\"")]
    [InlineData("status", "\"failed\"")]
    [InlineData("status", "\"\"")]
    [InlineData("status", "false")]
    public void A_tool_call_enumerated_value_not_spelled_exactly_is_rejected(string field, string value)
    {
        ReadSingleError(ToolCall().WithRaw(field, value)).Field.ShouldBe(field);
    }

    [Fact]
    public void A_tool_call_keeps_its_optional_response_id_and_duration()
    {
        var accepted = ReadValid(ToolCall().With("response_id", "response-3").With("duration_ms", 0));

        accepted.ResponseId.ShouldBe("response-3");
        accepted.DurationMs.ShouldBe(0);
    }

    [Fact]
    public void A_tool_call_response_id_with_a_control_character_is_rejected()
    {
        ReadSingleError(ToolCall().With("response_id", "r\u0000")).Field.ShouldBe("response_id");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2.5")]
    [InlineData("\"100\"")]
    public void A_tool_call_duration_that_is_not_a_non_negative_integer_is_rejected(string duration)
    {
        ReadSingleError(ToolCall().WithRaw("duration_ms", duration)).Field.ShouldBe("duration_ms");
    }

    // feedback

    [Theory]
    [InlineData("like", FeedbackKind.Like)]
    [InlineData("dislike", FeedbackKind.Dislike)]
    [InlineData("none", FeedbackKind.None)]
    [InlineData("copy", FeedbackKind.Copy)]
    [InlineData("flag", FeedbackKind.Flag)]
    public void Feedback_keeps_its_kind(string kind, FeedbackKind expected)
    {
        var accepted = ReadValid(Feedback().With("kind", kind));

        accepted.FeedbackKind.ShouldBe(expected);
        accepted.ResponseId.ShouldBe("response-1");
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("null")]
    [InlineData("\"Like\"")]
    [InlineData("\"LIKE\"")]
    [InlineData("\"love\"")]
    [InlineData("\"\"")]
    [InlineData("1")]
    public void Feedback_without_an_exact_kind_is_rejected(string kind)
    {
        var jsonEvent = kind == "missing" ? Feedback().Without("kind") : Feedback().WithRaw("kind", kind);

        ReadSingleError(jsonEvent).Field.ShouldBe("kind");
    }

    [Fact]
    public void Feedback_with_an_unknown_kind_lists_the_allowed_kinds()
    {
        var message = ReadSingleError(Feedback().With("kind", "love")).Message;

        foreach (var kind in new[] { "'like'", "'dislike'", "'none'", "'copy'", "'flag'", "'love'" })
        {
            message.ShouldContain(kind);
        }
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("null")]
    [InlineData("\"\"")]
    public void Feedback_without_a_response_id_is_rejected(string responseId)
    {
        var jsonEvent = responseId == "missing" ? Feedback().Without("response_id") : Feedback().WithRaw("response_id", responseId);

        ReadSingleError(jsonEvent).Field.ShouldBe("response_id");
    }

    // member_joined, member_left

    [Fact]
    public void A_member_joined_event_keeps_its_user_name_and_email()
    {
        var accepted = ReadValid(MemberJoined().With("user_name", "Zoë Müller").With("email", "zoe@example.com"));

        accepted.UserName.ShouldBe("Zoë Müller");
        accepted.Email.ShouldBe("zoe@example.com");
    }

    [Fact]
    public void A_member_joined_event_without_user_name_or_email_has_neither()
    {
        var accepted = ReadValid(MemberJoined());

        accepted.UserName.ShouldBeNull();
        accepted.Email.ShouldBeNull();
    }

    [Theory]
    [InlineData("user_name")]
    [InlineData("email")]
    public void A_member_joined_field_that_is_not_a_string_is_rejected(string field)
    {
        ReadSingleError(MemberJoined().With(field, 5)).Field.ShouldBe(field);
    }

    [Fact]
    public void A_member_left_event_needs_only_the_common_fields()
    {
        ReadValid(MemberLeft()).Type.ShouldBe(EventType.MemberLeft);
    }

    // connection

    [Fact]
    public void A_connection_keeps_its_ip_user_agent_and_auth_method()
    {
        var accepted = ReadValid(Connection()
            .With("ip", "2001:db8::1")
            .With("user_agent", "Mozilla/5.0 (X11; Linux x86_64)")
            .With("auth_method", "saml"));

        accepted.Ip.ShouldBe("2001:db8::1");
        accepted.UserAgent.ShouldBe("Mozilla/5.0 (X11; Linux x86_64)");
        accepted.AuthMethod.ShouldBe("saml");
    }

    [Fact]
    public void A_connection_without_ip_user_agent_or_auth_method_has_none()
    {
        var accepted = ReadValid(Connection());

        accepted.Ip.ShouldBeNull();
        accepted.UserAgent.ShouldBeNull();
        accepted.AuthMethod.ShouldBeNull();
    }

    [Theory]
    [InlineData("ip")]
    [InlineData("user_agent")]
    [InlineData("auth_method")]
    public void A_connection_field_that_is_not_a_string_is_rejected(string field)
    {
        ReadSingleError(Connection().With(field, new JsonArray(1))).Field.ShouldBe(field);
    }

    private static JsonArray Documents(int count) =>
        new([.. Enumerable.Range(1, count).Select(id => (JsonNode)Document(id, $"document-{id}.pdf", $"Document {id}"))]);

    private static long? Measure(PlatformEvent accepted, string field) => field switch
    {
        "latency_ms" => accepted.LatencyMs,
        "input_tokens" => accepted.InputTokens,
        "output_tokens" => accepted.OutputTokens,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}
