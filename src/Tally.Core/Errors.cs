namespace Tally;

/// <summary>
/// Problems with a request's parameters or body, by field, in the style of the Paradigm API
/// (<c>{"start_date": ["This field is required."]}</c>): every bad field is listed at once.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public bool Has(string field) => _errors.ContainsKey(field);

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

/// <summary>The caller may not do this (403).</summary>
public sealed class ForbiddenException() : Exception("You do not have permission to perform this action.");

/// <summary>What the request names does not exist (404).</summary>
public sealed class NotFoundException() : Exception("Not found.");
