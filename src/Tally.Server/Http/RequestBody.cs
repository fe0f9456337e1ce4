using System.Buffers;
using System.IO.Compression;
using Microsoft.Net.Http.Headers;
using Tally.Events;

namespace Tally.Server.Http;

/// <summary>A request body read whole into a pooled buffer, at most its endpoint's limit after decompression (16 MiB for events, 64 KiB for admin bodies).</summary>
public sealed class RequestBody : IDisposable
{
    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>Why the body could not be read, as the status and message to answer with; null when it was.</summary>
    public sealed record Failure(int Status, string Message);

    private static readonly Failure InvalidGzip = new(StatusCodes.Status400BadRequest,
        "The body is not valid gzip data: it is cut short, corrupt or followed by other bytes; nothing of it was read.");

    /// <summary>
    /// Reads the body whole, inflating <c>Content-Encoding: gzip</c>, and checks that a gzip body was complete (its
    /// last member's CRC and size trailer match what was inflated) before anything judges its content: a body cut
    /// short is refused, never read as a shorter one. Stops as soon as the limit is passed, so an oversized or
    /// decompression-bomb body costs at most the limit in memory.
    /// </summary>
    public static async Task<(RequestBody? Body, Failure? Failure)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var tooLarge = new Failure(StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than {limit:N0} bytes (after decompression); send fewer events per request.");
        if (request.ContentLength > limit && !IsGzip(request))
        {
            return (null, tooLarge);
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !IsGzip(request) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new Failure(StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported; use gzip or none."));
        }

        var framing = IsGzip(request) ? new GzipFraming(request.Body) : null;
        var source = framing is null ? request.Body : new GZipStream(framing, CompressionMode.Decompress, leaveOpen: true);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 1024, limit + 1));
        var length = 0;
        var complete = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        return (null, tooLarge);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    return (null, tooLarge);
                }
            }

            if (framing is not null && (!await framing.DrainAsync(limit, cancellationToken) || !framing.IsComplete(buffer.AsSpan(0, length))))
            {
                return (null, InvalidGzip);
            }

            complete = true;
        }
        catch (InvalidDataException)
        {
            return (null, InvalidGzip);
        }
        finally
        {
            if (framing is not null)
            {
                await source.DisposeAsync();
            }

            if (!complete)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return (new RequestBody(buffer, length), null);
    }

    /// <summary>The event layout a Content-Type names; null for any other type.</summary>
    public static EventBodyFormat? EventFormat(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return null;
        }

        return mediaType.MediaType.Value?.ToUpperInvariant() switch
        {
            "APPLICATION/JSON" => EventBodyFormat.JsonArray,
            "APPLICATION/X-NDJSON" or "APPLICATION/JSONL" => EventBodyFormat.Ndjson,
            _ => null,
        };
    }

    private static bool IsGzip(HttpRequest request) =>
        request.Headers.ContentEncoding.ToString().Equals("gzip", StringComparison.OrdinalIgnoreCase);

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
