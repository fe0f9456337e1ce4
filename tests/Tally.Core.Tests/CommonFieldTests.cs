using System.Globalization;
using Tally.Events;
using static Tally.Core.Tests.TestEvents;

namespace Tally.Core.Tests;

/// <summary>The fields every event carries: id, type, timestamp, company_id and user_id (spec/events.md, "Common fields").</summary>
public class CommonFieldTests
{
    public static TheoryData<string> AllTypeNames => [.. AllTypes];

    [Theory]
    [MemberData(nameof(AllTypeNames))]
    public void An_event_of_each_type_with_its_required_fields_is_accepted(string type)
    {
        var accepted = ReadValid(OfType(type));

        WireNames.Of(accepted.Type).ShouldBe(type);
        accepted.Id.ShouldBe("event-1");
        accepted.CompanyId.ShouldBe(42);
        accepted.UserId.ShouldBe(7);
        accepted.Timestamp.ShouldBe(new DateTime(2025, 6, 1, 10, 0, 0, DateTimeKind.Utc));
    }

    // id

    [Theory]
    [InlineData(1)]
    [InlineData(128)]
    public void An_id_of_1_to_128_code_points_is_accepted(int length)
    {
        var id = new string('a', length);

        ReadValid(UserQuery().With("id", id)).Id.ShouldBe(id);
    }

    [Fact]
    public void An_id_of_128_astral_code_points_is_accepted_although_it_has_256_utf16_units()
    {
        var id = Repeat("😀", 128);

        ReadValid(UserQuery().With("id", id)).Id.ShouldBe(id);
    }

    [Fact]
    public void An_id_of_129_code_points_is_rejected()
    {
        var error = ReadSingleError(UserQuery().With("id", new string('a', 129)));

        error.Field.ShouldBe("id");
        error.Message.ShouldContain("128");
    }

    [Fact]
    public void An_id_of_129_astral_code_points_is_rejected()
    {
        ReadSingleError(UserQuery().With("id", Repeat("😀", 129))).Field.ShouldBe("id");
    }

    [Fact]
    public void An_empty_id_is_rejected()
    {
        ReadSingleError(UserQuery().With("id", "")).Field.ShouldBe("id");
    }

    [Fact]
    public void A_missing_id_is_rejected()
    {
        var error = ReadSingleError(UserQuery().Without("id"));

        error.Field.ShouldBe("id");
        error.Message.ShouldContain("required");
    }

    [Fact]
    public void A_null_id_is_rejected()
    {
        ReadSingleError(UserQuery().With("id", null)).Field.ShouldBe("id");
    }

