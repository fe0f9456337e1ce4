using Tally.Events;
using Tally.Storage;

namespace Tally.Companies;

/// <summary>Validates and applies changes to companies.</summary>
public sealed class CompanyService(ICompanyStore store, TimeProvider time)
{
    public const int MaxNameLength = 1024;

    public Task<IReadOnlyList<Company>> ListAsync(CancellationToken cancellationToken) =>
        store.ListCompaniesAsync(cancellationToken);

    /// <summary>Creates or updates a company; throws <see cref="ValidationException"/> listing every bad field.</summary>
    public Task<(Company Company, bool Created)> SetAsync(long id, CompanyChange change, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (id is < 1 or > PlatformEvent.MaxIdentifier)
        {
            errors.Add("id", $"A company id is an integer between 1 and {PlatformEvent.MaxIdentifier}.");
        }

        if (change.Name is { } name)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add("name", "This field may not be blank.");
            }
            else if (name.EnumerateRunes().Count() > MaxNameLength)
            {
                errors.Add("name", $"Ensure this field has no more than {MaxNameLength} characters.");
            }
        }

        if (change.TimeZone is { } zone && !TimeZoneNames.TryFind(zone, out _))
        {
            errors.Add("timezone", $"'{zone}' is not an IANA time zone name (such as Europe/Paris or America/New_York); names are case-sensitive, Windows ids and abbreviations are not accepted.");
        }

        if (!errors.IsEmpty)
        {
            throw new ValidationException(errors);
        }

        return store.UpsertCompanyAsync(id, change, time.GetUtcNow().UtcDateTime, cancellationToken);
    }
}
