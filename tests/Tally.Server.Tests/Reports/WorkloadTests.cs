using System.Globalization;
using System.Text.Json.Nodes;
using Tally.Access;
using Tally.Testing;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// Sends a seeded workload to a real server and compares every number of every report, for every company and
/// for the instance admin's all-companies view, with <see cref="ReferenceReports"/>, over several ranges;
/// then changes time zones and compares again. On every engine: the subclasses below choose it.
/// </summary>
public abstract class WorkloadTests(StoreKind engine)
{
    private const int Days = 50;

    [Theory]
    [InlineData(1, "2025-02-25")] // US DST starts 03-09, EU 03-30, Sydney's ends 04-06
    [InlineData(2, "2025-10-01")] // Sydney's DST starts 10-05, EU ends 10-26, US 11-02
    [InlineData(3, "2025-03-04")]
    public async Task Every_report_of_a_seeded_workload_matches_the_reference(int seed, string firstDay)
    {
        var first = DateOnly.ParseExact(firstDay, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var workload = Workload.Generate(seed, first, Days);

        // Now is 03:00 UTC the day after the window: New York is still on its last day, the others past it.
        var now = workload.Last.AddDays(1).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc);
        await using var server = await ReportApi.StartAsync(new FixedTime(now), engine);
        var reference = new ReferenceReports();
        var admin = server.Client();
        try
        {
            foreach (var company in Workload.Companies.Where(c => c.ZoneFirst))
            {
                await ReportApi.PutCompanyAsync(admin, company.Id, company.Name, company.Zone);
                reference.Put(company.Id, company.Name, company.Zone);
            }

            for (var w = 0; w < workload.Waves.Count; w++)
            {
                if (w == workload.Waves.Count / 2)
                {
                    // Halfway, the server restarts (on another port): aggregates and zones live on in the store.
                    await server.RestartAsync();
                    admin.Dispose();
                    admin = server.Client();
                }

                var wave = workload.Waves[w];
                var client = admin;
                var counts = await Task.WhenAll(wave.Select(request =>
                    ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))));
                counts.ShouldBe(wave.Select(reference.Store).ToArray());
            }

            // Zones set after the events: the server recomputes the days of everything stored.
            foreach (var company in Workload.Companies.Where(c => !c.ZoneFirst && c.Zone is not null))
            {
                await ReportApi.PutCompanyAsync(admin, company.Id, company.Name, company.Zone);
                reference.Put(company.Id, company.Name, company.Zone);
            }

            // Prices with effective dates inside and before the window, and one model (mistral-large) without any.
            RefPrice[] prices =
            [
                new("alfred-4", workload.First.AddDays(-100), "EUR", 1.234567m, 0.000001m),
                new("alfred-4", workload.First.AddDays(10), "EUR", 2.5m, 10m),
                new("llama-3.3-70b", workload.First.AddDays(25), "EUR", 0.3m, 0.6m),
                new("agent-pro", workload.First, "EUR", 1_000_000m, 0.5m),
            ];
            foreach (var price in prices)
            {
                await ReportApi.PutPriceAsync(admin, price);
            }

            reference.Prices = prices;
            var check = new ReportChecker(reference, now);
            await check.AllAsync(admin, workload.First, workload.Last);
            await check.CsvAsync(admin, workload.First, workload.Last);
            var satisfaction = new SatisfactionChecker(reference, now);
            await satisfaction.AllAsync(admin, workload.First, workload.Last);
            await satisfaction.AllAsync(admin, workload.First.AddDays(20), null);
            await check.ModelsCsvAsync(admin, workload.First, workload.Last);
            await check.AllAsync(admin, workload.First.AddDays(20), workload.First.AddDays(34));
            await check.AllAsync(admin, workload.Last.AddDays(-9), null);
            await check.AllAsync(admin, workload.Last.AddDays(-3), workload.Last.AddDays(4));
            await check.AllAsync(admin, workload.First.AddDays(-45), workload.First.AddDays(2));
            await check.ConnectionsAsync(admin, 8, workload.First.AddDays(-60), workload.Last.AddDays(3), userId: null, limit: 1000);

            // Weeks, months and the whole range (spec/analytics.md), with used-documents cut to its first documents.
            foreach (var granularity in new[] { "week", "month", "total" })
            {
                await check.CompanyAsync(admin, null, null, workload.First, workload.Last, granularity);
            }

            await check.CompanyAsync(admin, null, null, workload.First.AddDays(-3), workload.First.AddDays(40), "day", documentsLimit: 1);
            await check.CompanyAsync(admin, 8, 8, workload.First.AddDays(9), null, "week", documentsLimit: 2);
            await check.CompanyAsync(admin, 13, 13, workload.First.AddDays(-40), workload.Last.AddDays(5), "month", documentsLimit: 3);
            await check.CsvAsync(admin, workload.First, workload.Last, "week", documentsLimit: 2);
            await check.CsvAsync(admin, workload.First, workload.Last, "total");

