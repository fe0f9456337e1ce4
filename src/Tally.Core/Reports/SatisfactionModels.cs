using System.Text.Json.Serialization;

namespace Tally.Reports;

// The JSON shapes of the satisfaction report (spec/analytics.md). Property order is key order on the wire.

public sealed record SatisfactionReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyDays<SatisfactionPeriod>> Reporting,
    DateTime GeneratedAt);

public sealed record SatisfactionPeriod(
    [property: JsonPropertyOrder(-2)] string Date,
    long LikesCount,
    long DislikesCount,
    decimal? SatisfactionRate,
    IReadOnlyList<ModelSatisfaction> ByModel,
    IReadOnlyList<ToolSatisfaction> ByTool,
    IReadOnlyList<DocumentSatisfaction> ByDocument)
{
    /// <summary>
    /// The period's last day, for every granularity but day: right after <c>date</c>, and left out for a day. Not a
    /// constructor parameter, so that the API description does not make it required.
    /// </summary>
    [JsonPropertyOrder(-1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EndDate { get; init; }
}

/// <summary>The ratings of answers by one model; <see cref="Model"/> is null for answers not stored.</summary>
public sealed record ModelSatisfaction(string? Model, long LikesCount, long DislikesCount, decimal SatisfactionRate);

public sealed record ToolSatisfaction(string ToolName, string ToolType, long LikesCount, long DislikesCount, decimal SatisfactionRate);

public sealed record DocumentSatisfaction(long DocumentId, string DocumentFilename, string? DocumentTitle, long LikesCount, long DislikesCount, decimal SatisfactionRate);
