using System.Buffers;
using System.Text.Json;

namespace Tally.Events;

/// <summary>The JSON shape of one field value, before any rule is applied to it.</summary>
internal enum RawKind : byte
{
    Missing,
    Null,
    String,
    Integer,
    NonInteger,
    IntegerOutOfRange,
    Boolean,
    Array,
    Object,
    InvalidText,
}

internal struct RawValue
{
    public RawKind Kind;
    public bool Repeated;
    public string? Text;
    public long Integer;
    public List<RawDocument>? Documents;

    public readonly bool IsAbsent => Kind is RawKind.Missing or RawKind.Null;
}

internal sealed class RawDocument
{
    public JsonTokenType Token;
    public RawValue Id;
    public RawValue Filename;
    public RawValue Title;
}

/// <summary>The fields an event may carry, read but not yet validated. Unknown fields are skipped.</summary>
internal sealed class RawEvent
{
    public RawValue Id, Type, Timestamp, CompanyId, UserId;
    public RawValue SessionId, Mode, ResponseId, Model, Documents, LatencyMs, InputTokens, OutputTokens;
    public RawValue ToolName, ToolType, Status, DurationMs, Kind;
    public RawValue UserName, Email, Ip, UserAgent, AuthMethod;

    /// <summary>
    /// Reads the object the reader stands on (a StartObject token) into <paramref name="raw"/>, which is cleared
    /// first (one instance serves a whole body); leaves the reader on the EndObject.
    /// </summary>
    public static RawEvent Read(ref Utf8JsonReader reader, RawEvent raw)
    {
        raw.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ref var slot = ref raw.Slot(ref reader, out var known);
            var isDocuments = known && System.Runtime.CompilerServices.Unsafe.AreSame(ref slot, ref raw.Documents);
            reader.Read();
            if (!known)
            {
                reader.Skip();
                continue;
            }

            var repeated = slot.Kind != RawKind.Missing;
            slot = ReadValue(ref reader, isDocuments);
            slot.Repeated = repeated;
        }

