namespace Tally;

/// <summary>
/// Problems with a request's parameters or body, by field, in the style of the Paradigm API
/// (<c>{"start_date": ["This field is required."]}</c>): every bad field is listed at once.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>Thrown by core services when input breaks a rule; the host turns it into a 400 field map.</summary>
public sealed class ValidationException(ValidationErrors errors) : Exception("The request is invalid.")
{
    public ValidationErrors Errors { get; } = errors;
}
