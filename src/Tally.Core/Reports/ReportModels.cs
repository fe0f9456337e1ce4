using System.Text.Json.Serialization;

namespace Tally.Reports;

// The JSON shapes of spec/reports.md and spec/analytics.md. Property order is key order on the wire; names are written in
// snake_case. A dated element's end_date is null, and left out, for a day: a caller who asks for no granularity gets
// Paradigm's keys only.

/// <summary>One entry of a report's <c>metadata</c>.</summary>
public sealed record MetricDescription(string Description, string Unit);

/// <summary>A company as reports name it: name, id, then Tally's addition, the time zone.</summary>
public sealed record CompanyName(string Name, long Id, string Timezone);

/// <summary>A company as the users report names it (id first, as in Paradigm).</summary>
public sealed record CompanyIdentity(long Id, string Name, string Timezone);

public sealed record CompanyDays<TDay>(CompanyName Company, IReadOnlyList<TDay> Dates);

public sealed record ChatSessionsReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyDays<ChatDay>> Reporting,
    IReadOnlyDictionary<string, MetricDescription> MetadataAgent,
    IReadOnlyList<CompanyDays<AgentDay>> ReportingAgent,
    DateTime GeneratedAt);

public sealed record ChatDay(string Date, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate, SessionNumbers Sessions, ChatNumbers Chats);

public sealed record AgentDay(string Date, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate, ThreadNumbers Threads, ChatNumbers Chats);

public sealed record SessionNumbers(long SessionsCount, long UniqueModelsCount, decimal AverageSessionLength);

public sealed record ThreadNumbers(long ThreadsCount, long UniqueModelsCount, decimal AverageThreadLength);

public sealed record ChatNumbers(long UserQueriesCount, long ModelResponsesWithDocsCount, long ModelResponsesCount, string? LastModelResponseDate);

public sealed record ChatsFeedbackReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyDays<FeedbackDay>> Reporting,
    DateTime GeneratedAt);

public sealed record FeedbackDay(string Date, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate, long ModelResponsesCount, FeedbackNumbers Feedbacks);

public sealed record FeedbackNumbers(long LikesCount, long DislikesCount, long CopiesCount, long FlagsCount);

public sealed record ToolsReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyDays<ToolsDay>> Reporting,
    DateTime GeneratedAt);

public sealed record ToolsDay(string Date, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate, long ToolCallsCount, IReadOnlyList<ToolNumbers> Tools);

public sealed record ToolNumbers(string ToolName, string ToolType, long UsageCount, long UsersCount, long ErrorsCount);

public sealed record UsedDocumentsReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyDays<DocumentsDay>> Reporting,
    DateTime GeneratedAt);

public sealed record DocumentsDay(string Date, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate, long DocumentsCount, IReadOnlyList<DocumentNumbers> Documents);

// A struct, as the store's document-days: an answer over a year can hold hundreds of thousands.
/// <summary>A document the day's answers used, and how many times.</summary>
public readonly record struct DocumentNumbers(string DocumentFilename, string? DocumentTitle, long DocumentId, long UsageCount);

public sealed record UsersReport(
    IReadOnlyList<CompanyMembers> Reporting,
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    DateTime GeneratedAt);

public sealed record CompanyMembers(CompanyIdentity Company, long TotalHistoricalMembers, long CurrentActiveMembers);

public sealed record UserActivitiesReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyActivity> Reporting,
    DateTime GeneratedAt);

public sealed record CompanyActivity(CompanyName Company, IReadOnlyList<ActivityDay> Dates, IReadOnlyList<UserNumbers> Users);

public sealed record ActivityDay(
    string Date,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EndDate,
    long ActiveUsersCount,
    long NewActiveUsersCount,
    long WeeklyActiveUsersCount,
    long MonthlyActiveUsersCount,
    long ConnectionsCount);

public sealed record UserNumbers(
    long UserId,
    string? UserName,
    long ActiveDaysCount,
    long SessionsCount,
    long UserQueriesCount,
    long FeedbacksCount,
    long ToolCallsCount,
    string FirstActivityDate,
    string LastActivityDate,
    string? LastConnection,
    long InputTokens = 0,
    long OutputTokens = 0,
    decimal? Cost = 0m)
{
    public UserNumbers WithTokens(UserTokens tokens) => this with { InputTokens = tokens.Input, OutputTokens = tokens.Output, Cost = tokens.Cost };
}

public sealed record ConnectionsReport(
    IReadOnlyDictionary<string, MetricDescription> Metadata,
    IReadOnlyList<CompanyConnections> Reporting,
    DateTime GeneratedAt);

public sealed record CompanyConnections(CompanyName Company, IReadOnlyList<ConnectionEntry> Connections, string? Next);

public sealed record ConnectionEntry(long UserId, string? UserName, string Timestamp, string? Ip, string? UserAgent, string? AuthMethod);
