using System.Net;

namespace Tally.Client;

/// <summary>An error answer from a Tally (or Paradigm) server, carrying the server's own message.</summary>
public sealed class TallyApiException : Exception
{
    /// <summary>Creates the exception for a response status and the server's message.</summary>
    public TallyApiException(HttpStatusCode status, string message, string? path = null)
        : base(message)
    {
        Status = status;
        Path = path;
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The path that was asked for, relative to the API base (for example <c>reporting/tools/</c>).</summary>
    public string? Path { get; }
}