    [Fact]
    public void A_number_as_id_is_rejected()
    {
        ReadSingleError(UserQuery().With("id", 12)).Field.ShouldBe("id");
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\tb")]
    [InlineData("a\nb")]
    [InlineData("a\u001Fb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    [InlineData("a\u009Fb")]
    public void An_id_with_a_control_character_is_rejected(string id)
    {
        var error = ReadSingleError(UserQuery().With("id", id));

        error.Field.ShouldBe("id");
        error.Message.ShouldContain("control characters");
    }

    [Fact]
    public void An_id_with_a_format_character_that_is_not_a_control_character_is_accepted()
    {
        // U+200B ZERO WIDTH SPACE is category Cf, not Cc.
        ReadValid(UserQuery().With("id", "a\u200Bb")).Id.ShouldBe("a\u200Bb");
    }

    // type

    [Fact]
    public void A_missing_type_is_rejected()
    {
        ReadSingleError(UserQuery().Without("type")).Field.ShouldBe("type");
    }

    [Fact]
    public void A_null_type_is_rejected()
    {
        ReadSingleError(UserQuery().With("type", null)).Field.ShouldBe("type");
    }

    [Fact]
    public void An_unknown_type_is_rejected_with_a_message_that_names_it()
    {
        var error = ReadSingleError(UserQuery().With("type", "page_viewed"));

        error.Field.ShouldBe("type");
        error.Message.ShouldContain("'page_viewed'");
    }

    [Theory]
    [InlineData("USER_QUERY")]
    [InlineData("User_Query")]
    [InlineData("user_query ")]
    [InlineData("userquery")]
    [InlineData("")]
    public void A_type_not_spelled_exactly_in_lower_case_is_rejected(string type)
    {
        ReadSingleError(UserQuery().With("type", type)).Field.ShouldBe("type");
    }

    [Fact]
    public void A_number_as_type_is_rejected()
    {
        ReadSingleError(UserQuery().With("type", 3)).Field.ShouldBe("type");
    }

    // timestamp

    [Theory]
    [InlineData("2025-06-01T10:00:00Z", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01t10:00:00z", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01t10:00:00Z", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T10:00:00z", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T10:00:00+00:00", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T10:00:00-00:00", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T12:00:00+02:00", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T05:30:00-04:30", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-02T03:45:00+17:45", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T00:30:00-18:00", "2025-06-01T18:30:00.000000Z")]
    [InlineData("2025-06-01T10:00:00.5Z", "2025-06-01T10:00:00.500000Z")]
    [InlineData("2025-06-01T10:00:00.123456Z", "2025-06-01T10:00:00.123456Z")]
    public void A_timestamp_with_an_offset_is_read_as_its_utc_instant(string timestamp, string expectedUtc)
    {
        var accepted = ReadValid(UserQuery().With("timestamp", timestamp));

        accepted.Timestamp.Kind.ShouldBe(DateTimeKind.Utc);
        EventTimestamp.FormatMicroseconds(accepted.Timestamp).ShouldBe(expectedUtc);
    }

    [Theory]
    [InlineData("2025-06-01T10:00:00.1234567Z", "2025-06-01T10:00:00.123456Z")]
    [InlineData("2025-06-01T10:00:00.9999999Z", "2025-06-01T10:00:00.999999Z")]
    [InlineData("2025-06-01T10:00:00.123456789Z", "2025-06-01T10:00:00.123456Z")]
    [InlineData("2025-06-01T10:00:00.0000009Z", "2025-06-01T10:00:00.000000Z")]
    [InlineData("2025-06-01T11:59:59.99999999999+02:00", "2025-06-01T09:59:59.999999Z")]
    public void A_timestamp_fraction_is_truncated_not_rounded_to_microseconds(string timestamp, string expectedUtc)
    {
        var accepted = ReadValid(UserQuery().With("timestamp", timestamp));

        EventTimestamp.FormatMicroseconds(accepted.Timestamp).ShouldBe(expectedUtc);
        (accepted.Timestamp.Ticks % 10).ShouldBe(0);
    }

    [Fact]
    public void A_timestamp_without_an_offset_is_rejected_and_never_read_in_the_server_zone()
    {
        var error = ReadSingleError(UserQuery().With("timestamp", "2025-06-01T10:00:00"));

        error.Field.ShouldBe("timestamp");
        error.Message.ShouldContain("no UTC offset");
    }

    [Fact]
    public void A_timestamp_with_a_fraction_but_without_an_offset_is_rejected()
    {
        ReadSingleError(UserQuery().With("timestamp", "2025-06-01T10:00:00.123")).Field.ShouldBe("timestamp");
    }

    [Theory]
    [InlineData("2025-06-01 10:00:00Z")]
    [InlineData("2025-06-01T10:00Z")]
    [InlineData("2025-06-01Z")]
    [InlineData("2025-6-1T10:00:00Z")]
    [InlineData("20250601T100000Z")]
    [InlineData("2025-06-01T10:00:00.Z")]
    [InlineData("2025-06-01T10:00:00,5Z")]
    [InlineData("2025-06-01T10:00:00+0200")]
    [InlineData("2025-06-01T10:00:00+02")]
    [InlineData("2025-06-01T10:00:00 Z")]
    [InlineData(" 2025-06-01T10:00:00Z")]
    [InlineData("2025-06-01T10:00:00ZZ")]
    [InlineData("2025-06-01T10:00:00UTC")]
    [InlineData("2025-06-01T10:00:00+19:00")]
    [InlineData("2025-06-01T10:00:00+18:01")]
    [InlineData("2025-06-01T10:00:00+02:60")]
    [InlineData("2025-13-01T10:00:00Z")]
    [InlineData("2025-00-01T10:00:00Z")]
    [InlineData("2025-02-29T10:00:00Z")]
    [InlineData("2025-06-31T10:00:00Z")]
    [InlineData("2025-06-00T10:00:00Z")]
    [InlineData("2025-06-01T24:00:00Z")]
    [InlineData("2025-06-01T10:60:00Z")]
    [InlineData("2025-06-01T10:00:60Z")]
    [InlineData("１２３４-06-01T10:00:00Z")]
    [InlineData("1748772000")]
    [InlineData("")]
    public void A_timestamp_not_in_the_one_accepted_shape_is_rejected(string timestamp)
    {
        ReadSingleError(UserQuery().With("timestamp", timestamp)).Field.ShouldBe("timestamp");
    }

    [Fact]
    public void A_leap_day_timestamp_is_accepted()
    {
        ReadValid(UserQuery().With("timestamp", "2024-02-29T10:00:00Z")).Timestamp.ShouldBe(new DateTime(2024, 2, 29, 10, 0, 0, DateTimeKind.Utc));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("null")]
    [InlineData("1748772000")]
    public void A_timestamp_that_is_not_a_string_is_rejected(string raw)
    {
        var jsonEvent = raw == "missing" ? UserQuery().Without("timestamp") : UserQuery().WithRaw("timestamp", raw);

        ReadSingleError(jsonEvent).Field.ShouldBe("timestamp");
    }

    [Fact]
    public void A_timestamp_at_2000_01_01_midnight_utc_is_accepted()
    {
        ReadValid(UserQuery().With("timestamp", "2000-01-01T00:00:00Z")).Timestamp.ShouldBe(EventTimestamp.Earliest);
    }

    [Theory]
    [InlineData("1999-12-31T23:59:59.999999Z")]
    [InlineData("1999-12-31T23:59:59Z")]
    [InlineData("2000-01-01T00:30:00+01:00")]
    [InlineData("1970-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void A_timestamp_before_2000_01_01_utc_is_rejected(string timestamp)
    {
        var error = ReadSingleError(UserQuery().With("timestamp", timestamp));

        error.Field.ShouldBe("timestamp");
        error.Message.ShouldContain("before 2000-01-01");
    }

    [Theory]
    [InlineData("2025-06-02T12:00:00Z")]
    [InlineData("2025-06-02T14:00:00+02:00")]
    [InlineData("2025-06-02T12:00:00.0000009Z")]
    public void A_timestamp_exactly_24_hours_after_the_request_is_received_is_accepted(string timestamp)
    {
        ReadValid(UserQuery().With("timestamp", timestamp)).Timestamp.ShouldBe(ReceivedAt.AddHours(24));
    }

    [Theory]
    [InlineData("2025-06-02T12:00:00.000001Z")]
    [InlineData("2025-06-02T12:00:01Z")]
    [InlineData("2025-06-02T11:00:01-01:00")]
    [InlineData("2999-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59-18:00")]
    public void A_timestamp_more_than_24_hours_after_the_request_is_received_is_rejected(string timestamp)
    {
        ReadSingleError(UserQuery().With("timestamp", timestamp)).Field.ShouldBe("timestamp");
    }

    [Fact]
    public void A_timestamp_more_than_24_hours_in_the_future_names_the_reception_time()
    {
        var error = ReadSingleError(UserQuery().With("timestamp", "2025-06-03T00:00:00Z"));

        error.Message.ShouldContain("24 hours");
        error.Message.ShouldContain("2025-06-01T12:00:00Z");
    }

    [Fact]
    public void A_timestamp_months_before_the_request_is_accepted()
    {
        ReadValid(UserQuery().With("timestamp", "2024-11-15T08:00:00Z")).Timestamp.ShouldBe(new DateTime(2024, 11, 15, 8, 0, 0, DateTimeKind.Utc));
    }

    // company_id and user_id

    public static TheoryData<string, string> IdentifierFieldsAndAcceptedValues => Cross(["1", "7", "9007199254740992"]);

    public static TheoryData<string, string> IdentifierFieldsAndRejectedValues => Cross(
    [
        "0", "-1", "-9007199254740992", "9007199254740993", "9223372036854775807", "99999999999999999999",
        "1.0", "1.5", "1e3", "1E3", "1e0", "-0", "\"5\"", "\"\"", "true", "null", "[1]", "{\"id\":1}",
    ]);

    private static TheoryData<string, string> Cross(string[] values)
    {
        var data = new TheoryData<string, string>();
        foreach (var field in new[] { "company_id", "user_id" })
        {
            foreach (var value in values)
            {
                data.Add(field, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IdentifierFieldsAndAcceptedValues))]
    public void A_company_or_user_id_from_1_to_2_to_the_53_is_accepted(string field, string value)
    {
        var accepted = ReadValid(UserQuery().WithRaw(field, value));

        (field == "company_id" ? accepted.CompanyId : accepted.UserId).ShouldBe(long.Parse(value, CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(IdentifierFieldsAndRejectedValues))]
    public void A_company_or_user_id_that_is_not_a_json_integer_from_1_to_2_to_the_53_is_rejected(string field, string value)
    {
        ReadSingleError(UserQuery().WithRaw(field, value)).Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("company_id")]
    [InlineData("user_id")]
    public void A_missing_company_or_user_id_is_rejected(string field)
    {
        var error = ReadSingleError(UserQuery().Without(field));

        error.Field.ShouldBe(field);
        error.Message.ShouldContain("required");
    }

    [Fact]
    public void An_integer_with_a_fraction_or_exponent_says_so()
    {
        ReadSingleError(UserQuery().WithRaw("company_id", "1e3")).Message.ShouldContain("no fraction, no exponent");
    }

    [Fact]
    public void A_quoted_integer_says_it_is_a_string()
    {
        ReadSingleError(UserQuery().WithRaw("user_id", "\"5\"")).Message.ShouldContain("not a string");
    }

    [Fact]
    public void Companies_named_by_valid_and_invalid_events_alike_are_collected()
    {
        var batch = ReadArray(
            UserQuery("a").With("company_id", 1),
            UserQuery("b").With("company_id", 2).With("timestamp", "yesterday"),
            UserQuery("c").With("company_id", 0),
            UserQuery("d").With("company_id", 1));

        batch.NamedCompanies.ShouldBe([1L, 2L], ignoreOrder: true);
    }

    [Fact]
    public void A_company_id_of_an_event_with_an_unknown_type_is_still_collected()
    {
        var batch = ReadArray(UserQuery().With("type", "page_viewed").With("company_id", 3));

        batch.NamedCompanies.ShouldBe([3L]);
    }
}
