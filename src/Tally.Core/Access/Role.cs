namespace Tally.Access;

public enum Role
{
    InstanceAdmin,
    CompanyAdmin,
    Ingest,
}

public static class RoleNames
{
    public static string Of(Role role) => role switch
    {
        Role.InstanceAdmin => "instance_admin",
        Role.CompanyAdmin => "company_admin",
        Role.Ingest => "ingest",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? value, out Role role)
    {
        foreach (var candidate in Enum.GetValues<Role>())
        {
            if (Of(candidate) == value)
            {
                role = candidate;
                return true;
            }
        }

        role = default;
        return false;
    }
}

/// <summary>Who is calling: the key's id (null for the bootstrap admin key), its role and its company.</summary>
public sealed record Caller(long? KeyId, Role Role, long? CompanyId)
{
    public static readonly Caller Bootstrap = new(null, Role.InstanceAdmin, null);

    /// <summary>May this caller send events of this company?</summary>
    public bool MayIngestFor(long companyId) => Role switch
    {
        Role.InstanceAdmin => true,
        Role.Ingest => CompanyId is null || CompanyId == companyId,
        _ => false,
    };
}
