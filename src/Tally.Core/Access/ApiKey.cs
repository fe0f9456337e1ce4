using System.Security.Cryptography;
using System.Text;

namespace Tally.Access;

/// <summary>A stored API key, without its secret.</summary>
public sealed record ApiKey(
    long Id,
    string Name,
    Role Role,
    long? CompanyId,
    DateTime CreatedAt,
    DateTime? RevokedAt,
    DateTime? LastUsedAt);

/// <summary>A key as first created: the only time its secret exists outside the caller's hands.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>A key to store: its description and the hash of its secret.</summary>
public sealed record NewApiKey(string Name, Role Role, long? CompanyId, byte[] SecretHash, DateTime CreatedAt);

/// <summary>
/// Makes and hashes key secrets. 256 random bits make a plain SHA-256 the right hash: nothing to brute-force,
/// and a slow password hash would cap request throughput.
/// </summary>
public static class ApiKeySecrets
{
    public const string Prefix = "tally_";

    public static string NewSecret() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
