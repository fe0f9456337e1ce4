using System.Text.Json.Nodes;
using Npgsql;
using Tally.Testing;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// A PostgreSQL database written by the release before the analytics (schema step 1: events stored, no rating
/// attribution, no prices, no model aggregates) is upgraded when a server starts on it: steps 2 to 4 fill their
/// tables from the stored events, and the reports then count those events exactly as if they had arrived after.
/// </summary>
[Trait("Engine", "PostgreSQL")]
public sealed class PostgresUpgradeTests
{
    // Schema steps 2 to 4 undone, as a step-1 database is: what each step created, and its record.
    private const string ToStep1 = """
        DROP TABLE first_responses, first_response_documents, response_tools,
            daily_model_ratings, daily_tool_ratings, daily_document_ratings;
        DROP INDEX ratings_by_response;
        DROP TABLE model_prices;
        DROP TABLE daily_model_usage, daily_model_users, daily_model_latencies;
        DELETE FROM schema_migrations WHERE version IN (2, 3, 4);
        """;

    [Fact]
    public async Task A_step_1_database_fills_its_models_and_ratings_from_the_stored_events()
    {
        var workload = Workload.Generate(13, new DateOnly(2025, 3, 20), 20);
        var now = workload.Last.AddDays(1).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc);
        var reference = new ReferenceReports();
        await using var server = await ReportApi.StartAsync(new FixedTime(now), StoreKind.PostgreSql);
        using (var admin = server.Client())
        {
            foreach (var company in Workload.Companies.Where(c => c.Zone is not null))
            {
                await ReportApi.PutCompanyAsync(admin, company.Id, company.Name, company.Zone);
                reference.Put(company.Id, company.Name, company.Zone);
            }

            foreach (var request in workload.Requests)
            {
                (await ReportApi.SendAsync(admin, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
            }
        }

        await server.StopAsync();
        await using (var connection = new NpgsqlConnection(server.Storage.Location))
        {
            await connection.OpenAsync();
            await using var downgrade = new NpgsqlCommand(ToStep1, connection);
            await downgrade.ExecuteNonQueryAsync();
        }

        await server.RestartAsync();
        using var client = server.Client();
        var reports = new ReportChecker(reference, now);
        var satisfaction = new SatisfactionChecker(reference, now);

        // Every report, the models report at every granularity among them, and where the ratings go.
        await reports.CompanyAsync(client, null, null, workload.First, workload.Last);
        await satisfaction.AllAsync(client, workload.First, workload.Last);

        // Answers, tool calls and ratings after the upgrade move the filled numbers as usual.
        foreach (var request in Workload.Generate(14, workload.Last.AddDays(-5), 3).Requests.Select(r => r.Select(e => e with { Id = "later-" + e.Id }).ToList()))
        {
            (await ReportApi.SendAsync(client, new JsonArray(request.Select(e => (JsonNode)e.ToJson()).ToArray()))).ShouldBe(reference.Store(request));
        }

        await reports.CompanyAsync(client, null, null, workload.First, workload.Last);
        await satisfaction.AllAsync(client, workload.First, workload.Last);
    }
}
