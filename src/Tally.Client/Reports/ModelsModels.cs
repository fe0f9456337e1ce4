using System.Text.Json.Serialization;

namespace Tally.Client.Reports;

/// <summary><c>models</c>: answers, tokens, latency and cost per model and period; <see cref="Currency"/> is that of the stored prices.</summary>
public sealed record ModelsReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, string? Currency, IReadOnlyList<CompanyDays<ModelsPeriod>> Reporting, DateTime? GeneratedAt)
    : Report<CompanyDays<ModelsPeriod>>(Metadata, Reporting, GeneratedAt);

/// <summary>A period's answers over every model; <see cref="EndDate"/> is null for a day, <see cref="Cost"/> null when a used model has no price.</summary>
public sealed record ModelsPeriod(
    DateOnly Date,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateOnly? EndDate,
    long? ResponsesCount,
    long? InputTokens,
    long? OutputTokens,
    decimal? Cost,
    IReadOnlyList<ModelUsage>? Models);

/// <summary>One model's answers in a period; latencies are null when no answer carried one.</summary>
public sealed record ModelUsage(
    string Model,
    long? ResponsesCount,
    long? ResponsesWithDocsCount,
    long? UsersCount,
    long? InputTokens,
    long? OutputTokens,
    long? ResponsesWithUsageCount,
    decimal? LatencyMsP50,
    decimal? LatencyMsP95,
    decimal? Cost);
