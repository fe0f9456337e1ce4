namespace Tally.Events;

/// <summary>
/// One problem found in a request body: which event (0-based <see cref="Index"/>, and for NDJSON the
/// 1-based <see cref="Line"/>), its id when usable, the field path, and what is wrong.
/// A problem with the body as a whole has a null index.
/// </summary>
public sealed record EventError(int? Index, int? Line, string? Id, string? Field, string Message);

/// <summary>How the events of a request body are laid out.</summary>
public enum EventBodyFormat
{
    JsonArray,
    Ndjson,
}

/// <summary>What reading a request body gave: the valid events, or every problem found.</summary>
public sealed class EventBatch
{
    public const int MaxEvents = 10_000;
    public const int MaxBytes = 16 * 1024 * 1024;
    public const int MaxReportedErrors = 1_000;

    private readonly List<EventError> _errors = [];

    public List<PlatformEvent> Events { get; } = [];

    /// <summary>Companies named by a valid <c>company_id</c>, in valid and invalid events alike.</summary>
    public HashSet<long> NamedCompanies { get; } = [];

    /// <summary>The first <see cref="MaxReportedErrors"/> problems.</summary>
    public IReadOnlyList<EventError> Errors => _errors;

    /// <summary>How many problems there were in all.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>How many events had at least one problem.</summary>
    public int InvalidEventCount { get; private set; }

    /// <summary>Objects (or lines) seen in the body, valid or not.</summary>
    public int EventCount { get; internal set; }

    /// <summary>True when the body held more than <see cref="MaxEvents"/> events; reading stopped there.</summary>
    public bool TooManyEvents { get; internal set; }

    public bool IsValid => ErrorCount == 0 && !TooManyEvents;

    internal void AddError(EventError error)
    {
        ErrorCount++;
        if (_errors.Count < MaxReportedErrors)
        {
            _errors.Add(error);
        }
    }

    internal void CountInvalidEvent() => InvalidEventCount++;

    /// <summary>The summary sentence of a rejection, as the 400 body's <c>detail</c>.</summary>
    public string Describe()
    {
        var events = InvalidEventCount == 1 ? "1 invalid event" : $"{InvalidEventCount} invalid events";
        var summary = InvalidEventCount == 0 ? "The request body is invalid" : events;
        var shown = ErrorCount > _errors.Count ? $" ({ErrorCount} problems, the first {_errors.Count} listed)" : "";
        return $"{summary}{shown}; nothing was stored";
    }
}
