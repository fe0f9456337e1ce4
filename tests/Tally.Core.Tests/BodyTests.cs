using System.Text;
using Tally.Events;
using static Tally.Core.Tests.TestEvents;

namespace Tally.Core.Tests;

/// <summary>Problems with the body as a whole, NDJSON lines, the byte-order mark and text that is not valid Unicode.</summary>
public class BodyTests
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    [Fact]
    public void An_empty_array_is_valid_with_no_events()
    {
        var batch = Read("[]");

        batch.IsValid.ShouldBeTrue();
        batch.Events.ShouldBeEmpty();
        batch.EventCount.ShouldBe(0);
    }

    [Fact]
    public void An_empty_array_surrounded_by_whitespace_is_valid()
    {
        Read(" \r\n\t[ \n ]\n").IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("", EventBodyFormat.JsonArray)]
    [InlineData("  \r\n\t ", EventBodyFormat.JsonArray)]
    [InlineData("", EventBodyFormat.Ndjson)]
    [InlineData("\n\n\r\n", EventBodyFormat.Ndjson)]
    public void An_empty_body_is_one_problem_with_the_whole_body(string body, EventBodyFormat format)
    {
        ReadBodyError(body, format).Message.ShouldContain("empty");
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("<events/>")]
    [InlineData("[{'id': 'a'}]")]
    [InlineData("[{\"id\": \"a\",}]")]
    [InlineData("[01]")]
    [InlineData("[NaN]")]
    public void A_body_that_is_not_json_is_one_problem_with_the_whole_body(string body)
    {
        ReadBodyError(body).Message.ShouldStartWith("The body is not valid JSON");
    }

    [Theory]
    [InlineData("{\"id\": \"a\"}", "an object")]
    [InlineData("42", "a number")]
    [InlineData("\"events\"", "a string")]
    [InlineData("null", "null")]
    [InlineData("true", "a boolean")]
    public void A_body_that_is_not_an_array_is_one_problem_with_the_whole_body(string body, string described)
    {
        var error = ReadBodyError(body);

        error.Message.ShouldContain("must be a JSON array");
        error.Message.ShouldContain(described);
    }

    [Theory]
    [InlineData("[")]
    [InlineData("[{")]
    [InlineData("[{\"id\": \"a\"")]
    [InlineData("[{\"id\": \"a")]
    [InlineData("[{\"documents\": [{\"id\": 1}")]
    public void A_truncated_body_is_one_problem_that_says_it_is_not_valid_json(string body)
    {
        var error = ReadBodyError(body);

        error.Message.ShouldStartWith("The body is not valid JSON");
        error.Message.ShouldNotContain("nested too deeply");
    }

    [Fact]
    public void A_truncated_body_after_valid_events_is_still_a_problem_with_the_whole_body()
    {
        var body = ArrayBody(UserQuery("a"), UserQuery("b"));

        var batch = Read(body[..^1]);

        batch.IsValid.ShouldBeFalse();
        var error = batch.Errors.ShouldHaveSingleItem();
        error.Index.ShouldBeNull();
        error.Message.ShouldStartWith("The body is not valid JSON");
    }

    [Theory]
    [InlineData("[] x")]
    [InlineData("[][]")]
    [InlineData("[] []")]
    [InlineData("[],")]
    [InlineData("[]]")]
    [InlineData("[] {}")]
    [InlineData("[] 0")]
    public void Content_after_the_array_is_one_problem_with_the_whole_body(string body)
    {
        ReadBodyError(body);
    }

    [Fact]
    public void Content_after_an_array_of_valid_events_makes_the_body_invalid()
    {
        var batch = Read(ArrayBody(UserQuery()) + " garbage");

        batch.IsValid.ShouldBeFalse();
        batch.Errors.ShouldHaveSingleItem().Index.ShouldBeNull();
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0xFF, 0xFE, 0x13, 0x37 })]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00 })]
    [InlineData(new byte[] { 0x5B, 0xFF, 0x5D })]
    [InlineData(new byte[] { 0x5B, 0x00, 0x5D })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x5B, 0x5D })]
    public void Binary_garbage_is_one_problem_with_the_whole_body(byte[] body)
    {
        ReadBodyError(body);
        ReadBodyError(body, EventBodyFormat.Ndjson);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20250601);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var body = new byte[random.Next(1, 300)];
            random.NextBytes(body);

            Read(body).IsValid.ShouldBeFalse();
            Read(body, EventBodyFormat.Ndjson).IsValid.ShouldBeFalse();
        }
    }

    [Fact]
    public void A_body_nested_200_levels_deep_is_one_problem_with_the_whole_body()
    {
        var body = new string('[', 200) + new string(']', 200);

        ReadBodyError(body).Message.ShouldContain("nested too deeply");
    }

    [Fact]
    public void An_unknown_field_nested_200_levels_deep_is_a_problem_not_a_crash()
    {
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var body = "[" + UserQuery().ToJson()[..^1] + ",\"extra\":" + nested + "}]";

        var batch = Read(body);

        batch.IsValid.ShouldBeFalse();
        batch.Errors.ShouldHaveSingleItem().Message.ShouldContain("nested too deeply");
    }

    [Fact]
    public void An_ndjson_line_nested_200_levels_deep_is_a_problem_of_that_line()
    {
        var body = UserQuery("a").ToJson() + "\n" + new string('[', 200) + new string(']', 200);

        var error = Read(body, EventBodyFormat.Ndjson).Errors.ShouldHaveSingleItem();

        error.Index.ShouldBeNull();
        error.Line.ShouldBe(2);
    }

    [Fact]
    public void An_array_element_that_is_not_an_object_is_a_problem_of_that_element()
    {
        var body = "[" + UserQuery("a").ToJson() + ", 5, \"b\", null, [], true, " + UserQuery("c").ToJson() + "]";

        var batch = Read(body);

        batch.Errors.Select(error => (error.Index, error.Id, error.Field)).ShouldBe(
            [(1, null, null), (2, null, null), (3, null, null), (4, null, null), (5, null, null)]);
        batch.Errors[0].Message.ShouldContain("must be a JSON object");
        batch.InvalidEventCount.ShouldBe(5);
        batch.EventCount.ShouldBe(7);
        batch.IsValid.ShouldBeFalse();
    }

    // NDJSON

    [Fact]
    public void Ndjson_events_are_read_one_per_line()
    {
        var batch = ReadNdjson(UserQuery("a"), ModelResponse("b"), Feedback("c"));

        batch.IsValid.ShouldBeTrue();
        batch.Events.Select(accepted => accepted.Id).ShouldBe(["a", "b", "c"]);
        batch.EventCount.ShouldBe(3);
    }

    [Fact]
    public void Ndjson_blank_lines_are_skipped_and_the_index_counts_non_blank_lines_while_the_line_is_1_based()
    {
        var body = "\n"
            + UserQuery("a").ToJson() + "\n"
            + "   \n"
            + "\t\n"
            + UserQuery("b").With("company_id", 0).ToJson() + "\n"
            + "\n";

        var batch = Read(body, EventBodyFormat.Ndjson);

        batch.Errors.ShouldHaveSingleItem().ShouldBe(new EventError(1, 5, "b", "company_id", batch.Errors[0].Message));
        batch.EventCount.ShouldBe(2);
        batch.Events.ShouldHaveSingleItem().Id.ShouldBe("a");
    }

    [Fact]
    public void Ndjson_with_crlf_line_endings_is_read()
    {
        var body = UserQuery("a").ToJson() + "\r\n" + "\r\n" + UserQuery("b").With("user_id", 0).ToJson() + "\r\n";

        var batch = Read(body, EventBodyFormat.Ndjson);

        batch.Events.ShouldHaveSingleItem().Id.ShouldBe("a");
        batch.Errors.ShouldHaveSingleItem().ShouldBe(new EventError(1, 3, "b", "user_id", batch.Errors[0].Message));
    }

    [Fact]
    public void Ndjson_without_a_final_newline_reads_the_last_line()
    {
        Read(UserQuery("a").ToJson() + "\n" + UserQuery("b").ToJson(), EventBodyFormat.Ndjson).Events.Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("42")]
    [InlineData("\"event\"")]
    [InlineData("null")]
    public void An_ndjson_line_that_is_not_an_object_has_a_null_index_and_its_line(string line)
    {
        var body = UserQuery("a").ToJson() + "\n\n" + line + "\n" + UserQuery("c").ToJson();

        var batch = Read(body, EventBodyFormat.Ndjson);

        var error = batch.Errors.ShouldHaveSingleItem();
        error.Index.ShouldBeNull();
        error.Line.ShouldBe(3);
        error.Id.ShouldBeNull();
        error.Field.ShouldBeNull();
        error.Message.ShouldContain("Line 3");
        batch.InvalidEventCount.ShouldBe(1);
        batch.IsValid.ShouldBeFalse();
    }

    [Fact]
    public void A_line_after_a_line_that_is_not_an_object_keeps_counting_non_blank_lines()
    {
        var body = "[]\n" + UserQuery("b").With("company_id", 0).ToJson();

        var errors = Read(body, EventBodyFormat.Ndjson).Errors;

        errors.Select(error => (error.Index, error.Line)).ShouldBe([(null, 1), (1, 2)]);
    }

    [Theory]
    [InlineData("{\"id\": \"a\"")]
    [InlineData("not json")]
    [InlineData("{\"id\": \"a\"} {\"id\": \"b\"}")]
    [InlineData("{\"id\": \"a\"},")]
    public void An_ndjson_line_that_is_not_one_json_object_has_a_null_index_and_its_line(string line)
    {
        var body = UserQuery("a").ToJson() + "\n" + line + "\n" + UserQuery("c").ToJson();

        var batch = Read(body, EventBodyFormat.Ndjson);

        var error = batch.Errors.ShouldHaveSingleItem();
        error.Index.ShouldBeNull();
        error.Line.ShouldBe(2);
        error.Message.ShouldStartWith("Line 2");
        error.Message.ShouldNotContain("nested too deeply");
    }

    [Fact]
    public void A_json_array_sent_as_ndjson_on_several_lines_is_refused()
    {
        var body = "[\n" + UserQuery("a").ToJson() + "\n]";

        var batch = Read(body, EventBodyFormat.Ndjson);

        batch.IsValid.ShouldBeFalse();
        batch.Errors.ShouldAllBe(error => error.Index == null);
    }

    [Fact]
    public void An_ndjson_line_with_trailing_whitespace_is_read()
    {
        Read(UserQuery("a").ToJson() + " \t\r\n", EventBodyFormat.Ndjson).IsValid.ShouldBeTrue();
    }

    // Byte-order mark

    [Fact]
    public void A_utf8_byte_order_mark_is_tolerated_before_a_json_array()
    {
        var body = ByteOrderMark.Concat(Encoding.UTF8.GetBytes(ArrayBody(UserQuery("a")))).ToArray();

        Read(body).Events.ShouldHaveSingleItem().Id.ShouldBe("a");
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_tolerated_before_ndjson()
    {
        var body = ByteOrderMark.Concat(Encoding.UTF8.GetBytes(NdjsonBody(UserQuery("a"), UserQuery("b")))).ToArray();

        Read(body, EventBodyFormat.Ndjson).Events.Count.ShouldBe(2);
    }

    [Fact]
    public void A_body_of_only_a_byte_order_mark_is_empty()
    {
        ReadBodyError(ByteOrderMark).Message.ShouldContain("empty");
    }

    // Text that is not valid Unicode

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    public void Invalid_utf8_inside_a_string_is_a_problem_of_that_field(byte[] invalid)
    {
        var body = WithBytes(ArrayBody(UserQuery("a").With("session_id", "s-@")), invalid);

        var batch = Read(body);

        var error = batch.Errors.ShouldHaveSingleItem();
        error.ShouldBe(new EventError(0, null, "a", "session_id", error.Message));
        error.Message.ShouldContain("valid Unicode");
    }

    [Fact]
    public void Invalid_utf8_inside_an_id_gives_an_error_with_a_null_id()
    {
        var body = WithBytes(ArrayBody(UserQuery("a-@")), [0xFE]);

        var error = Read(body).Errors.ShouldHaveSingleItem();

        error.Field.ShouldBe("id");
        error.Id.ShouldBeNull();
    }

    [Fact]
    public void Invalid_utf8_inside_an_ndjson_string_is_a_problem_of_that_field_and_line()
    {
        var body = WithBytes(NdjsonBody(UserQuery("a"), MemberJoined("b").With("user_name", "Ann @")), [0xC3, 0x28]);

        var error = Read(body, EventBodyFormat.Ndjson).Errors.ShouldHaveSingleItem();

        error.ShouldBe(new EventError(1, 2, "b", "user_name", error.Message));
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udfff")]
    [InlineData("a\\ud800b")]
    [InlineData("\\ude00\\ud83d")]
    public void A_lone_surrogate_escape_is_a_problem_of_that_field(string escaped)
    {
        var body = ArrayBody(MemberJoined("a").With("user_name", "@")).Replace("\"@\"", "\"" + escaped + "\"", StringComparison.Ordinal);

        var error = Read(body).Errors.ShouldHaveSingleItem();

        error.ShouldBe(new EventError(0, null, "a", "user_name", error.Message));
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_document_title_is_a_problem_of_that_path()
    {
        var body = ArrayBody(ModelResponse("a").With("documents", new System.Text.Json.Nodes.JsonArray(Document(1, "a.pdf", "@"))))
            .Replace("\"@\"", "\"\\ud800\"", StringComparison.Ordinal);

        Read(body).Errors.ShouldHaveSingleItem().Field.ShouldBe("documents[0].title");
    }

    [Fact]
    public void A_paired_surrogate_escape_is_one_code_point()
    {
        var body = ArrayBody(MemberJoined("a").With("user_name", "@")).Replace("\"@\"", "\"\\ud83d\\ude00\"", StringComparison.Ordinal);

        Read(body).Events.ShouldHaveSingleItem().UserName.ShouldBe("😀");
    }

    [Theory]
    [InlineData("\"\\ud800\": 1")]
    [InlineData("\"colour\\udfff\": {\"a\": [1]}")]
    [InlineData("\"\\ud83d\\ud83d\": \"\\ud800\"")]
    public void An_unknown_field_whose_name_has_a_lone_surrogate_escape_is_ignored_not_a_crash(string field)
    {
        var body = "[" + UserQuery("a").ToJson()[..^1] + "," + field + "}]";

        Read(body).Events.ShouldHaveSingleItem().Id.ShouldBe("a");
    }

    [Fact]
    public void A_field_name_with_a_lone_surrogate_escape_is_not_the_field_it_starts_like()
    {
        var body = "[" + UserQuery("a").Without("session_id").ToJson()[..^1] + ",\"session_id\\ud800\": \"s-1\"}]";

        Read(body).Errors.ShouldHaveSingleItem().Field.ShouldBe("session_id");
    }

    [Fact]
    public void A_document_field_whose_name_has_a_lone_surrogate_escape_is_ignored_not_a_crash()
    {
        var body = ArrayBody(ModelResponse("a").With("documents", new System.Text.Json.Nodes.JsonArray(Document(1, "a.pdf").With("@", 1))))
            .Replace("\"@\"", "\"\\ud800\"", StringComparison.Ordinal);

        Read(body).Events.ShouldHaveSingleItem().Documents.ShouldHaveSingleItem().Id.ShouldBe(1);
    }

    [Theory]
    [InlineData(EventBodyFormat.JsonArray)]
    [InlineData(EventBodyFormat.Ndjson)]
    public void A_valid_body_with_random_bytes_overwritten_never_throws(EventBodyFormat format)
    {
        var documents = new System.Text.Json.Nodes.JsonArray(Document(1, "a.pdf", "Ä title"), Document(2, "b.pdf"));
        var events = new[] { ModelResponse("a").With("documents", documents), Feedback("b"), MemberJoined("c").With("user_name", "Zoë 😀") };
        var valid = Encoding.UTF8.GetBytes(format == EventBodyFormat.Ndjson ? NdjsonBody(events) : ArrayBody(events));
        byte[] replacements = [.. "\\\"{}[],:0.e-u\n"u8, 0x00, 0x80, 0xC3, 0xED, 0xFF];
        var random = new Random(20250601);
        for (var attempt = 0; attempt < 2000; attempt++)
        {
            var body = (byte[])valid.Clone();
            for (var change = random.Next(1, 4); change > 0; change--)
            {
                body[random.Next(body.Length)] = replacements[random.Next(replacements.Length)];
            }

            Should.NotThrow(() => Read(body, format));
        }
    }

    /// <summary>The UTF-8 bytes of <paramref name="json"/> with its one '@' replaced by <paramref name="bytes"/>.</summary>
    private static byte[] WithBytes(string json, byte[] bytes)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var at = Array.IndexOf(utf8, (byte)'@');
        at.ShouldBeGreaterThanOrEqualTo(0);
        return [.. utf8[..at], .. bytes, .. utf8[(at + 1)..]];
    }
}
