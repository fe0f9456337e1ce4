using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Reports;
using Tally.Server.Endpoints;
using Tally.Server.Http;
using Tally.Storage;

namespace Tally.Fuzz;

/// <summary>
/// The fuzz targets: each takes the bytes a hostile client controls and runs them through Tally's own parsers and
/// validators, as the endpoint does, down to writing the answer. A documented refusal (a 4xx with its JSON body,
/// a <see cref="ValidationException"/>) is a clean result; any other exception escapes and is a crash. Compiled into
/// the SharpFuzz harness (fuzz/Tally.Fuzz) and into the regression tests that replay the committed corpus.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets by name, as <c>fuzz/run.sh</c> and the corpus folders (fuzz/corpus/NAME) call them.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["events"] = Events,
        ["admin-json"] = AdminJson,
        ["report-query"] = ReportQueryString,
    };

    // Input flags, in the first byte of an input (the rest is the body).
    private const byte GzipFlag = 1;
    private const byte NdjsonFlag = 2;
    private const byte ContentTypeLineFlag = 4;
    private const byte ApiKeyFlag = 8;

    private static readonly DateTime ReceivedAt = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    /// <summary>
    /// <c>POST /api/v2/events</c> up to the store: the body reader (gzip framing, size limit) and the event reader and
    /// validator (JSON array or NDJSON), then the refusal's JSON body. First byte: 1 = <c>Content-Encoding: gzip</c>,
    /// 2 = NDJSON, 4 = the Content-Type is the input's first line (else the format's own).
    /// </summary>
    public static void Events(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var flags = input[0];
        var format = (flags & NdjsonFlag) != 0 ? EventBodyFormat.Ndjson : EventBodyFormat.JsonArray;
        var context = Request(input, flags, format == EventBodyFormat.Ndjson ? "application/x-ndjson" : "application/json");
        var (body, failure) = RequestBody.ReadAsync(context.Request, EventBatch.MaxBytes, CancellationToken.None).GetAwaiter().GetResult();
        if (failure is not null)
        {
            Require(failure.Status is StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType,
                $"the body reader refused with {failure.Status}");
            Answer(context, ErrorResponses.Detail(failure.Status, failure.Message));
            return;
        }

        using (body)
        {
            if (RequestBody.EventFormat(context.Request) is not { } named)
            {
                return;
            }

            var batch = EventBodyReader.Read(body!.Memory.Span, named, ReceivedAt);
            if (!batch.IsValid)
            {
                Answer(context, Results.Json(EventEndpoints.InvalidResponse.From(batch, named), ErrorResponses.Json, statusCode: StatusCodes.Status400BadRequest));
                return;
            }

            // What the store is handed: every event's text must be writable (the store and the reports write it out).
            foreach (var e in batch.Events)
            {
                _ = JsonSerializer.SerializeToUtf8Bytes(e, ErrorResponses.Json);
            }
        }
    }

    /// <summary>
    /// The admin JSON bodies: <c>PUT /api/v2/admin/companies/{id}</c> (name, timezone) or, with flag 8,
    /// <c>POST /api/v2/admin/api-keys</c> (name, role, company_id): the body reader, <see cref="JsonBody"/>, the
    /// services' validation and the answer. First byte: 1 = gzip, 4 = the Content-Type is the input's first line.
    /// </summary>
    public static void AdminJson(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var flags = input[0];
        var context = Request(input, flags, "application/json");
        var (body, problem) = JsonBody.ReadAsync(context.Request, CancellationToken.None).GetAwaiter().GetResult();
        if (problem is not null)
        {
            Answer(context, problem);
            return;
        }

        var store = new DiscardingAdminStore();
        try
        {
            if ((flags & ApiKeyFlag) != 0)
            {
                var name = body!.OptionalString("name");
                var role = body.OptionalString("role");
                var companyId = body.OptionalInteger("company_id");
                if (!body.Errors.IsEmpty)
                {
                    Answer(context, ErrorResponses.FieldErrors(body.Errors.ToDictionary()));
                    return;
                }

                var created = new AccessService(store, TimeProvider.System, bootstrapAdminKey: null)
                    .CreateKeyAsync(name, role, companyId, CancellationToken.None).GetAwaiter().GetResult();
                Answer(context, Results.Json(new AdminEndpoints.CreatedKeyResponse(created.Key.Id, created.Secret, created.Key.Name,
                    RoleNames.Of(created.Key.Role), created.Key.CompanyId, created.Key.CreatedAt), ErrorResponses.Json, statusCode: StatusCodes.Status201Created));
            }
            else
            {
                var change = new CompanyChange(body!.OptionalString("name"), body.OptionalString("timezone"));
                if (!body.Errors.IsEmpty)
                {
                    Answer(context, ErrorResponses.FieldErrors(body.Errors.ToDictionary()));
                    return;
                }

                var (company, _) = new CompanyService(store, TimeProvider.System).SetAsync(7, change, CancellationToken.None).GetAwaiter().GetResult();
                Answer(context, Results.Json(AdminEndpoints.CompanyResponse.From(company), ErrorResponses.Json));
            }
        }
        catch (ValidationException exception)
        {
            Answer(context, ErrorResponses.FieldErrors(exception.Errors.ToDictionary()));
        }
    }

    /// <summary>
    /// A report's query string (the input, read as the bytes of the request target after <c>?</c>) parsed for each of
    /// the seven reports, and the connections report's cursor decoded against it; a refusal is the field map of
    /// <see cref="ValidationException"/>, written as the server writes it.
    /// </summary>
    public static void ReportQueryString(byte[] input)
    {
        var text = Encoding.Latin1.GetString(input);
        var queryString = new QueryString("?" + (text.StartsWith('?') ? text[1..] : text));
        foreach (var kind in Enum.GetValues<ReportKind>())
        {
            var context = new DefaultHttpContext { RequestServices = Services };
            context.Response.Body = new MemoryStream();
            try
            {
                var query = ReportEndpoints.ParseQuery(kind, queryString);
                if (query.Cursor is { } cursor)
                {
                    _ = ConnectionCursor.Decode(cursor, query.CompanyId ?? 1, query);
                }
            }
            catch (ValidationException exception)
            {
                Answer(context, ErrorResponses.FieldErrors(exception.Errors.ToDictionary()));
            }
        }
    }

    /// <summary>A request with the input's body and headers as its flags say.</summary>
    private static DefaultHttpContext Request(byte[] input, byte flags, string contentType)
    {
        var body = input.AsMemory(1);
        if ((flags & ContentTypeLineFlag) != 0)
        {
            var end = body.Span.IndexOf((byte)'\n');
            contentType = Encoding.Latin1.GetString(end < 0 ? body.Span : body.Span[..end]);
            body = end < 0 ? Memory<byte>.Empty : body[(end + 1)..];
        }

        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = contentType;
        context.Request.ContentLength = body.Length;
        if ((flags & GzipFlag) != 0)
        {
            context.Request.Headers.ContentEncoding = "gzip";
        }

        context.Request.Body = new MemoryStream(body.ToArray(), writable: false);
        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Writes the answer as the server would; a refusal must be a 4xx with a JSON object body.</summary>
    private static void Answer(DefaultHttpContext context, IResult result)
    {
        result.ExecuteAsync(context).GetAwaiter().GetResult();
        var status = context.Response.StatusCode;
        Require(status is >= 200 and < 500, $"answered {status}");
        var written = ((MemoryStream)context.Response.Body).ToArray();
        using var document = JsonDocument.Parse(written);
        Require(status < 400 || document.RootElement.ValueKind == JsonValueKind.Object, $"a {status} whose body is not a JSON object");
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzFailureException(what);
        }
    }

    /// <summary>
    /// The admin services' store, reduced to handing back what it was given: the services validate before they
    /// store, and what is fuzzed here is that validation and the answer, not the database.
    /// </summary>
    private sealed class DiscardingAdminStore : ICompanyStore, IApiKeyStore
    {
        public Task<Company?> FindCompanyAsync(long id, CancellationToken cancellationToken) => Task.FromResult<Company?>(null);

        public Task<IReadOnlyList<Company>> ListCompaniesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Company>>([]);

        public Task<(Company Company, bool Created)> UpsertCompanyAsync(long id, CompanyChange change, DateTime now, CancellationToken cancellationToken) =>
            Task.FromResult((new Company(id, change.Name ?? Company.DefaultName(id), change.TimeZone ?? Company.DefaultTimeZone, now), true));

        public Task<ApiKey> CreateApiKeyAsync(NewApiKey key, CancellationToken cancellationToken) =>
            Task.FromResult(new ApiKey(1, key.Name, key.Role, key.CompanyId, key.CreatedAt, null, null));

        public Task<(ApiKey Key, byte[] SecretHash)?> FindApiKeyAsync(byte[] secretHash, CancellationToken cancellationToken) =>
            Task.FromResult<(ApiKey, byte[])?>(null);

        public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ApiKey>>([]);

        public Task<bool> RevokeApiKeyAsync(long id, DateTime now, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task RecordApiKeyUseAsync(IReadOnlyDictionary<long, DateTime> lastUsed, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> HasActiveInstanceAdminKeyAsync(CancellationToken cancellationToken) => Task.FromResult(false);
    }
}

/// <summary>A target broke a rule of its own (an answer that is not a documented refusal): a crash for the fuzzer.</summary>
public sealed class FuzzFailureException(string message) : Exception(message);
