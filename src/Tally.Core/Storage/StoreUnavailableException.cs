namespace Tally.Storage;

/// <summary>
/// The store cannot be used, for a reason its operator can act on: a malformed location, a server that does not
/// answer, a schema newer than this Tally, a folder another process holds. The message is one line meant for them;
/// commands print it as it is, never with a stack trace.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StoreUnavailableException()
    {
    }
}
