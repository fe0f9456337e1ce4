using System.Net;

namespace Tally.Client;

/// <summary>An error answer from a Tally (or Paradigm) server, with the server's own message.</summary>
public sealed class TallyApiException : Exception
{
    /// <summary>Creates the exception for a response status and the server's message.</summary>
    public TallyApiException(HttpStatusCode status, string message)
        : base(message) => Status = status;

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode Status { get; }
}
