using System.Globalization;
using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Ingestion;
using Tally.Server.Http;
using Tally.Storage;

namespace Tally.Server.Endpoints;

/// <summary>The instance administrator's endpoints: companies, API keys, ingestion health, backups.</summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/v2/admin").RequireRole(Role.InstanceAdmin).WithTags("Admin");
        const string BodyTooLarge = "A body over 64 KiB (after decompression).";
        const string OtherMediaType = "A content type other than application/json, or a content encoding other than gzip.";

        admin.MapPut("/companies/{id}", SetCompanyAsync)
            .WithSummary("Create or update a company (name, IANA time zone)")
            .WithDescription("Both fields are optional: an absent one is left as it is (an empty body is an empty object). A time-zone change applies to all of the company's history at once.")
            .WithParameters(ApiParameter.Path("id", "The company's id, 1 to 2^53.", ApiDescription.IntegerSchema(1, PlatformEvent.MaxIdentifier), "2"))
            .WithRequestBody<CompanyRequest>("application/json", required: false)
            .WithRequestExample("application/json", """{"name": "Acme", "timezone": "Europe/Paris"}""")
            .Produces<CompanyResponse>(StatusCodes.Status200OK)
            .Produces<CompanyResponse>(StatusCodes.Status201Created)
            .Refuses(StatusCodes.Status400BadRequest, "A bad id, name or timezone (every one listed), or a body that is not a JSON object (not JSON, invalid gzip, invalid Unicode).", ErrorBody.FieldsOrDetail)
            .Refuses(StatusCodes.Status413PayloadTooLarge, BodyTooLarge)
            .Refuses(StatusCodes.Status415UnsupportedMediaType, OtherMediaType);
        admin.MapGet("/companies", async (CompanyService companies, CancellationToken cancellationToken) =>
            Results.Json((await companies.ListAsync(cancellationToken)).Select(CompanyResponse.From), ErrorResponses.Json))
            .WithSummary("List companies by id")
            .Produces<IReadOnlyList<CompanyResponse>>();

        admin.MapPost("/api-keys", CreateKeyAsync)
            .WithSummary("Create an API key; its secret is shown only in this response")
            .WithDescription("role is instance_admin, company_admin or ingest: company_admin requires company_id, instance_admin forbids it, ingest may have one (a key bound to that company).")
            .WithRequestBody<KeyRequest>("application/json")
            .WithRequestExample("application/json", """{"name": "platform", "role": "ingest", "company_id": 2}""")
            .Produces<CreatedKeyResponse>(StatusCodes.Status201Created)
            .Refuses(StatusCodes.Status400BadRequest, "A bad name, role or company_id (every one listed), or a body that is not a JSON object (not JSON, invalid gzip, invalid Unicode).", ErrorBody.FieldsOrDetail)
            .Refuses(StatusCodes.Status413PayloadTooLarge, BodyTooLarge)
            .Refuses(StatusCodes.Status415UnsupportedMediaType, OtherMediaType);
        admin.MapGet("/api-keys", async (AccessService access, CancellationToken cancellationToken) =>
            Results.Json((await access.ListKeysAsync(cancellationToken)).Select(ApiKeyResponse.From), ErrorResponses.Json))
            .WithSummary("List API keys (never their secrets), revoked ones included")
            .Produces<IReadOnlyList<ApiKeyResponse>>();
        admin.MapDelete("/api-keys/{id}", RevokeKeyAsync)
            .WithSummary("Revoke an API key, at once")
            .WithDescription("204 also when the key was already revoked.")
            .WithParameters(ApiParameter.Path("id", "The key's id, as listed.", ApiDescription.IntegerSchema(1, long.MaxValue), "1"))
            .Produces(StatusCodes.Status204NoContent)
            .Refuses(StatusCodes.Status404NotFound, "No key was ever issued with this id.");

        admin.MapGet("/ingestion-stats", IngestionStatsAsync)
            .WithSummary("Per company: stored events by type, duplicates, rejected requests, last accepted request")
            .WithParameters(ApiParameter.Query("company_id", "Only this company (default: every company, by id).", ApiDescription.IntegerSchema(1, PlatformEvent.MaxIdentifier), "2"))
            .Produces<IReadOnlyList<IngestionStatsResponse>>()
            .Refuses(StatusCodes.Status400BadRequest, "company_id is not an integer of at least 1, or is given twice.", ErrorBody.Fields)
            .Refuses(StatusCodes.Status404NotFound, "No company has this company_id.");

        admin.MapPost("/backup", BackupAsync)
            .WithSummary("A consistent copy of the embedded store, as one DuckDB file")
            .WithDescription("Taken between two group commits: every event acknowledged before the request is in it, no commit in part. Ingestion waits while the store's files are copied on the server's disk (requests queue, none is refused), then the copy is made one file and streamed. Restore it with tally restore. The server needs free space for one copy beside the store.")
            .Produces(StatusCodes.Status200OK)
            .AlsoAnswers(StatusCodes.Status200OK, BackupMediaType, ApiDescription.TextSchema("binary"))
            .WithResponseHeader(StatusCodes.Status200OK, "Content-Disposition", "attachment; filename=\"tally-<UTC time>.duckdb\"")
            .Refuses(StatusCodes.Status409Conflict, "The store is a PostgreSQL database: back it up with pg_dump.");
        return routes;
    }

    private static async Task<IResult> SetCompanyAsync(string id, HttpContext context, CompanyService companies)
    {
        var (body, problem) = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var change = new CompanyChange(body!.OptionalString("name"), body.OptionalString("timezone"));
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var companyId))
        {
            body.Errors.Add("id", "A company id is a positive integer.");
        }

        if (!body.Errors.IsEmpty)
        {
            return ErrorResponses.FieldErrors(body.Errors.ToDictionary());
        }

        var (company, created) = await companies.SetAsync(companyId, change, context.RequestAborted);
        return Results.Json(CompanyResponse.From(company), ErrorResponses.Json, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> CreateKeyAsync(HttpContext context, AccessService access)
    {
        var (body, problem) = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var name = body!.OptionalString("name");
        var role = body.OptionalString("role");
        var companyId = body.OptionalInteger("company_id");
        if (!body.Errors.IsEmpty)
        {
            return ErrorResponses.FieldErrors(body.Errors.ToDictionary());
        }

        var created = await access.CreateKeyAsync(name, role, companyId, context.RequestAborted);
        var key = created.Key;
        return Results.Json(new CreatedKeyResponse(key.Id, created.Secret, key.Name, RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt),
            ErrorResponses.Json, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeKeyAsync(string id, AccessService access, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var keyId))
        {
            return ErrorResponses.Detail(StatusCodes.Status404NotFound, ErrorResponses.NotFound);
        }

        return await access.RevokeKeyAsync(keyId, cancellationToken)
            ? Results.NoContent()
            : ErrorResponses.Detail(StatusCodes.Status404NotFound, ErrorResponses.NotFound);
    }

    private static async Task<IResult> IngestionStatsAsync(HttpContext context, IngestionService ingestion)
    {
        var query = context.Request.Query;
        long? companyId = null;
        if (query.TryGetValue("company_id", out var values))
        {
            if (values.Count != 1 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                return ErrorResponses.FieldError("company_id", values.Count > 1 ? "This parameter may be given only once." : "A valid integer ≥ 1 is required.");
            }

            companyId = id;
        }

        var stats = await ingestion.GetStatsAsync(companyId, context.RequestAborted);
        return stats is null
            ? ErrorResponses.Detail(StatusCodes.Status404NotFound, ErrorResponses.NotFound)
            : Results.Json(stats.Select(IngestionStatsResponse.From), ErrorResponses.Json);
    }

    private const string BackupMediaType = "application/octet-stream";

    private static async Task<IResult> BackupAsync(ITallyStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (store is not IStoreSnapshots snapshots)
        {
            return ErrorResponses.Detail(StatusCodes.Status409Conflict, "This server's store is a PostgreSQL database: back it up with pg_dump.");
        }

        var taken = time.GetUtcNow();
        var snapshot = await snapshots.OpenSnapshotAsync(cancellationToken);
        // The result disposes the stream once sent, which deletes the copy.
        return Results.File(snapshot, BackupMediaType, $"tally-{taken:yyyyMMdd'T'HHmmss'Z'}.duckdb");
    }

    // The request bodies, for the OpenAPI document only: the endpoints read the bytes themselves (JsonBody).

    /// <summary>A company's changes: an absent or null field is left as it is.</summary>
    public sealed record CompanyRequest(string? Name, string? Timezone);

    /// <summary>A key to create: its name, role (instance_admin, company_admin or ingest) and company.</summary>
    public sealed record KeyRequest(string Name, string Role, long? CompanyId);

    public sealed record CompanyResponse(long Id, string Name, string Timezone, DateTime CreatedAt)
    {
        public static CompanyResponse From(Company company) => new(company.Id, company.Name, company.TimeZone, company.CreatedAt);
    }

    public sealed record CreatedKeyResponse(long Id, string Key, string Name, string Role, long? CompanyId, DateTime CreatedAt);

    public sealed record ApiKeyResponse(long Id, string Name, string Role, long? CompanyId, DateTime CreatedAt, DateTime? RevokedAt, DateTime? LastUsedAt)
    {
        public static ApiKeyResponse From(ApiKey key) =>
            new(key.Id, key.Name, RoleNames.Of(key.Role), key.CompanyId, key.CreatedAt, key.RevokedAt, key.LastUsedAt);
    }

    public sealed record IngestionStatsResponse(
        long CompanyId,
        long StoredEvents,
        IReadOnlyDictionary<string, long> StoredEventsByType,
        long DuplicatesReceived,
        long RequestsRejected,
        DateTime? LastAcceptedRequestAt)
    {
        public static IngestionStatsResponse From(IngestionStats stats) => new(stats.CompanyId, stats.StoredEvents,
            stats.StoredEventsByType, stats.DuplicatesReceived, stats.RequestsRejected, stats.LastAcceptedRequestAt);
    }
}
