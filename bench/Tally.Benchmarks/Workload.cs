using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tally.Benchmarks;

/// <summary>
/// One generated event, already in the shape of a row of the <c>events</c> table (defaults resolved, the
/// timestamp as a UTC instant truncated to microseconds), plus how it is written on the wire.
/// </summary>
internal sealed class BenchEvent
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required DateTime TimestampUtc { get; init; }

    /// <summary>The offset the wire timestamp is written with (the instant is the same).</summary>
    public TimeSpan WireOffset { get; init; }

    public required long CompanyId { get; init; }
    public required long UserId { get; init; }
    public string? Mode { get; init; }

    /// <summary>False when the wire form leaves <c>mode</c> out (it defaults to chat).</summary>
    public bool WriteMode { get; init; }

    public string? SessionId { get; init; }
    public string? ResponseId { get; init; }
    public string? Model { get; init; }
    public IReadOnlyList<(long Id, string Filename, string? Title)> Documents { get; init; } = [];
    public long? LatencyMs { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public string? ToolName { get; init; }
    public string? ToolType { get; init; }
    public string? Status { get; init; }
    public long? DurationMs { get; init; }
    public string? Kind { get; init; }
    public string? UserName { get; init; }
    public string? Email { get; init; }
    public string? Ip { get; init; }
    public string? UserAgent { get; init; }
    public string? AuthMethod { get; init; }
}

/// <summary>The events of a run, in batches, and their request bodies serialized ahead of time.</summary>
internal sealed class Workload
{
    private static readonly (string Type, int Weight)[] TypeMix =
    [
        ("user_query", 270),
        ("model_response", 270),
        ("tool_call", 200),
        ("session_started", 120),
        ("connection", 60),
        ("feedback", 60),
        ("member_joined", 12),
        ("member_left", 8),
    ];

