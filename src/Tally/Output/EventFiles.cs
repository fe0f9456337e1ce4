using System.Text.Encodings.Web;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Tally.Events;

namespace Tally.Cli.Output;

/// <summary>The formats <c>tally events export</c> writes.</summary>
internal enum EventFileFormat
{
    Ndjson,
    Parquet,
}

/// <summary>
/// Writes stored events, a page at a time, as NDJSON in the wire format of docs/events.md (each line an event that
/// <c>POST /api/v2/events</c> accepts as it is) or as Parquet (one row group per page, one nullable column per wire field (as <c>tally report</c>'s Parquet),
/// <c>documents</c> as the wire format's JSON array).
/// </summary>
internal abstract class EventFile : IAsyncDisposable
{
    public static readonly string[] Names = ["ndjson", "parquet"];

    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static EventFileFormat? FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".NDJSON" or ".JSONL" => EventFileFormat.Ndjson,
        ".PARQUET" => EventFileFormat.Parquet,
        _ => null,
    };

    public static async Task<EventFile> CreateAsync(EventFileFormat format, Stream stream, CancellationToken cancellationToken) => format switch
    {
        EventFileFormat.Ndjson => new NdjsonFile(stream),
        _ => new ParquetFile(await ParquetWriter.CreateAsync(ParquetFile.Schema, stream, cancellationToken: cancellationToken)),
    };

    public abstract Task WriteAsync(IReadOnlyList<PlatformEvent> page, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    private sealed class NdjsonFile(Stream stream) : EventFile
    {
        private readonly Utf8JsonWriter _json = new(stream, Json);

        public override async Task WriteAsync(IReadOnlyList<PlatformEvent> page, CancellationToken cancellationToken)
        {
            foreach (var e in page)
            {
                EventWireWriter.Write(_json, e);
                await _json.FlushAsync(cancellationToken);
                stream.WriteByte((byte)'\n');
                _json.Reset(stream);
            }
        }

        public override ValueTask DisposeAsync() => _json.DisposeAsync();
    }

    private sealed class ParquetFile(ParquetWriter writer) : EventFile
    {
        private static readonly (DataField Field, Func<PlatformEvent, object?> Value)[] Columns =
        [
            Text("id", e => e.Id),
            Text("type", e => WireNames.Of(e.Type)),
            (new DataField<DateTime?>("timestamp"), e => e.Timestamp),
            Number("company_id", e => e.CompanyId),
            Number("user_id", e => e.UserId),
            Text("session_id", e => e.SessionId),
            Text("mode", e => e.SessionId is null ? null : WireNames.Of(e.Mode)),
            Text("response_id", e => e.ResponseId),
            Text("model", e => e.Model),
            Number("latency_ms", e => e.LatencyMs),
            Number("input_tokens", e => e.InputTokens),
            Number("output_tokens", e => e.OutputTokens),
            Text("documents", Documents),
            Text("tool_name", e => e.ToolName),
            Text("tool_type", e => e.ToolType is { } type ? WireNames.Of(type) : null),
            Text("status", e => e.ToolStatus is { } status ? WireNames.Of(status) : null),
            Number("duration_ms", e => e.DurationMs),
            Text("kind", e => e.FeedbackKind is { } kind ? WireNames.Of(kind) : null),
            Text("user_name", e => e.UserName),
            Text("email", e => e.Email),
            Text("ip", e => e.Ip),
            Text("user_agent", e => e.UserAgent),
            Text("auth_method", e => e.AuthMethod),
        ];

        public static readonly ParquetSchema Schema = new(Columns.Select(column => column.Field).ToArray());

        public override async Task WriteAsync(IReadOnlyList<PlatformEvent> page, CancellationToken cancellationToken)
        {
            if (page.Count == 0)
            {
                return;
            }

            using var group = writer.CreateRowGroup();
            foreach (var (field, value) in Columns)
            {
                switch (field)
                {
                    case DataField<DateTime?>:
                        await group.WriteAsync<DateTime>(field, page.Select(e => (DateTime?)value(e)).ToArray(), cancellationToken: cancellationToken);
                        break;
                    case DataField<long?>:
                        await group.WriteAsync<long>(field, page.Select(e => (long?)value(e)).ToArray(), cancellationToken: cancellationToken);
                        break;
                    default:
                        await group.WriteAsync(field, page.Select(e => (string?)value(e)).ToArray());
                        break;
                }
            }

            group.CompleteValidate();
        }

        public override ValueTask DisposeAsync() => writer.DisposeAsync();

        private static (DataField, Func<PlatformEvent, object?>) Text(string name, Func<PlatformEvent, string?> value) => (new DataField<string>(name, true), value);

        private static (DataField, Func<PlatformEvent, object?>) Number(string name, Func<PlatformEvent, long?> value) => (new DataField<long?>(name), e => value(e));

        /// <summary>The wire format's documents array, as JSON text; null for an event without.</summary>
        private static string? Documents(PlatformEvent e)
        {
            if (e.Documents.Count == 0)
            {
                return null;
            }

            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, Json))
            {
                EventWireWriter.WriteDocuments(json, e.Documents);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
