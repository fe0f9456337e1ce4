using System.Net;
using System.Text.Json;
using Tally.Access;

namespace Tally.Server.Tests;

/// <summary>The model prices over HTTP: every validation rule, exact amounts, replacement, deletion and roles.</summary>
public sealed class ModelPriceTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Body)> PutAsync(string model, string json, string? key = TestServer.AdminKey)
    {
        using var client = _server.Client(key);
        using var response = await client.PutAsync($"/api/v2/admin/model-prices/{model}", TestServer.Json(json));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> ListAsync()
    {
        using var client = _server.Client();
        return await client.GetStringAsync("/api/v2/admin/model-prices");
    }

    private async Task<HttpStatusCode> DeleteAsync(string model, string query)
    {
        using var client = _server.Client();
        using var response = await client.DeleteAsync($"/api/v2/admin/model-prices/{model}{query}");
        return response.StatusCode;
    }

    private static string Entry(string effectiveFrom = "2025-01-01", string currency = "\"EUR\"", string input = "2.5", string output = "10") =>
        $$"""{"effective_from": "{{effectiveFrom}}", "currency": {{currency}}, "input_per_million": {{input}}, "output_per_million": {{output}}}""";

    private async Task ShouldRefuseAsync(string json, string field, string message)
    {
        var (status, body) = await PutAsync("m", json);
        status.ShouldBe(HttpStatusCode.BadRequest, body);
        using var errors = JsonDocument.Parse(body);
        errors.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe([field], body);
        errors.RootElement.GetProperty(field)[0].GetString().ShouldBe(message);
        (await ListAsync()).ShouldNotContain("\"m\"", customMessage: "a refused entry is not stored");
    }

    [Fact]
    public async Task An_entry_is_created_then_replaced_and_read_back_exactly()
    {
        var (created, body) = await PutAsync("alfred-4", Entry(input: "0.123456", output: "1e6"));
        var (replaced, again) = await PutAsync("alfred-4", Entry(input: "2.50", output: "123456.000001"));

        created.ShouldBe(HttpStatusCode.Created);
        body.ShouldBe("""{"model":"alfred-4","effective_from":"2025-01-01","currency":"EUR","input_per_million":0.123456,"output_per_million":1000000}""");
        replaced.ShouldBe(HttpStatusCode.OK);
        again.ShouldContain("\"input_per_million\":2.5,\"output_per_million\":123456.000001");
        (await ListAsync()).ShouldBe("""{"prices":[{"model":"alfred-4","effective_from":"2025-01-01","currency":"EUR","input_per_million":2.5,"output_per_million":123456.000001}]}""");
    }

    [Fact]
    public async Task Entries_are_listed_by_model_then_date_and_a_model_name_is_url_decoded()
    {
        (await PutAsync("b", Entry("2025-03-01"))).Status.ShouldBe(HttpStatusCode.Created);
        (await PutAsync("b", Entry("2025-01-01"))).Status.ShouldBe(HttpStatusCode.Created);
        (await PutAsync("a%2Fx%25y%20z", Entry())).Status.ShouldBe(HttpStatusCode.Created);
        // A model of spaces is a name events may carry, so it may have a price; one with a control character may not.
        (await PutAsync("%20", Entry())).Status.ShouldBe(HttpStatusCode.Created);
        (await PutAsync("a%09b", Entry())).Status.ShouldBe(HttpStatusCode.BadRequest);

        using var list = JsonDocument.Parse(await ListAsync());
        list.RootElement.GetProperty("prices").EnumerateArray()
            .Select(p => (p.GetProperty("model").GetString(), p.GetProperty("effective_from").GetString()))
            .ShouldBe([(" ", "2025-01-01"), ("a/x%y z", "2025-01-01"), ("b", "2025-01-01"), ("b", "2025-03-01")]);
        (await DeleteAsync("a%2Fx%25y%20z", "?effective_from=2025-01-01")).ShouldBe(HttpStatusCode.NoContent);
        (await ListAsync()).ShouldNotContain("a/x");
    }

    [Fact]
    public async Task A_currency_other_than_the_stored_entries_is_refused_unless_it_replaces_the_only_one()
    {
        await PutAsync("a", Entry());

        (await PutAsync("a", Entry(currency: "\"USD\""))).Status.ShouldBe(HttpStatusCode.OK, "it replaces the only entry");
        await ShouldRefuseAsync(Entry("2025-02-01", currency: "\"EUR\""), "currency", "Every price is in one currency: the stored prices are in USD, not EUR.");
    }

    [Theory]
    [InlineData("\"eur\"")]
    [InlineData("\"EURO\"")]
    [InlineData("\"E1R\"")]
    public async Task A_currency_that_is_not_three_upper_case_letters_is_refused(string currency) =>
        await ShouldRefuseAsync(Entry(currency: currency), "currency", "A currency is three upper-case letters (an ISO 4217 code such as EUR or USD).");

    [Theory]
    [InlineData("0.0000001")]
    [InlineData("1.1234567")]
    [InlineData("1e-7")]
    [InlineData("1.5e-6")]
    public async Task More_than_six_decimals_are_refused(string amount) =>
        await ShouldRefuseAsync(Entry(input: amount), "input_per_million", "Ensure that there are no more than 6 decimal places.");

    [Theory]
    [InlineData("-1")]
    [InlineData("-0.000001")]
    public async Task A_negative_price_is_refused(string amount) =>
        await ShouldRefuseAsync(Entry(output: amount), "output_per_million", "Ensure this value is greater than or equal to 0.");

    [Theory]
    [InlineData("1000000.000001")]
    [InlineData("1e7")]
    [InlineData("1e400")]
    [InlineData("99999999999999999999999999999999")]
    public async Task A_price_above_a_million_is_refused(string amount) =>
        await ShouldRefuseAsync(Entry(output: amount), "output_per_million", "Ensure this value is less than or equal to 1000000.");

    [Theory]
    [InlineData("1.1234560", "1.123456")]
    [InlineData("0e5", "0")]
    [InlineData("-0", "0")]
    [InlineData("12.5e-1", "1.25")]
    [InlineData("1000000.000000", "1000000")]
    public async Task Trailing_zeros_exponents_and_negative_zero_are_read_as_the_amount_they_write(string amount, string shown)
    {
        var (status, body) = await PutAsync("m", Entry(input: amount));

        status.ShouldBe(HttpStatusCode.Created, body);
        body.ShouldContain($"\"input_per_million\":{shown},");
    }

    [Theory]
    [InlineData("2025-13-01")]
    [InlineData("2025-1-1")]
    [InlineData("01/01/2025")]
    public async Task A_bad_effective_date_is_refused(string day) =>
        await ShouldRefuseAsync(Entry(day), "effective_from", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");

    [Fact]
    public async Task Missing_fields_and_wrong_types_are_all_listed()
    {
        var (status, body) = await PutAsync("m", """{"currency": 3, "input_per_million": "2.5"}""");

        status.ShouldBe(HttpStatusCode.BadRequest);
        using var errors = JsonDocument.Parse(body);
        errors.RootElement.EnumerateObject().Select(p => (p.Name, p.Value[0].GetString())).OrderBy(p => p.Name, StringComparer.Ordinal).ShouldBe([
            ("currency", "Not a valid string."), ("effective_from", "This field is required."),
            ("input_per_million", "A valid number is required."), ("output_per_million", "This field is required."),
        ]);
    }

    [Fact]
    public async Task Deleting_needs_a_stored_entry_and_a_valid_date()
    {
        await PutAsync("m", Entry());

        (await DeleteAsync("m", "?effective_from=2025-02-01")).ShouldBe(HttpStatusCode.NotFound);
        (await DeleteAsync("n", "?effective_from=2025-01-01")).ShouldBe(HttpStatusCode.NotFound);
        (await DeleteAsync("m", "")).ShouldBe(HttpStatusCode.BadRequest);
        (await DeleteAsync("m", "?effective_from=2025-02-30")).ShouldBe(HttpStatusCode.BadRequest);
        (await DeleteAsync("m", "?effective_from=2025-01-01&effective_from=2025-01-01")).ShouldBe(HttpStatusCode.BadRequest);
        (await DeleteAsync("m", "?effective_from=2025-01-01")).ShouldBe(HttpStatusCode.NoContent);
        (await DeleteAsync("m", "?effective_from=2025-01-01")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(Role.CompanyAdmin)]
    [InlineData(Role.Ingest)]
    public async Task Only_an_instance_admin_may_read_or_change_prices(Role role)
    {
        var key = await _server.CreateKeyAsync(role, 1);
        using var client = _server.Client(key);
        using var anonymous = _server.Client(null);

        (await PutAsync("m", Entry(), key)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await client.GetAsync("/api/v2/admin/model-prices")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.DeleteAsync("/api/v2/admin/model-prices/m?effective_from=2025-01-01")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await PutAsync("m", Entry(), null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/v2/admin/model-prices")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.DeleteAsync("/api/v2/admin/model-prices/m?effective_from=2025-01-01")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ListAsync()).ShouldBe("""{"prices":[]}""");
    }
}
