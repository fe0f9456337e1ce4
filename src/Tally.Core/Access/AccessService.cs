using System.Collections.Concurrent;
using System.Security.Cryptography;
using Tally.Storage;

namespace Tally.Access;

/// <summary>
/// Authenticates bearer keys and manages stored keys. Keys are looked up by the SHA-256 of the presented
/// secret and the hashes compared in constant time; the bootstrap key (TALLY_ADMIN_KEY) is never stored.
/// </summary>
public sealed class AccessService(IApiKeyStore store, TimeProvider time, string? bootstrapAdminKey)
{
    public const int MaxNameLength = 1024;

    private readonly byte[]? _bootstrapHash = string.IsNullOrEmpty(bootstrapAdminKey) ? null : ApiKeySecrets.Hash(bootstrapAdminKey);

    // Last use is kept in memory and written in the background: a write per request would cost more than the request.
    private readonly ConcurrentDictionary<long, DateTime> _pendingUse = new();

    public bool HasBootstrapKey => _bootstrapHash is not null;

    /// <summary>The caller a presented secret stands for; null when it is unknown, revoked or malformed.</summary>
    public async Task<Caller?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        if (secret.Length is 0 or > 256)
        {
            return null;
        }

        var hash = ApiKeySecrets.Hash(secret);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return Caller.Bootstrap;
        }

        var found = await store.FindApiKeyAsync(hash, cancellationToken);
        if (found is not { } stored || !CryptographicOperations.FixedTimeEquals(hash, stored.SecretHash) || stored.Key.RevokedAt is not null)
        {
            return null;
        }

        _pendingUse[stored.Key.Id] = time.GetUtcNow().UtcDateTime;
        return new Caller(stored.Key.Id, stored.Key.Role, stored.Key.CompanyId);
    }

    /// <summary>Creates a key; throws <see cref="ValidationException"/> listing every bad field.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(string? name, string? role, long? companyId, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("name", name is null ? "This field is required." : "This field may not be blank.");
        }
        else if (name.EnumerateRunes().Count() > MaxNameLength)
        {
            errors.Add("name", $"Ensure this field has no more than {MaxNameLength} characters.");
        }

        if (!RoleNames.TryParse(role, out var parsedRole))
        {
            errors.Add("role", role is null
                ? "This field is required."
                : $"\"{role}\" is not a valid choice: instance_admin, company_admin or ingest.");
        }
        else if (parsedRole == Role.CompanyAdmin && companyId is null)
        {
            errors.Add("company_id", "A company_admin key requires company_id.");
        }
        else if (parsedRole == Role.InstanceAdmin && companyId is not null)
        {
            errors.Add("company_id", "An instance_admin key may not have a company_id.");
        }

        if (companyId is < 1 or > Events.PlatformEvent.MaxIdentifier)
        {
            errors.Add("company_id", $"A company id is an integer between 1 and {Events.PlatformEvent.MaxIdentifier}.");
        }

        if (!errors.IsEmpty)
        {
            throw new ValidationException(errors);
        }

        return await CreateAsync(name!, parsedRole, companyId, cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        await FlushUseAsync(cancellationToken);
        return await store.ListApiKeysAsync(cancellationToken);
    }

    /// <summary>Revokes a key; false when no key with this id was ever issued.</summary>
    public Task<bool> RevokeKeyAsync(long id, CancellationToken cancellationToken) =>
        store.RevokeApiKeyAsync(id, time.GetUtcNow().UtcDateTime, cancellationToken);

    /// <summary>
    /// With no bootstrap key configured and no instance-admin key stored, creates one so the operator can get in;
    /// returns its secret (to print once), or null when nothing was needed.
    /// </summary>
    public async Task<CreatedApiKey?> EnsureAdminKeyAsync(CancellationToken cancellationToken)
    {
        if (HasBootstrapKey || await store.HasActiveInstanceAdminKeyAsync(cancellationToken))
        {
            return null;
        }

        return await CreateAsync("initial admin key", Role.InstanceAdmin, null, cancellationToken);
    }

    /// <summary>Writes the last-use times gathered since the previous flush.</summary>
    public async Task FlushUseAsync(CancellationToken cancellationToken)
    {
        if (_pendingUse.IsEmpty)
        {
            return;
        }

        var snapshot = new Dictionary<long, DateTime>();
        foreach (var (id, _) in _pendingUse)
        {
            if (_pendingUse.TryRemove(id, out var used))
            {
                snapshot[id] = used;
            }
        }

        await store.RecordApiKeyUseAsync(snapshot, cancellationToken);
    }

    private async Task<CreatedApiKey> CreateAsync(string name, Role role, long? companyId, CancellationToken cancellationToken)
    {
        var secret = ApiKeySecrets.NewSecret();
        var key = await store.CreateApiKeyAsync(
            new NewApiKey(name, role, companyId, ApiKeySecrets.Hash(secret), time.GetUtcNow().UtcDateTime), cancellationToken);
        return new CreatedApiKey(key, secret);
    }
}
