using System.Text.Json.Serialization;

namespace Tally.Reports;

// The JSON shapes of /reporting/models/ (spec/analytics.md). Property order is key order on the wire.

public sealed record ModelsReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    string? Currency,
    IReadOnlyList<CompanyDays<ModelsPeriod>> Reporting,
    DateTime GeneratedAt);

public sealed record ModelsPeriod(
    string Date,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate,
    long ResponsesCount,
    long InputTokens,
    long OutputTokens,
    decimal? Cost,
    IReadOnlyList<ModelNumbers> Models);

public sealed record ModelNumbers(
    string Model,
    long ResponsesCount,
    long ResponsesWithDocsCount,
    long UsersCount,
    long InputTokens,
    long OutputTokens,
    long ResponsesWithUsageCount,
    decimal? LatencyMsP50,
    decimal? LatencyMsP95,
    decimal? Cost);
