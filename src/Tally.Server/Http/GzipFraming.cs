using System.Buffers.Binary;
using System.IO.Hashing;

namespace Tally.Server.Http;

/// <summary>
/// Stands between a gzip request body and the inflater, and tells afterwards whether the body was whole.
/// .NET's <see cref="System.IO.Compression.GZipStream"/> treats a stream that ends early (mid-data, or before its
/// CRC and size trailer) as a shorter stream, and a body shorter than a header as an empty one; it only checks the
/// trailer of a member it saw end. So the compressed bytes are counted on their way through, the last eight are
/// kept, and <see cref="IsComplete"/> requires them to be the trailer of what was inflated: the CRC-32 and length of
/// the last member's data. A cut body ends in compressed data instead, whose bytes match that pair only by a
/// 1-in-2^64 chance.
/// </summary>
internal sealed class GzipFraming(Stream compressed) : Stream
{
    // A member is at least a 10-byte header, 2 bytes of deflate data (an empty final block) and the 8-byte trailer.
    private const int SmallestMember = 20;
    private const int TrailerLength = 8;

    // The last eight bytes read, oldest first.
    private readonly byte[] _tail = new byte[TrailerLength];
    private long _count;

    /// <summary>True when the bytes read so far are whole gzip data whose inflated form is <paramref name="inflated"/>.</summary>
    public bool IsComplete(ReadOnlySpan<byte> inflated)
    {
        if (_count < SmallestMember)
        {
            return false;
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(_tail);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(_tail.AsSpan(4));
        // Bodies are limited far below 4 GiB, so the size (kept modulo 2^32 by gzip) is exact.
        return size <= inflated.Length && Crc32.HashToUInt32(inflated[^(int)size..]) == crc;
    }

    /// <summary>Reads what the inflater left unread (bytes after the last member), at most <paramref name="limit"/>; false past it.</summary>
    public async Task<bool> DrainAsync(int limit, CancellationToken cancellationToken)
    {
        var scratch = new byte[4096];
        var drained = 0;
        int read;
        while ((read = await ReadAsync(scratch, cancellationToken)) > 0)
        {
            drained += read;
            if (drained > limit)
            {
                return false;
            }
        }

        return true;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await compressed.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = compressed.Read(buffer, offset, count);
        Observe(buffer.AsSpan(offset, read));
        return read;
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= TrailerLength)
        {
            bytes[^TrailerLength..].CopyTo(_tail);
        }
        else
        {
            _tail.AsSpan(bytes.Length).CopyTo(_tail);
            bytes.CopyTo(_tail.AsSpan(TrailerLength - bytes.Length));
        }

        _count += bytes.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
