using System.Data.Common;
using System.Runtime.CompilerServices;
using Tally.Events;
using Tally.Ingestion;

namespace Tally.Storage;

/// <summary>
/// Turns the rows of an engine's events (both engines name their columns alike) back into the commits
/// <see cref="IStoreTransfer.ReadCommitsAsync"/> yields. The engine runs <see cref="Columns"/> over its events joined
/// to their listed documents, one row per event and document (one for an event without), rows of one event together
/// and in document order; this class rebuilds each event and cuts the commits.
/// </summary>
public static class StoredCommits
{
    /// <summary>
    /// The most events of one commit. A store may have received far larger commits in one instant (a demo load, an
    /// import); the copy appends them in pieces of this size, which keeps its memory and each transaction bounded.
    /// </summary>
    public const int MaxEventsPerCommit = 10_000;

    /// <summary>The select list, in the order <see cref="ReadAsync"/> reads it; <c>e</c> is the events, <c>d</c> their documents.</summary>
    public const string Columns = """
        e.company_id, e.event_id, e.type, e.ts, e.user_id, e.mode, e.session_id, e.response_id, e.model, e.latency_ms, e.input_tokens,
        e.output_tokens, e.tool_name, e.tool_type, e.status, e.duration_ms, e.kind, e.user_name, e.email, e.ip, e.user_agent,
        e.auth_method, e.received_at, d.position, d.document_id, d.filename, d.title
        """;

    public static async IAsyncEnumerable<IngestionCommit> ReadAsync(DbDataReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var group = new List<PlatformEvent>();
        DateTime groupReceivedAt = default;
        PlatformEvent? current = null;
        var currentReceivedAt = default(DateTime);
        var documents = new List<EventDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var companyId = reader.GetInt64(0);
            var eventId = reader.GetString(1);
            if (current is null || current.CompanyId != companyId || current.Id != eventId)
            {
                if (current is not null && Add(current with { Documents = documents }, currentReceivedAt) is { } full)
                {
                    yield return full;
                }

                current = Event(reader);
                currentReceivedAt = Utc(reader.GetDateTime(22));
                documents = [];
            }

            if (!reader.IsDBNull(24))
            {
                documents.Add(new EventDocument(reader.GetInt64(24), StoredText.Decode(reader.GetString(25))!, Text(reader, 26)));
            }
        }

        if (current is not null && Add(current with { Documents = documents }, currentReceivedAt) is { } last)
        {
            yield return last;
        }

        if (group.Count > 0)
        {
            yield return Commit(group, groupReceivedAt);
        }

        // Adds an event to the group; returns the group that it closes (another instant, or full), if any.
        IngestionCommit? Add(PlatformEvent e, DateTime receivedAt)
        {
            IngestionCommit? closed = null;
            if (group.Count > 0 && (receivedAt != groupReceivedAt || group.Count == MaxEventsPerCommit))
            {
                closed = Commit(group, groupReceivedAt);
                group = [];
            }

            groupReceivedAt = receivedAt;
            group.Add(e);
            return closed;
        }
    }

    /// <summary>The events of <see cref="ReadAsync"/>'s rows, in their order, without their commits.</summary>
    public static async Task<IReadOnlyList<PlatformEvent>> ReadEventsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var events = new List<PlatformEvent>();
        await foreach (var commit in ReadAsync(reader, cancellationToken))
        {
            events.AddRange(commit.Batches.SelectMany(batch => batch));
        }

        return events;
    }

    private static IngestionCommit Commit(List<PlatformEvent> events, DateTime receivedAt) => new([events], new Dictionary<long, int>(), receivedAt);

    private static PlatformEvent Event(DbDataReader reader) => new()
    {
        CompanyId = reader.GetInt64(0),
        Id = reader.GetString(1),
        Type = Parse<EventType>(reader, 2)!.Value,
        Timestamp = Utc(reader.GetDateTime(3)),
        UserId = reader.GetInt64(4),
        // Stored only beside a session id; the validated event's default otherwise.
        Mode = Parse<ChatMode>(reader, 5) ?? default,
        SessionId = Identifier(reader, 6),
        ResponseId = Identifier(reader, 7),
        Model = Identifier(reader, 8),
        LatencyMs = Number(reader, 9),
        InputTokens = Number(reader, 10),
        OutputTokens = Number(reader, 11),
        ToolName = Identifier(reader, 12),
        ToolType = Parse<ToolType>(reader, 13),
        ToolStatus = Parse<ToolStatus>(reader, 14),
        DurationMs = Number(reader, 15),
        FeedbackKind = Parse<FeedbackKind>(reader, 16),
        UserName = Text(reader, 17),
        Email = Text(reader, 18),
        Ip = Text(reader, 19),
        UserAgent = Text(reader, 20),
        AuthMethod = Text(reader, 21),
    };

    private static TEnum? Parse<TEnum>(DbDataReader reader, int ordinal)
        where TEnum : struct, Enum
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        var name = reader.GetString(ordinal);
        return WireNames.TryParse<TEnum>(name, out var parsed)
            ? parsed
            : throw new InvalidDataException($"A stored event has '{name}' where a {typeof(TEnum).Name} is expected; the store is damaged or newer than this Tally.");
    }

    // Identifiers are stored as sent; free text behind StoredText's escape.
    private static string? Identifier(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string? Text(DbDataReader reader, int ordinal) => StoredText.Decode(Identifier(reader, ordinal));

    private static long? Number(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
