namespace Tally.Client.Reports;

/// <summary><c>satisfaction</c>: where the ratings go, per period.</summary>
public sealed record SatisfactionReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyDays<SatisfactionPeriod>> Reporting, DateTime? GeneratedAt)
    : Report<CompanyDays<SatisfactionPeriod>>(Metadata, Reporting, GeneratedAt);

/// <summary>A period's ratings; <see cref="EndDate"/> is null for a day.</summary>
public sealed record SatisfactionPeriod(
    DateOnly Date,
    DateOnly? EndDate,
    long? LikesCount,
    long? DislikesCount,
    decimal? SatisfactionRate,
    IReadOnlyList<ModelSatisfaction>? ByModel,
    IReadOnlyList<ToolSatisfaction>? ByTool,
    IReadOnlyList<DocumentSatisfaction>? ByDocument);

/// <summary>The ratings of one model's answers; <see cref="Model"/> is null for answers not stored.</summary>
public sealed record ModelSatisfaction(string? Model, long? LikesCount, long? DislikesCount, decimal? SatisfactionRate);

/// <summary>The ratings counted for one tool (name and type) called with the rated answer's id.</summary>
public sealed record ToolSatisfaction(string ToolName, string? ToolType, long? LikesCount, long? DislikesCount, decimal? SatisfactionRate);

/// <summary>The ratings of the answers that listed one document.</summary>
public sealed record DocumentSatisfaction(long? DocumentId, string? DocumentFilename, string? DocumentTitle, long? LikesCount, long? DislikesCount, decimal? SatisfactionRate);