    // A few companies, one much bigger than the others, as on a real instance.
    private static readonly (long Id, int Users, int Weight)[] Companies =
    [
        (1001, 2_000, 50),
        (1002, 600, 20),
        (1003, 300, 15),
        (1004, 120, 10),
        (1005, 40, 5),
    ];

    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "mistral-large-2411", "llama-3.3-70b-instruct"];

    private static readonly (string Name, string Type)[] Tools =
    [
        ("document_search", "native"), ("document_search", "native"), ("web_search", "native"), ("code_execution", "native"),
        ("image_generation", "native"), ("jira.search_issues", "mcp"), ("github.get_file", "mcp"), ("salesforce.query", "mcp"),
    ];

    private static readonly string[] FeedbackKinds = ["like", "like", "like", "dislike", "copy", "copy", "none", "flag"];

    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "ParadigmDesktop/3.4.1 (Windows 11)",
    ];

    private static readonly string[] AuthMethods = ["sso", "sso", "sso", "password", "oidc"];

    private static readonly string[] Filenames =
    [
        "travel-policy.pdf", "expense-report-2024.xlsx", "onboarding.docx", "security-guidelines.pdf", "q3-results.pptx",
        "contrat-cadre.pdf", "handbook.md", "architecture-overview.pdf", "pricing-2025.xlsx", "incident-postmortem.docx",
    ];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private Workload(IReadOnlyList<BenchEvent[]> batches, IReadOnlyList<byte[]> bodies, string runTag)
    {
        Batches = batches;
        Bodies = bodies;
        RunTag = runTag;
    }

    public IReadOnlyList<BenchEvent[]> Batches { get; }

    /// <summary>Each batch as a JSON array, UTF-8, exactly what is POSTed.</summary>
    public IReadOnlyList<byte[]> Bodies { get; }

    /// <summary>Prefix of every event id of this run, so ids never collide with another run's.</summary>
    public string RunTag { get; }

    public long EventCount => Batches.Sum(b => (long)b.Length);

    public long BodyBytes => Bodies.Sum(b => (long)b.Length);

    /// <summary>Events by (company, type), to compare with the server's ingestion stats.</summary>
    public Dictionary<(long Company, string Type), long> CountByCompanyAndType() =>
        Batches.SelectMany(b => b).GroupBy(e => (e.CompanyId, e.Type)).ToDictionary(g => g.Key, g => g.LongCount());

    /// <summary>
    /// Generates <paramref name="batchCount"/> batches of <paramref name="batchSize"/> events. Content is
    /// deterministic for a seed apart from the run tag and the time base ("now"): timestamps lie between
    /// 366 days and 1 hour before <paramref name="nowUtc"/>. A caller generating a run piece by piece (the soak) passes
    /// the run's tag and the number of events generated before, so that ids stay unique over the whole run.
    /// </summary>
    public static Workload Generate(int batchCount, int batchSize, DateTime nowUtc, bool chronological = true, int seed = 20_250_101,
        string? runTag = null, long firstSequence = 0)
    {
        // The generator's randomness shapes test data only; it need not be unpredictable.
#pragma warning disable CA5394
        var random = new Random(seed);
        runTag ??= NewRunTag();
        // Whole seconds, so every generated instant is a whole number of microseconds (what the store keeps).
        var oldest = new DateTime(nowUtc.Ticks - (nowUtc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).AddDays(-366);
        var spanMicroseconds = (long)(TimeSpan.FromDays(366) - TimeSpan.FromHours(1)).TotalMicroseconds;
        var typeTotal = TypeMix.Sum(t => t.Weight);
        var companyTotal = Companies.Sum(c => c.Weight);
        var batches = new List<BenchEvent[]>(batchCount);
        var bodies = new List<byte[]>(batchCount);
        var buffer = new ArrayBufferWriter<byte>(batchSize * 400);
        var sequence = firstSequence;
        for (var b = 0; b < batchCount; b++)
        {
            var batch = new BenchEvent[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                // A platform sends events as they happen (chronological, a few late ones); a random order over the
                // whole year is the worst case for the aggregates (every event on another user-day).
                var position = chronological ? (long)(spanMicroseconds * ((double)(sequence - firstSequence) / ((long)batchCount * batchSize))) : random.NextInt64(spanMicroseconds);
                var late = chronological && random.Next(50) == 0 ? random.NextInt64((long)TimeSpan.FromDays(30).TotalMicroseconds) : 0;
                var jitter = chronological ? random.NextInt64((long)TimeSpan.FromMinutes(10).TotalMicroseconds) : 0;
                var at = Math.Clamp(position - late + jitter, 0, spanMicroseconds - 1);
                batch[i] = NextEvent(random, runTag, sequence++, oldest.AddTicks(at / 1_000_000 * TimeSpan.TicksPerSecond), typeTotal, companyTotal);
            }

            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartArray();
                foreach (var e in batch)
                {
                    Write(writer, e);
                }

                writer.WriteEndArray();
            }

            batches.Add(batch);
            bodies.Add(buffer.WrittenSpan.ToArray());
        }

        return new Workload(batches, bodies, runTag);
    }

    /// <summary>A fresh prefix for a run's event ids.</summary>
    public static string NewRunTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static ulong Scramble(ulong value)
    {
        // Each step (xor with a shift, multiplication by an odd number) can be undone, so distinct inputs stay distinct.
        value ^= value >> 31;
        value *= 0x7FB5D329728EA185UL;
        value ^= value >> 27;
        value *= 0x81DADEF4BC2DD44DUL;
        value ^= value >> 33;
        return value;
    }

    private static BenchEvent NextEvent(Random random, string runTag, long sequence, DateTime timestamp, int typeTotal, int companyTotal)
    {
        var type = Pick(random, TypeMix, typeTotal);
        var (companyId, users, _) = PickCompany(random, companyTotal);
        var userId = (companyId * 100_000) + 1 + random.Next(users);
        // Most platforms send UTC; some send their local offset.
        var offset = random.Next(10) < 8 ? TimeSpan.Zero : TimeSpan.FromHours(random.Next(-8, 10));
        // Ids look random, as the UUIDs most platforms send do: an increasing counter would flatter the store's
        // indexes. The scrambling is a bijection, so ids stay unique.
        var id = string.Create(CultureInfo.InvariantCulture, $"{runTag}-{Scramble((ulong)sequence):x16}");
        var agent = random.Next(5) == 0;
        var mode = agent ? "agent" : "chat";
        // Sessions are reused across events, so sessions have several events each.
        var sessionId = string.Create(CultureInfo.InvariantCulture, $"{runTag}-s{companyId}-{random.Next(60_000):x}");
        var responseId = string.Create(CultureInfo.InvariantCulture, $"{runTag}-r{random.NextInt64(1L << 40):x}");
        switch (type)
        {
            case "session_started":
            case "user_query":
                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                    Mode = mode, WriteMode = agent || random.Next(2) == 0, SessionId = sessionId,
                };
            case "model_response":
                var documentCount = random.Next(100) switch { < 50 => 0, < 75 => 1, < 90 => 2, _ => 3 };
                var documents = new (long, string, string?)[documentCount];
                for (var d = 0; d < documentCount; d++)
                {
                    var file = Filenames[random.Next(Filenames.Length)];
                    documents[d] = (1 + random.Next(50_000), file, random.Next(3) == 0 ? null : Path.GetFileNameWithoutExtension(file).Replace('-', ' '));
                }

                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                    Mode = mode, WriteMode = agent || random.Next(2) == 0, SessionId = sessionId, ResponseId = responseId,
                    Model = Models[random.Next(Models.Length)], Documents = documents,
                    LatencyMs = 200 + random.Next(30_000), InputTokens = 50 + random.Next(20_000), OutputTokens = 10 + random.Next(4_000),
                };
            case "tool_call":
                var (toolName, toolType) = Tools[random.Next(Tools.Length)];
                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                    Mode = mode, WriteMode = agent || random.Next(2) == 0, SessionId = sessionId,
                    ResponseId = random.Next(2) == 0 ? responseId : null,
                    ToolName = toolName, ToolType = toolType, Status = random.Next(100) < 4 ? "error" : "ok",
                    DurationMs = random.Next(4) == 0 ? null : 5 + random.Next(15_000),
                };
            case "feedback":
                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                    ResponseId = responseId, Kind = FeedbackKinds[random.Next(FeedbackKinds.Length)],
                };
            case "connection":
                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                    Ip = string.Create(CultureInfo.InvariantCulture, $"10.{random.Next(256)}.{random.Next(256)}.{1 + random.Next(254)}"),
                    UserAgent = UserAgents[random.Next(UserAgents.Length)],
                    AuthMethod = AuthMethods[random.Next(AuthMethods.Length)],
                };
            case "member_joined":
                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                    UserName = string.Create(CultureInfo.InvariantCulture, $"User {userId}"),
                    Email = string.Create(CultureInfo.InvariantCulture, $"user{userId}@company{companyId}.example"),
                };
            default:
                return new BenchEvent
                {
                    Id = id, Type = type, TimestampUtc = timestamp, WireOffset = offset, CompanyId = companyId, UserId = userId,
                };
        }
    }

    private static string Pick(Random random, (string Value, int Weight)[] choices, int total)
    {
        var roll = random.Next(total);
        foreach (var (value, weight) in choices)
        {
            if (roll < weight)
            {
                return value;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("Weights do not add up.");
    }

    private static (long Id, int Users, int Weight) PickCompany(Random random, int total)
    {
        var roll = random.Next(total);
        foreach (var company in Companies)
        {
            if (roll < company.Weight)
            {
                return company;
            }

            roll -= company.Weight;
        }

        throw new InvalidOperationException("Weights do not add up.");
    }
#pragma warning restore CA5394

    private static void Write(Utf8JsonWriter writer, BenchEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, e.Id);
        writer.WriteString("type"u8, e.Type);
        var local = e.TimestampUtc + e.WireOffset;
        writer.WriteString("timestamp"u8, e.WireOffset == TimeSpan.Zero
            ? local.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)
            : string.Concat(local.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
                e.WireOffset < TimeSpan.Zero ? "-" : "+", e.WireOffset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture)));
        writer.WriteNumber("company_id"u8, e.CompanyId);
        writer.WriteNumber("user_id"u8, e.UserId);
        if (e.SessionId is not null)
        {
            writer.WriteString("session_id"u8, e.SessionId);
            if (e.WriteMode)
            {
                writer.WriteString("mode"u8, e.Mode);
            }
        }

        switch (e.Type)
        {
            case "model_response":
                writer.WriteString("response_id"u8, e.ResponseId);
                writer.WriteString("model"u8, e.Model);
                writer.WriteStartArray("documents"u8);
                foreach (var (id, filename, title) in e.Documents)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("id"u8, id);
                    writer.WriteString("filename"u8, filename);
                    if (title is null)
                    {
                        writer.WriteNull("title"u8);
                    }
                    else
                    {
                        writer.WriteString("title"u8, title);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteNumber("latency_ms"u8, e.LatencyMs!.Value);
                writer.WriteNumber("input_tokens"u8, e.InputTokens!.Value);
                writer.WriteNumber("output_tokens"u8, e.OutputTokens!.Value);
                break;
            case "tool_call":
                writer.WriteString("tool_name"u8, e.ToolName);
                // Defaults (native, ok) are left out, as a platform would.
                if (e.ToolType != "native")
                {
                    writer.WriteString("tool_type"u8, e.ToolType);
                }

                if (e.Status != "ok")
                {
                    writer.WriteString("status"u8, e.Status);
                }

                if (e.ResponseId is not null)
                {
                    writer.WriteString("response_id"u8, e.ResponseId);
                }

                if (e.DurationMs is { } duration)
                {
                    writer.WriteNumber("duration_ms"u8, duration);
                }

                break;
            case "feedback":
                writer.WriteString("response_id"u8, e.ResponseId);
                writer.WriteString("kind"u8, e.Kind);
                break;
            case "connection":
                writer.WriteString("ip"u8, e.Ip);
                writer.WriteString("user_agent"u8, e.UserAgent);
                writer.WriteString("auth_method"u8, e.AuthMethod);
                break;
            case "member_joined":
                writer.WriteString("user_name"u8, e.UserName);
                writer.WriteString("email"u8, e.Email);
                break;
            default:
                break;
        }

        writer.WriteEndObject();
    }
}
