using System.Text.Json;

namespace Tally.Events;

/// <summary>
/// Reads a request body (a JSON array or NDJSON) into validated events, collecting every problem
/// instead of stopping at the first. It reads with <see cref="Utf8JsonReader"/> straight from the bytes:
/// this is the hot path of ingestion.
/// </summary>
public static class EventBodyReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    public static EventBatch Read(ReadOnlySpan<byte> body, EventBodyFormat format, DateTime receivedAtUtc)
    {
        var batch = new EventBatch();
        var validator = new EventValidator(batch, receivedAtUtc);
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            batch.AddError(new EventError(null, null, null, null, format == EventBodyFormat.Ndjson
                ? "The body is empty: send one JSON event object per line."
                : "The body is empty: send a JSON array of events ([] for none)."));
            return batch;
        }

        if (format == EventBodyFormat.Ndjson)
        {
            ReadLines(body, batch, validator);
        }
        else
        {
            ReadArray(body, batch, validator);
        }

        return batch;
    }

    private static void ReadArray(ReadOnlySpan<byte> body, EventBatch batch, EventValidator validator)
    {
        var raw = new RawEvent();
        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            reader.Read();

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                batch.AddError(new EventError(null, null, null, null,
                    $"The body must be a JSON array of events, not {Describe(reader.TokenType)}."));
                return;
            }

            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (index == EventBatch.MaxEvents)
                {
                    batch.TooManyEvents = true;
                    return;
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    validator.Validate(RawEvent.Read(ref reader, raw), index, line: null);
                }
                else
                {
                    reader.Skip();
                    batch.CountInvalidEvent();
                    batch.AddError(new EventError(index, null, null, null,
                        $"Each event must be a JSON object, not {Describe(reader.TokenType)}."));
                }

                index++;
                batch.EventCount = index;
            }

            // Anything after the closing bracket other than whitespace makes the body invalid JSON.
            if (reader.Read())
            {
                batch.AddError(new EventError(null, null, null, null, "The body has content after the closing ']' of the array."));
            }
        }
        catch (JsonException exception)
        {
            batch.AddError(new EventError(null, null, null, null, NotJson(exception)));
        }
    }

    private static void ReadLines(ReadOnlySpan<byte> body, EventBatch batch, EventValidator validator)
    {
        var raw = new RawEvent();
        var index = 0;
        var lineNumber = 0;
        while (!body.IsEmpty)
        {
            lineNumber++;
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (index == EventBatch.MaxEvents)
            {
                batch.TooManyEvents = true;
                return;
            }

            var reader = new Utf8JsonReader(line, ReaderOptions);
            try
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    batch.CountInvalidEvent();
                    batch.AddError(new EventError(null, lineNumber, null, null,
                        $"Line {lineNumber} must hold one JSON object, not {Describe(reader.TokenType)}."));
                }
                else
                {
                    RawEvent.Read(ref reader, raw);
                    if (reader.Read())
                    {
                        throw new JsonException("content after the end of the object");
                    }

                    validator.Validate(raw, index, lineNumber);
                }
            }
            catch (JsonException exception)
            {
                batch.CountInvalidEvent();
                batch.AddError(new EventError(null, lineNumber, null, null, $"Line {lineNumber}: {NotJson(exception)}"));
            }

            index++;
            batch.EventCount = index;
        }

    }

    private static string NotJson(JsonException exception)
    {
        // The reader's own message names the position; keep it, but never a stack trace. Only its maximum-depth
        // message means too deep: a truncated body fails with "expected depth to be zero", which is simply not JSON.
        var message = exception.Message;
        return message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase)
            ? $"The body is nested too deeply (more than {ReaderOptions.MaxDepth} levels)."
            : $"The body is not valid JSON: {message}";
    }

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };
}
