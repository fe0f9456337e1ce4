using Tally.Client.Reports;
using Tally.Client.Tables;

namespace Tally.Client.Tests;

/// <summary>The merged table on small hand-computed cases: joins, per-tool columns and every ratio.</summary>
public sealed class MergedTableTests
{
    private static readonly ReportCompany Acme = new(2, "Acme", "Europe/Paris");
    private static readonly DateOnly Monday = new(2026, 3, 2);
    private static readonly DateOnly Tuesday = new(2026, 3, 3);

    private static UsageReports Reports(bool withTools = true, bool withActivity = true) => new(
        new ChatSessionsReport(null, [new(Acme, [
                new ChatSessionsDay(Monday, new SessionCounts(4, 2, 2.5m), new ChatCounts(10, 6, 10, new DateTime(2026, 3, 2, 17, 2, 11, DateTimeKind.Utc))),
                new ChatSessionsDay(Tuesday, new SessionCounts(0, 0, 0m), new ChatCounts(0, 0, 0, null))])],
            null, null, [new(Acme, [
                new AgentThreadsDay(Monday, new ThreadCounts(1, 1, 3m), new ChatCounts(2, 1, 2, null)),
                new AgentThreadsDay(Tuesday, new ThreadCounts(0, 0, 0m), new ChatCounts(0, 0, 0, null))])]),
        new FeedbackReport(null, [new(Acme, [
            new FeedbackDay(Monday, 12, new FeedbackCounts(3, 1, 2, 0)),
            new FeedbackDay(Tuesday, 0, new FeedbackCounts(0, 0, 0, 0))])], null),
        withTools
            ? new ToolsReport(null, [new(Acme, [
                new ToolsDay(Monday, 7, [new ToolUsage("document_search", "native", 5, 3, 0), new ToolUsage("jira", "mcp", 2, 1, 1)]),
                new ToolsDay(Tuesday, 0, [])])], null)
            : null,
        new DocumentsReport(null, [new(Acme, [
            new DocumentsDay(Monday, [new DocumentUsage(12, "policy.pdf", "Travel policy", 4), new DocumentUsage(3, "notes.txt", null, 1)]),
            new DocumentsDay(Tuesday, [])])], null),
        withActivity
            ? new UserActivitiesReport(null, [new(Acme, [new ActivityDay(Monday, 4, 1, 5, 8, 3), new ActivityDay(Tuesday, 0, 0, 5, 8, 0)], [])], null)
            : null,
        null);

    [Fact]
    public void Every_report_joins_on_company_and_date_with_hand_computed_ratios()
    {
        var table = MergedTable.Build(Reports());
        var monday = Row(table, 0);

        table.Rows.Count.ShouldBe(2);
        monday["company_id"].ShouldBe(2L);
        monday["company_name"].ShouldBe("Acme");
        monday["date"].ShouldBe(Monday);
        monday["sessions_count"].ShouldBe(4L);
        monday["agent_threads_count"].ShouldBe(1L);
        monday["likes_count"].ShouldBe(3L);
        monday["tool_calls_count"].ShouldBe(7L);
        monday["tool_errors_count"].ShouldBe(1L);
        monday["tool:document_search"].ShouldBe(5L);
        monday["tool:jira"].ShouldBe(2L);
        monday["active_users_count"].ShouldBe(4L);
        monday["documents_used_count"].ShouldBe(2L);
        monday["document_uses_count"].ShouldBe(5L);
        monday["top_document"].ShouldBe("Travel policy");
        monday["satisfaction_rate"].ShouldBe(0.75m);          // 3 / (3 + 1)
        monday["grounding_rate"].ShouldBe(0.5833m);           // (6 + 1) / (10 + 2) = 0.58333…
        monday["queries_per_active_user"].ShouldBe(3m);       // (10 + 2) / 4
        monday["tool_calls_per_query"].ShouldBe(0.5833m);     // 7 / 12
        monday["tool_error_rate"].ShouldBe(0.1429m);          // 1 / 7 = 0.142857…
    }

    [Fact]
    public void Ratios_with_nothing_to_divide_by_are_empty_not_NaN()
    {
        var tuesday = Row(MergedTable.Build(Reports()), 1);

        foreach (var ratio in MergedTable.RatioColumns)
        {
            tuesday[ratio].ShouldBeNull(ratio);
        }

        tuesday["tool:document_search"].ShouldBe(0L);
        tuesday["top_document"].ShouldBeNull();
    }

    [Fact]
    public void A_report_the_server_lacks_leaves_its_columns_out_and_its_ratios_empty()
    {
        var table = MergedTable.Build(Reports(withTools: false, withActivity: false));
        var monday = Row(table, 0);

        table.IndexOf("tool_calls_count").ShouldBe(-1);
        table.IndexOf("tool:jira").ShouldBe(-1);
        table.IndexOf("active_users_count").ShouldBe(-1);
        monday["tool_calls_per_query"].ShouldBeNull();
        monday["queries_per_active_user"].ShouldBeNull();
        monday["satisfaction_rate"].ShouldBe(0.75m);
    }

    [Theory]
    [InlineData(1L, 8L, "0.125")]
    [InlineData(1L, 3L, "0.3333")]
    [InlineData(2L, 3L, "0.6667")]
    [InlineData(1L, 0L, null)]
    [InlineData(null, 3L, null)]
    public void Ratios_are_exact_and_rounded_half_away_from_zero(long? numerator, long? denominator, string? expected) =>
        MergedTable.Ratio(numerator, denominator).ShouldBe(expected is null ? null : decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));

    private static Dictionary<string, object?> Row(Table table, int index) =>
        table.Columns.Select((column, i) => (column.Name, Value: table.Rows[index][i])).ToDictionary(cell => cell.Name, cell => cell.Value);
}
