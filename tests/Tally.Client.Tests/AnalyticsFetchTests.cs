using System.Text.Json;
using Tally.Client.Reports;
using Tally.Server.Tests;
using Tally.Server.Tests.Reports;
using Names = Tally.Client.TallyClient.ReportNames;

namespace Tally.Client.Tests;

/// <summary>
/// <c>models</c> and <c>satisfaction</c> through the typed client and the chunked fetcher, against a demo server of
/// its own whose models are priced (two prices for one model, one model left without), so costs are real numbers.
/// </summary>
public sealed class AnalyticsFetchTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await DemoServer.StartAsync();
        using var admin = new TallyAdminClient(Options());
        await admin.SetPriceAsync("alfred-4", DemoServer.Today.AddDays(-400), "EUR", 2.5m, 10m);
        await admin.SetPriceAsync("alfred-4", DemoServer.Today.AddDays(-45), "EUR", 3.123457m, 12.5m);
        await admin.SetPriceAsync("mistral-large", DemoServer.Today.AddDays(-400), "EUR", 0.7m, 2.1m);
        await admin.SetPriceAsync("gpt-4o", DemoServer.Today.AddDays(-400), "EUR", 5m, 15m);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData(Granularity.Week)]
    [InlineData(Granularity.Month)]
    [InlineData(Granularity.Total)]
    public async Task The_typed_models_report_carries_every_value_the_server_sent(Granularity? granularity)
    {
        using var client = new TallyClient(Options());
        using var raw = _server.Client();
        var request = new ReportRequest(DemoServer.Today.AddDays(-60), DemoServer.Today) { Granularity = granularity };
        var expected = JsonLeaves.Of(await raw.GetStringAsync("/api/v2/" + request.PathFor(Names.Models)));
        var report = await client.GetModelsAsync(request);
        var actual = JsonLeaves.Of(JsonSerializer.Serialize(report, SnakeCase));

        report.Currency.ShouldBe("EUR");
        expected.Keys.ShouldContain(key => key.EndsWith("latency_ms_p95", StringComparison.Ordinal));
        JsonLeaves.ShouldEqual(actual, expected);
    }

    [Theory]
    [InlineData(Granularity.Day)]
    [InlineData(Granularity.Week)]
    [InlineData(Granularity.Month)]
    [InlineData(Granularity.Total)]
    public async Task Models_and_satisfaction_fetched_in_chunks_equal_one_fetch(Granularity granularity)
    {
        // 100 days across a price change: chunks of 10 days, stretched to the end of a week or month.
        var request = new ReportRequest(DemoServer.Today.AddDays(-99), DemoServer.Today) { Granularity = granularity };
        using var client = new TallyClient(Options());
        using var chunked = new ReportFetcher(client, new FetchOptions { ChunkDays = 10 });
        using var whole = new ReportFetcher(client, new FetchOptions { ChunkDays = 3660 });

        var modelsInChunks = await chunked.ModelsAsync(request);
        var modelsInOne = await whole.ModelsAsync(request);
        var satisfactionInChunks = await chunked.SatisfactionAsync(request);
        var satisfactionInOne = await whole.SatisfactionAsync(request);

        chunked.Plan(request).Count.ShouldBeGreaterThan(granularity == Granularity.Total ? 0 : 3);
        modelsInChunks.Reporting.Count.ShouldBe(3);
        modelsInChunks.Reporting.SelectMany(entry => entry.Dates).SelectMany(period => period.Models ?? []).ShouldContain(model => model.Cost > 0);
        // A model without a price makes the periods where it answered cost null, as one fetch says.
        modelsInChunks.Reporting.SelectMany(entry => entry.Dates).SelectMany(period => period.Models ?? [])
            .Where(model => model.Model == "llama-3.3-70b" && model.InputTokens > 0).ShouldAllBe(model => model.Cost == null);
        satisfactionInChunks.Reporting.SelectMany(entry => entry.Dates).SelectMany(period => period.ByTool ?? []).ShouldNotBeEmpty();
        Comparable(modelsInChunks with { GeneratedAt = null }).ShouldBe(Comparable(modelsInOne with { GeneratedAt = null }));
        Comparable(satisfactionInChunks with { GeneratedAt = null }).ShouldBe(Comparable(satisfactionInOne with { GeneratedAt = null }));
    }

    [Fact]
    public async Task A_users_cost_fetched_in_chunks_is_rounded_once_as_in_one_fetch()
    {
        // 100 days across a price change, in chunks of 10 days: each chunk's cost is rounded on its own. Every model
        // priced, so that every user has a cost.
        using (var admin = new TallyAdminClient(Options()))
        {
            await admin.SetPriceAsync("llama-3.3-70b", DemoServer.Today.AddDays(-400), "EUR", 0.123457m, 0.654321m);
        }

        var request = new ReportRequest(DemoServer.Today.AddDays(-99), DemoServer.Today);
        using var client = new TallyClient(Options());
        using var chunked = new ReportFetcher(client, new FetchOptions { ChunkDays = 10 });
        using var whole = new ReportFetcher(client, new FetchOptions { ChunkDays = 3660 });

        var inChunks = await chunked.UserActivitiesAsync(request);
        var inOne = await whole.UserActivitiesAsync(request);

        // Summing the chunks' rounded costs gives another cost for some user: a fetcher that summed them would fail below.
        var summedCosts = new Dictionary<(long Company, long User), decimal>();
        foreach (var chunk in chunked.Plan(request))
        {
            foreach (var entry in (await client.GetUserActivitiesAsync(chunk)).Reporting)
            {
                foreach (var user in entry.Users ?? [])
                {
                    summedCosts[(entry.Company.Id, user.UserId)] = summedCosts.GetValueOrDefault((entry.Company.Id, user.UserId)) + (user.Cost ?? 0);
                }
            }
        }

        chunked.Plan(request).Count.ShouldBe(10);
        inOne.Reporting.SelectMany(entry => entry.Users!.Select(user => (Key: (entry.Company.Id, user.UserId), user.Cost)))
            .ShouldContain(user => user.Cost != null && summedCosts[user.Key] != user.Cost);
        Comparable(inChunks with { GeneratedAt = null }).ShouldBe(Comparable(inOne with { GeneratedAt = null }));
    }

    [Fact]
    public async Task Every_report_of_a_range_includes_models_and_satisfaction()
    {
        using var client = new TallyClient(Options());
        using var fetcher = new ReportFetcher(client, new FetchOptions { ChunkDays = 20 });
        var request = new ReportRequest(DemoServer.Today.AddDays(-30), DemoServer.Today) { Granularity = Granularity.Week };

        var reports = await fetcher.AllAsync(request);

        Comparable(reports.Models! with { GeneratedAt = null }).ShouldBe(Comparable((await client.GetModelsAsync(request)) with { GeneratedAt = null }));
        Comparable(reports.Satisfaction! with { GeneratedAt = null }).ShouldBe(Comparable((await client.GetSatisfactionAsync(request)) with { GeneratedAt = null }));
    }

    private TallyClientOptions Options() => new() { Url = _server.BaseAddress, ApiKey = TestServer.AdminKey, Time = new FixedTime(DemoServer.Now) };

    private static string Comparable<T>(T report) => JsonSerializer.Serialize(report, SnakeCase);
}
