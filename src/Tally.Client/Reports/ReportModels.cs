using System.Text.Json.Serialization;

namespace Tally.Client.Reports;

// Records that mirror the JSON of shared/spec/reports.md, key for key (snake_case on the wire). Every value a
// server might lack is nullable: a key Paradigm does not send reads as null ("absent"), never as a made-up zero.

/// <summary>A company as reports name it; <c>timezone</c> is Tally's addition.</summary>
public sealed record ReportCompany(long Id, string? Name, string? Timezone);

/// <summary>A metric's documented meaning.</summary>
public sealed record MetricDescription(string? Description, string? Unit);

/// <summary>One company's days in a dated report.</summary>
public sealed record CompanyDays<TDay>(ReportCompany Company, IReadOnlyList<TDay> Dates);

/// <summary>The common shape: metadata, one entry per company, when it was computed.</summary>
public record Report<TEntry>(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<TEntry> Reporting, DateTime? GeneratedAt);

/// <summary><c>/reporting/chat-sessions/</c>: chat mode in <c>reporting</c>, agent mode in <c>reporting_agent</c> (Tally's addition).</summary>
public sealed record ChatSessionsReport(
    IReadOnlyDictionary<string, MetricDescription>? Metadata,
    IReadOnlyList<CompanyDays<ChatSessionsDay>> Reporting,
    DateTime? GeneratedAt,
    IReadOnlyDictionary<string, MetricDescription>? MetadataAgent,
    IReadOnlyList<CompanyDays<AgentThreadsDay>>? ReportingAgent)
    : Report<CompanyDays<ChatSessionsDay>>(Metadata, Reporting, GeneratedAt);

/// <summary>A chat-mode day (or period).</summary>
public sealed record ChatSessionsDay(DateOnly Date, SessionCounts? Sessions, ChatCounts? Chats)
{
    /// <summary>The period's last day inside the range, for every granularity but day (null for a day).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? EndDate { get; init; }
}

/// <summary>An agent-mode day.</summary>
public sealed record AgentThreadsDay(DateOnly Date, ThreadCounts? Threads, ChatCounts? Chats)
{
    /// <summary>The period's last day inside the range, for every granularity but day (null for a day).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? EndDate { get; init; }
}

/// <summary>Sessions of a chat-mode day.</summary>
public sealed record SessionCounts(long? SessionsCount, long? UniqueModelsCount, decimal? AverageSessionLength);

/// <summary>Threads of an agent-mode day.</summary>
public sealed record ThreadCounts(long? ThreadsCount, long? UniqueModelsCount, decimal? AverageThreadLength);

/// <summary>Questions and answers of a day, for one mode.</summary>
public sealed record ChatCounts(long? UserQueriesCount, long? ModelResponsesWithDocsCount, long? ModelResponsesCount, DateTime? LastModelResponseDate);

/// <summary><c>/reporting/chats-feedback/</c>.</summary>
public sealed record FeedbackReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyDays<FeedbackDay>> Reporting, DateTime? GeneratedAt)
    : Report<CompanyDays<FeedbackDay>>(Metadata, Reporting, GeneratedAt);

/// <summary>A day of feedback.</summary>
public sealed record FeedbackDay(DateOnly Date, long? ModelResponsesCount, FeedbackCounts? Feedbacks)
{
    /// <summary>The period's last day inside the range, for every granularity but day (null for a day).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? EndDate { get; init; }
}

/// <summary>Ratings (latest per rater and answer), copies and flags of a day.</summary>
public sealed record FeedbackCounts(long? LikesCount, long? DislikesCount, long? CopiesCount, long? FlagsCount);

/// <summary><c>/reporting/tools/</c>.</summary>
public sealed record ToolsReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyDays<ToolsDay>> Reporting, DateTime? GeneratedAt)
    : Report<CompanyDays<ToolsDay>>(Metadata, Reporting, GeneratedAt);

/// <summary>A day of tool calls.</summary>
public sealed record ToolsDay(DateOnly Date, long? ToolCallsCount, IReadOnlyList<ToolUsage>? Tools)
{
    /// <summary>The period's last day inside the range, for every granularity but day (null for a day).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? EndDate { get; init; }
}

/// <summary>One tool on one day.</summary>
public sealed record ToolUsage(string ToolName, string? ToolType, long? UsageCount, long? UsersCount, long? ErrorsCount);

/// <summary><c>/reporting/used-documents/</c>.</summary>
public sealed record DocumentsReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyDays<DocumentsDay>> Reporting, DateTime? GeneratedAt)
    : Report<CompanyDays<DocumentsDay>>(Metadata, Reporting, GeneratedAt);

/// <summary>A day of documents used in answers.</summary>
public sealed record DocumentsDay(DateOnly Date, IReadOnlyList<DocumentUsage>? Documents)
{
    /// <summary>The period's last day inside the range, for every granularity but day (null for a day).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? EndDate { get; init; }

    /// <summary>The distinct documents used in the day or period, counted before a limit cuts the list.</summary>
    public long? DocumentsCount { get; init; }
}

/// <summary>One document on one day.</summary>
public sealed record DocumentUsage(long? DocumentId, string? DocumentFilename, string? DocumentTitle, long? UsageCount);

/// <summary><c>/reporting/users/</c>: members, not dated.</summary>
public sealed record MembersReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyMembers> Reporting, DateTime? GeneratedAt)
    : Report<CompanyMembers>(Metadata, Reporting, GeneratedAt);

/// <summary>A company's members as of the end of the range.</summary>
public sealed record CompanyMembers(ReportCompany Company, long? TotalHistoricalMembers, long? CurrentActiveMembers);

/// <summary><c>/reporting/user-activities/</c>.</summary>
public sealed record UserActivitiesReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyActivity> Reporting, DateTime? GeneratedAt)
    : Report<CompanyActivity>(Metadata, Reporting, GeneratedAt);

/// <summary>A company's active-user days and per-user table.</summary>
public sealed record CompanyActivity(ReportCompany Company, IReadOnlyList<ActivityDay> Dates, IReadOnlyList<UserActivity>? Users);

/// <summary>Active users of a day.</summary>
public sealed record ActivityDay(DateOnly Date, long? ActiveUsersCount, long? NewActiveUsersCount, long? WeeklyActiveUsersCount, long? MonthlyActiveUsersCount, long? ConnectionsCount)
{
    /// <summary>The period's last day inside the range, for every granularity but day (null for a day).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? EndDate { get; init; }
}

/// <summary>One user's activity within the range.</summary>
public sealed record UserActivity(
    long UserId,
    string? UserName,
    long? ActiveDaysCount,
    long? SessionsCount,
    long? UserQueriesCount,
    long? FeedbacksCount,
    long? ToolCallsCount,
    DateOnly? FirstActivityDate,
    DateOnly? LastActivityDate,
    DateTime? LastConnection,
    long? InputTokens = null,
    long? OutputTokens = null,
    decimal? Cost = null);

/// <summary><c>/reporting/connections/</c>: one page.</summary>
public sealed record ConnectionsReport(IReadOnlyDictionary<string, MetricDescription>? Metadata, IReadOnlyList<CompanyConnections> Reporting, DateTime? GeneratedAt)
    : Report<CompanyConnections>(Metadata, Reporting, GeneratedAt);

/// <summary>A page of a company's connections, newest first, and the cursor of the next page.</summary>
public sealed record CompanyConnections(ReportCompany Company, IReadOnlyList<Connection> Connections, string? Next);

/// <summary>One login.</summary>
public sealed record Connection(long UserId, string? UserName, DateTime Timestamp, string? Ip, string? UserAgent, string? AuthMethod);