        return raw;
    }

    private void Clear()
    {
        Id = Type = Timestamp = CompanyId = UserId = default;
        SessionId = Mode = ResponseId = Model = Documents = LatencyMs = InputTokens = OutputTokens = default;
        ToolName = ToolType = Status = DurationMs = Kind = default;
        UserName = Email = Ip = UserAgent = AuthMethod = default;
    }

    /// <summary>The slot of the property name the reader stands on; <paramref name="known"/> is false for a field Tally does not read.</summary>
    private ref RawValue Slot(ref Utf8JsonReader reader, out bool known)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return ref Slot(reader.ValueSpan, out known);
        }

        known = IsReadableName(ref reader);
        if (!known) return ref Id;
        if (reader.ValueTextEquals("id"u8)) return ref Id;
        if (reader.ValueTextEquals("type"u8)) return ref Type;
        if (reader.ValueTextEquals("timestamp"u8)) return ref Timestamp;
        if (reader.ValueTextEquals("company_id"u8)) return ref CompanyId;
        if (reader.ValueTextEquals("user_id"u8)) return ref UserId;
        if (reader.ValueTextEquals("session_id"u8)) return ref SessionId;
        if (reader.ValueTextEquals("mode"u8)) return ref Mode;
        if (reader.ValueTextEquals("response_id"u8)) return ref ResponseId;
        if (reader.ValueTextEquals("model"u8)) return ref Model;
        if (reader.ValueTextEquals("documents"u8)) return ref Documents;
        if (reader.ValueTextEquals("latency_ms"u8)) return ref LatencyMs;
        if (reader.ValueTextEquals("input_tokens"u8)) return ref InputTokens;
        if (reader.ValueTextEquals("output_tokens"u8)) return ref OutputTokens;
        if (reader.ValueTextEquals("tool_name"u8)) return ref ToolName;
        if (reader.ValueTextEquals("tool_type"u8)) return ref ToolType;
        if (reader.ValueTextEquals("status"u8)) return ref Status;
        if (reader.ValueTextEquals("duration_ms"u8)) return ref DurationMs;
        if (reader.ValueTextEquals("kind"u8)) return ref Kind;
        if (reader.ValueTextEquals("user_name"u8)) return ref UserName;
        if (reader.ValueTextEquals("email"u8)) return ref Email;
        if (reader.ValueTextEquals("ip"u8)) return ref Ip;
        if (reader.ValueTextEquals("user_agent"u8)) return ref UserAgent;
        if (reader.ValueTextEquals("auth_method"u8)) return ref AuthMethod;
        known = false;
        return ref Id;
    }

    /// <summary>The slot of a plain (unescaped) property name: by length first, as this runs for every field of every event.</summary>
    private ref RawValue Slot(ReadOnlySpan<byte> name, out bool known)
    {
        known = true;
        switch (name.Length)
        {
            case 2 when name.SequenceEqual("id"u8): return ref Id;
            case 2 when name.SequenceEqual("ip"u8): return ref Ip;
            case 4 when name.SequenceEqual("type"u8): return ref Type;
            case 4 when name.SequenceEqual("mode"u8): return ref Mode;
            case 4 when name.SequenceEqual("kind"u8): return ref Kind;
            case 5 when name.SequenceEqual("model"u8): return ref Model;
            case 5 when name.SequenceEqual("email"u8): return ref Email;
            case 6 when name.SequenceEqual("status"u8): return ref Status;
            case 7 when name.SequenceEqual("user_id"u8): return ref UserId;
            case 9 when name.SequenceEqual("timestamp"u8): return ref Timestamp;
            case 9 when name.SequenceEqual("documents"u8): return ref Documents;
            case 9 when name.SequenceEqual("tool_name"u8): return ref ToolName;
            case 9 when name.SequenceEqual("tool_type"u8): return ref ToolType;
            case 9 when name.SequenceEqual("user_name"u8): return ref UserName;
            case 10 when name.SequenceEqual("company_id"u8): return ref CompanyId;
            case 10 when name.SequenceEqual("session_id"u8): return ref SessionId;
            case 10 when name.SequenceEqual("latency_ms"u8): return ref LatencyMs;
            case 10 when name.SequenceEqual("user_agent"u8): return ref UserAgent;
            case 11 when name.SequenceEqual("response_id"u8): return ref ResponseId;
            case 11 when name.SequenceEqual("duration_ms"u8): return ref DurationMs;
            case 11 when name.SequenceEqual("auth_method"u8): return ref AuthMethod;
            case 12 when name.SequenceEqual("input_tokens"u8): return ref InputTokens;
            case 13 when name.SequenceEqual("output_tokens"u8): return ref OutputTokens;
            default:
                known = false;
                return ref Id;
        }
    }

    /// <summary>
    /// False for a property name whose escapes are not valid UTF-16 (a lone surrogate such as <c>"\ud800"</c>): comparing it
    /// would throw, and it cannot be the name of a field we read, so it is skipped like any unknown field.
    /// </summary>
    private static bool IsReadableName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return true;
        }

        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static RawValue ReadValue(ref Utf8JsonReader reader, bool documents)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return new RawValue { Kind = RawKind.Null };
            case JsonTokenType.True or JsonTokenType.False:
                return new RawValue { Kind = RawKind.Boolean };
            case JsonTokenType.String:
                return ReadString(ref reader);
            case JsonTokenType.Number:
                return ReadNumber(ref reader);
            case JsonTokenType.StartArray when documents:
                return new RawValue { Kind = RawKind.Array, Documents = ReadDocuments(ref reader) };
            case JsonTokenType.StartArray:
                reader.Skip();
                return new RawValue { Kind = RawKind.Array };
            default:
                reader.Skip();
                return new RawValue { Kind = RawKind.Object };
        }
    }

    private static RawValue ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return new RawValue { Kind = RawKind.String, Text = reader.GetString() };
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 or a lone surrogate escape: not text we could store or compare.
            return new RawValue { Kind = RawKind.InvalidText };
        }
    }

    private static RawValue ReadNumber(ref Utf8JsonReader reader)
    {
        var text = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        if (text.IndexOfAny(".eE"u8) >= 0)
        {
            return new RawValue { Kind = RawKind.NonInteger };
        }

        return reader.TryGetInt64(out var value)
            ? new RawValue { Kind = RawKind.Integer, Integer = value }
            : new RawValue { Kind = RawKind.IntegerOutOfRange };
    }

    private static List<RawDocument> ReadDocuments(ref Utf8JsonReader reader)
    {
        var list = new List<RawDocument>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var document = new RawDocument { Token = reader.TokenType };
            list.Add(document);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = !IsReadableName(ref reader) ? 0
                    : reader.ValueTextEquals("id"u8) ? 1 : reader.ValueTextEquals("filename"u8) ? 2 : reader.ValueTextEquals("title"u8) ? 3 : 0;
                reader.Read();
                if (field == 0)
                {
                    reader.Skip();
                    continue;
                }

                ref var slot = ref field == 1 ? ref document.Id : ref field == 2 ? ref document.Filename : ref document.Title;
                var repeated = slot.Kind != RawKind.Missing;
                slot = ReadValue(ref reader, documents: false);
                slot.Repeated = repeated;
            }
        }

        return list;
    }
}
