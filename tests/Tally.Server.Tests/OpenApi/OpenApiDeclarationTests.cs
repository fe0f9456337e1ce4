using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tally.Access;

namespace Tally.Server.Tests.OpenApi;

/// <summary>
/// Every route of the OpenAPI document declares what it truly answers. Each operation is probed on a real server:
/// without a key; with a bad key until the failed-authentication limit answers; with the keys of other roles and of
/// another company; with every parameter invalid, with unknown ids (and model names), without its required parameters; with a body of
/// another type, over the size limit or malformed; then with its own examples (and each other value of its
/// enumerated parameters). Every status seen must be declared for that operation, with a body that matches the
/// declared schema of its content type; every declared status but 500 and 503 (a failing store; MetricsTests stops one) and the backup's 409 (a PostgreSQL store) must be seen; and each declares a 2xx.
/// </summary>
public sealed class OpenApiDeclarationTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private int _probedOperations;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(options => options with { FailedAuthentications = new RateLimit(1, 1) });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private sealed record Operation(string Method, string Path, JsonElement Spec)
    {
        public override string ToString() => $"{Method} {Path}";

        public IEnumerable<JsonElement> Parameters =>
            Spec.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : [];

        public JsonElement? JsonBodyExample =>
            Spec.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json)
                ? json.GetProperty("example") : null;
    }

    private sealed record Answer(string Probe, int Status, string? MediaType, string Body);

    [Fact]
    public async Task Every_route_declares_a_success_and_each_refusal_it_answers_with_its_json_body()
    {
        var document = JsonDocument.Parse(await OpenApiSnapshotTests.ServedAsync(_server)).RootElement;
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(method => new Operation(method.Name.ToUpperInvariant(), path.Name, method.Value)))
            .ToList();
        operations.Count.ShouldBeGreaterThanOrEqualTo(15);

        var otherKeys = new Dictionary<string, string>
        {
            ["an unbound ingest key"] = await _server.CreateKeyAsync(Role.Ingest),
            ["a company admin of company 3"] = await _server.CreateKeyAsync(Role.CompanyAdmin, companyId: 3),
            ["an ingest key bound to company 3"] = await _server.CreateKeyAsync(Role.Ingest, companyId: 3),
        };
        var answers = operations.ToDictionary(operation => operation, _ => new List<Answer>());

        foreach (var operation in operations)
        {
            await RefusalProbesAsync(operation, otherKeys, answers[operation]);
        }

        // Creations before reads, revocations last: the examples build on one another (a company, then its events).
        foreach (var operation in operations.OrderBy(operation => Array.IndexOf(["PUT", "POST", "GET", "DELETE"], operation.Method)))
        {
            await SuccessProbesAsync(operation, answers[operation]);
        }

        var problems = new List<string>();
        foreach (var (operation, seen) in answers)
        {
            var responses = operation.Spec.GetProperty("responses");
            var declared = responses.EnumerateObject().Select(response => int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (!declared.Any(status => status is >= 200 and < 300))
            {
                problems.Add($"{operation} declares no 2xx");
            }

            foreach (var answer in seen)
            {
                if (!responses.TryGetProperty(answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response))
                {
                    problems.Add($"{operation} answered {answer.Status} to {answer.Probe}, which it does not declare: {Shorten(answer.Body)}");
                    continue;
                }

                problems.AddRange(BodyProblems(answer, response, document).Select(problem => $"{operation}, {answer.Probe}, {answer.Status}: {problem}"));
            }

            // The backup's 409 is a PostgreSQL store's answer; this server is on DuckDB (BackupEndpointTests gets it).
            var unprobed = operation.Path == "/api/v2/admin/backup" ? 409 : 0;
            foreach (var status in declared.Where(status => status is not (500 or 503) && status != unprobed && seen.All(answer => answer.Status != status)))
            {
                problems.Add($"{operation} declares {status}, which no probe got (declared but never answered, or a probe is missing); " +
                    $"the probes got {string.Join("; ", seen.Select(answer => $"{answer.Probe} {answer.Status}"))}");
            }
        }

        problems.ShouldBeEmpty(string.Join("\n", problems));
    }

    private async Task RefusalProbesAsync(Operation operation, Dictionary<string, string> otherKeys, List<Answer> answers)
    {
        var example = Examples(operation);
        answers.Add(await SendAsync("no key", operation, null, example, ExampleBody(operation)));
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var answer = await SendAsync("a bad key", operation, "Bearer tally_not-a-key", example, ExampleBody(operation));
            answers.Add(answer);
            if (answer.Status != 401)
            {
                break;
            }
        }

        foreach (var (name, key) in otherKeys)
        {
            answers.Add(await SendAsync(name, operation, $"Bearer {key}", example, ExampleBody(operation)));
        }

        const string admin = $"Bearer {TestServer.AdminKey}";
        if (operation.Parameters.Any())
        {
            answers.Add(await SendAsync("every parameter invalid", operation, admin, _ => "x", ExampleBody(operation)));
            // An id of its own: a PUT of an unknown company creates it, which would make it known to the next probe.
            var unknown = (900_000_000 + answers.Count + (_probedOperations++ * 1_000)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            answers.Add(await SendAsync("unknown ids", operation, admin,
                parameter => parameter is "id" or "model" || parameter.EndsWith("_id", StringComparison.Ordinal) ? unknown : example(parameter), ExampleBody(operation)));
        }

        if (operation.Parameters.Any(parameter => parameter.GetProperty("in").GetString() == "query" && Required(parameter)))
        {
            answers.Add(await SendAsync("no query parameter", operation, admin,
                parameter => operation.Parameters.Any(p => p.GetProperty("name").GetString() == parameter && p.GetProperty("in").GetString() == "path") ? example(parameter) : null,
                ExampleBody(operation)));
        }

        if (operation.JsonBodyExample is not null)
        {
            answers.Add(await SendAsync("a text/plain body", operation, admin, example, () => new StringContent("x", Encoding.UTF8, "text/plain")));
            answers.Add(await SendAsync("a malformed JSON body", operation, admin, example, () => new StringContent("{\"", Encoding.UTF8, "application/json")));
            answers.Add(await SendAsync("a gzip body of 17 MiB", operation, admin, example, () =>
            {
                var content = new ByteArrayContent(Oversized.Value);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
                content.Headers.ContentEncoding.Add("gzip");
                return content;
            }));
        }
    }

    private async Task SuccessProbesAsync(Operation operation, List<Answer> answers)
    {
        const string admin = $"Bearer {TestServer.AdminKey}";
        var example = Examples(operation);
        var repeats = operation.Method == "PUT" ? 2 : 1; // a PUT creates, then updates
        for (var i = 0; i < repeats; i++)
        {
            answers.Add(await SendAsync("its examples", operation, admin, example, ExampleBody(operation)));
        }

        foreach (var parameter in operation.Parameters.Where(p => p.GetProperty("schema").TryGetProperty("enum", out _)))
        {
            var name = parameter.GetProperty("name").GetString()!;
            foreach (var value in parameter.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()!).Where(v => v != example(name)))
            {
                answers.Add(await SendAsync($"its examples with {name}={value}", operation, admin, p => p == name ? value : example(p), ExampleBody(operation)));
            }
        }
    }

    private static bool Required(JsonElement parameter) => parameter.TryGetProperty("required", out var required) && required.GetBoolean();

    /// <summary>Each parameter's example (none: the parameter is left out).</summary>
    private static Func<string, string?> Examples(Operation operation)
    {
        var examples = operation.Parameters.ToDictionary(p => p.GetProperty("name").GetString()!, p => p.TryGetProperty("example", out var e) ? e.GetString() : null);
        return name => examples.GetValueOrDefault(name);
    }

    private static Func<HttpContent>? ExampleBody(Operation operation) =>
        operation.JsonBodyExample is { } example ? () => new StringContent(example.GetRawText(), Encoding.UTF8, "application/json") : null;

    private static readonly Lazy<byte[]> Oversized = new(() =>
    {
        var spaces = new byte[17 * 1024 * 1024];
        Array.Fill(spaces, (byte)' ');
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write("["u8);
            gzip.Write(spaces);
            gzip.Write("]"u8);
        }

        return compressed.ToArray();
    });

    private async Task<Answer> SendAsync(string probe, Operation operation, string? authorization, Func<string, string?> value, Func<HttpContent>? body)
    {
        var path = operation.Path;
        var query = new List<string>();
        foreach (var parameter in operation.Parameters)
        {
            var name = parameter.GetProperty("name").GetString()!;
            var given = value(name);
            if (parameter.GetProperty("in").GetString() == "path")
            {
                path = path.Replace($"{{{name}}}", Uri.EscapeDataString(given ?? throw new InvalidOperationException($"{operation}: no value for the path parameter {name}")), StringComparison.Ordinal);
            }
            else if (given is not null)
            {
                query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(given)}");
            }
        }

        using var client = _server.Client(null);
        using var request = new HttpRequestMessage(new HttpMethod(operation.Method), query.Count == 0 ? path : $"{path}?{string.Join('&', query)}");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        request.Content = body?.Invoke();
        using var response = await client.SendAsync(request);
        return new Answer(probe, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<string> BodyProblems(Answer answer, JsonElement response, JsonElement document)
    {
        if (!response.TryGetProperty("content", out var content))
        {
            if (answer.Body.Length > 0)
            {
                yield return $"a body where none is declared: {Shorten(answer.Body)}";
            }

            yield break;
        }

        if (answer.MediaType is null || !content.TryGetProperty(answer.MediaType, out var media))
        {
            yield return $"content type {answer.MediaType ?? "(none)"} is not declared (declared: {string.Join(", ", content.EnumerateObject().Select(c => c.Name))})";
            yield break;
        }

        if (answer.MediaType != "application/json")
        {
            yield break;
        }

        JsonElement body;
        string? invalid = null;
        try
        {
            body = JsonDocument.Parse(answer.Body).RootElement;
        }
        catch (JsonException exception)
        {
            body = default;
            invalid = exception.Message;
        }

        if (invalid is not null)
        {
            yield return $"not JSON ({invalid}): {Shorten(answer.Body)}";
            yield break;
        }

        foreach (var problem in SchemaCheck.Problems(body, media.GetProperty("schema"), document))
        {
            yield return problem;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
