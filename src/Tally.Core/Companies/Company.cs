namespace Tally.Companies;

/// <summary>A company of the platform: its display name and the IANA time zone its days are counted in.</summary>
public sealed record Company(long Id, string Name, string TimeZone, DateTime CreatedAt)
{
    public const string DefaultTimeZone = "UTC";

    public static string DefaultName(long id) => $"Company {id}";
}

/// <summary>A change to a company; a null field is left as it is.</summary>
public sealed record CompanyChange(string? Name, string? TimeZone);