            // Pages of one row around the two connections on one instant (ordered by id, by code point).
            var middle = workload.First.AddDays((Days - 1) / 2);
            await check.ConnectionsAsync(admin, 5, middle.AddDays(-1), middle.AddDays(1), userId: 9, limit: 1);
            await check.ConnectionsAsync(admin, 21, middle, middle, userId: null, limit: 1);

            // A company admin sees its own company without naming it.
            using (var companyAdmin = server.Client(await server.CreateKeyAsync(Role.CompanyAdmin, 13)))
            {
                await check.CompanyAsync(companyAdmin, null, 13, workload.First.AddDays(10), workload.Last);
            }

            // Time zones change: the next reports already put every stored event on its day in the new zone.
            await ReportApi.PutCompanyAsync(admin, 5, null, "America/New_York");
            reference.Put(5, zone: "America/New_York");
            await ReportApi.PutCompanyAsync(admin, 3, "Renamed 3", "Asia/Kolkata");
            reference.Put(3, "Renamed 3", "Asia/Kolkata");
            await check.AllAsync(admin, workload.First.AddDays(5), workload.Last);
            await check.CompanyAsync(admin, null, null, workload.First.AddDays(5), workload.Last, "week");
            await check.CompanyAsync(admin, null, null, workload.First, workload.Last, "month");
            await satisfaction.AllAsync(admin, workload.First.AddDays(5), workload.Last);
        }
        finally
        {
            admin.Dispose();
        }
    }

    [Fact]
    public async Task User_activities_over_several_whole_months_match_the_reference()
    {
        // 100 days from 01-10: February, March and April are whole months of the range (read from month counters),
        // January and May are read day by day.
        var workload = Workload.Generate(4, new DateOnly(2025, 1, 10), 100);
        var now = workload.Last.AddDays(1).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc);
        await using var server = await ReportApi.StartAsync(new FixedTime(now), engine);
        var reference = new ReferenceReports();
        using var admin = server.Client();
        foreach (var company in Workload.Companies.Where(c => c.Zone is not null))
        {
            await ReportApi.PutCompanyAsync(admin, company.Id, company.Name, company.Zone);
            reference.Put(company.Id, company.Name, company.Zone);
        }

        // The users' costs over whole months: March has a price change inside it (read day by day), April one on its
        // first day (read from its rolled-up token sums). Every model has a price: a user's cost is null as soon as one
        // of their models has none, which would hide a wrong sum (the test above covers that case).
        RefPrice[] prices =
        [
            new("alfred-4", new DateOnly(2025, 1, 1), "EUR", 1.234567m, 0.000001m),
            new("alfred-4", new DateOnly(2025, 3, 15), "EUR", 2.5m, 10m),
            new("llama-3.3-70b", new DateOnly(2025, 4, 1), "EUR", 0.3m, 0.6m),
            new("agent-pro", new DateOnly(2024, 12, 1), "EUR", 1_000_000m, 0.5m),
            new("mistral-large", new DateOnly(2025, 1, 10), "EUR", 0.7m, 2.1m),
        ];
        foreach (var price in prices)
        {
            await ReportApi.PutPriceAsync(admin, price);
        }

        reference.Prices = prices;
        var check = new ReportChecker(reference, now);
        for (var r = 0; r < workload.Requests.Count; r++)
        {
            if (r == workload.Requests.Count / 2)
            {
                // Halfway, the whole months are read (their counters built); the second half, shuffled over every
                // day and with the late events last, must then reach them.
                await check.CompanyAsync(admin, null, null, new DateOnly(2025, 2, 1), new DateOnly(2025, 4, 30));
                await check.CompanyAsync(admin, null, null, workload.First, workload.Last, "month", documentsLimit: 5);
            }

            var request = workload.Requests[r];
            (await ReportApi.SendAsync(admin, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
        }

        await check.AllAsync(admin, workload.First, workload.Last);
        await check.CompanyAsync(admin, null, null, new DateOnly(2025, 2, 1), new DateOnly(2025, 4, 30));
        await check.CompanyAsync(admin, null, null, new DateOnly(2025, 1, 31), new DateOnly(2025, 4, 1));
        await check.CompanyAsync(admin, null, null, workload.First, workload.Last, "month", documentsLimit: 5);
        await check.CompanyAsync(admin, null, null, new DateOnly(2025, 1, 31), new DateOnly(2025, 4, 1), "week");
    }
}

public sealed class DuckDbWorkloadTests() : WorkloadTests(StoreKind.DuckDb);

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresWorkloadTests() : WorkloadTests(StoreKind.PostgreSql);
