using System.Globalization;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>A document an answer lists.</summary>
public sealed record Doc(long Id, string Filename, string? Title);

/// <summary>
/// One event as the tests see it: <see cref="Time"/> is the instant sent (any precision); <see cref="Ts"/> is
/// what the server stores (truncated to microseconds). <see cref="ToJson"/> writes its wire form, with
/// <see cref="Style"/> choosing among equivalent spellings (offsets, omitted defaults, explicit nulls).
/// </summary>
public sealed record Ev
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public required DateTime Time { get; init; }

    public required long Company { get; init; }

    public required long User { get; init; }

    public string Mode { get; init; } = "chat";

    public string? Session { get; init; }

    public string? ResponseId { get; init; }

    public string? Model { get; init; }

    public IReadOnlyList<Doc> Documents { get; init; } = [];

    public long? LatencyMs { get; init; } = 1200;

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public string? ToolName { get; init; }

    public string ToolType { get; init; } = "native";

    public string Status { get; init; } = "ok";

    public string? Kind { get; init; }

    public string? UserName { get; init; }

    public string? Email { get; init; }

    public string? Ip { get; init; }

    public string? UserAgent { get; init; }

    public string? AuthMethod { get; init; }

    public int Style { get; init; }

    public DateTime Ts => new(Time.Ticks - (Time.Ticks % 10), DateTimeKind.Utc);

    public bool IsActivity => Type is not ("member_joined" or "member_left");

    private static readonly TimeSpan[] Offsets =
        [TimeSpan.Zero, new(5, 30, 0), new(-4, 0, 0), new(14, 0, 0), new(-9, -30, 0), new(1, 0, 0)];

    /// <summary>The timestamp as sent: 7 fraction digits and two more (truncated by the server), in some offset.</summary>
    public string WireTimestamp()
    {
        var offset = Offsets[Style % Offsets.Length];
        var local = Time + offset;
        var text = local.ToString((Style & 8) != 0 ? "yyyy-MM-dd't'HH:mm:ss.fffffff" : "yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "99";
        if (offset == TimeSpan.Zero && (Style & 16) == 0)
        {
            return text + ((Style & 8) != 0 ? "z" : "Z");
        }

        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return text + sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + ":" + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    public JsonObject ToJson()
    {
        var omitDefaults = (Style & 32) != 0;
        var explicitNulls = (Style & 64) != 0;
        var e = new JsonObject
        {
            ["id"] = Id,
            ["type"] = Type,
            ["timestamp"] = WireTimestamp(),
            ["company_id"] = Company,
            ["user_id"] = User,
        };

        void Optional(string name, JsonNode? value)
        {
            if (value is not null || explicitNulls)
            {
                e[name] = value;
            }
        }

        switch (Type)
        {
            case "member_joined":
                Optional("user_name", UserName);
                Optional("email", Email);
                break;
            case "connection":
                Optional("ip", Ip);
                Optional("user_agent", UserAgent);
                Optional("auth_method", AuthMethod);
                break;
            case "session_started" or "user_query" or "model_response" or "tool_call":
                e["session_id"] = Session;
                if (!(omitDefaults && Mode == "chat"))
                {
                    e["mode"] = Mode;
                }

                if (Type == "model_response")
                {
                    e["response_id"] = ResponseId;
                    e["model"] = Model;
                    if (Documents.Count > 0 || !omitDefaults)
                    {
                        e["documents"] = new JsonArray(Documents.Select(d =>
                        {
                            var document = new JsonObject { ["id"] = d.Id, ["filename"] = d.Filename };
                            if (d.Title is not null || explicitNulls)
                            {
                                document["title"] = d.Title;
                            }

                            return (JsonNode)document;
                        }).ToArray());
                    }

                    Optional("latency_ms", LatencyMs);
                    Optional("input_tokens", InputTokens);
                    Optional("output_tokens", OutputTokens);
                }

                if (Type == "tool_call")
                {
                    e["tool_name"] = ToolName;
                    if (!(omitDefaults && ToolType == "native"))
                    {
                        e["tool_type"] = ToolType;
                    }

                    if (!(omitDefaults && Status == "ok"))
                    {
                        e["status"] = Status;
                    }

                    Optional("response_id", ResponseId);
                }

                break;
            case "feedback":
                e["response_id"] = ResponseId;
                e["kind"] = Kind;
                break;
        }

        // Fields of other types are ignored by the server: a stray one must change nothing.
        if ((Style & 128) != 0 && Type != "connection")
        {
            e["ip"] = "198.51.100.7";
        }

        return e;
    }
}
