using System.Net.Sockets;
using System.Text;

namespace Tally.Server.Tests;

/// <summary>
/// Sends a request as raw bytes on a socket, for what HttpClient will not send (bytes above 0x7F in a header, a
/// malformed chunked body), and reads the answer until the server closes or the body is complete.
/// </summary>
public static class RawHttp
{
    /// <summary>The answer; status 0 when the server closed the connection without one.</summary>
    public sealed record Answer(int Status, string Head, string Body);

    /// <summary>Sends <paramref name="request"/>; <paramref name="endSending"/> closes our side after it (the request ends there).</summary>
    public static async Task<Answer> SendAsync(Uri server, byte[] request, bool endSending = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        if (endSending)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        using var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException) when (endSending)
        {
            // The server may reset a connection whose request it could not finish reading.
        }

        var text = Encoding.Latin1.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return text.Length == 0
            ? new Answer(0, "", "")
            : new Answer(int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, body);
    }

    /// <summary>A request with the given request line, headers and body (Host and Connection: close added).</summary>
    public static byte[] Request(string requestLine, IEnumerable<byte[]> headers, byte[]? body = null)
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: localhost\r\nConnection: close\r\n"));
        foreach (var header in headers)
        {
            bytes.AddRange(header);
            bytes.AddRange("\r\n"u8.ToArray());
        }

        bytes.AddRange("\r\n"u8.ToArray());
        bytes.AddRange(body ?? []);
        return [.. bytes];
    }

    private static string Unchunk(string chunked)
    {
        var body = new StringBuilder();
        var rest = chunked;
        while (rest.Length > 0)
        {
            var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
            var size = Convert.ToInt32(rest[..lineEnd], 16);
            if (size == 0)
            {
                break;
            }

            body.Append(rest.AsSpan(lineEnd + 2, size));
            rest = rest[(lineEnd + 2 + size + 2)..];
        }

        return body.ToString();
    }
}
