namespace Tally.Storage;

/// <summary>A copy was asked to go into a store that already holds a company, a key or an event; nothing was written.</summary>
public sealed class TargetNotEmptyException : Exception
{
    public TargetNotEmptyException()
        : base("The target store is not empty (it holds a company, an API key or an event): copy only into an empty store.")
    {
    }

    public TargetNotEmptyException(string message)
        : base(message)
    {
    }

    public TargetNotEmptyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
