using Tally.Client.Reports;
using static Tally.Client.Tables.ColumnType;

namespace Tally.Client.Tables;

/// <summary>
/// The one table an analyst wants first: every dated report joined on (company, date), with a column per tool
/// and the ratios everyone computes by hand. A report the server lacks leaves its columns out; a ratio whose
/// denominator is zero or unknown is empty (null), never NaN.
/// </summary>
public static class MergedTable
{
    /// <summary>Prefix of the per-tool call-count columns (<c>tool:document_search</c>).</summary>
    public const string ToolColumnPrefix = "tool:";

    /// <summary>Ratios are rounded to this many decimals, half away from zero.</summary>
    public const int RatioDecimals = 4;

    /// <summary>The derived columns, last in every merged table.</summary>
    public static readonly IReadOnlyList<string> RatioColumns = ["satisfaction_rate", "grounding_rate", "queries_per_active_user", "tool_calls_per_query", "tool_error_rate"];

    /// <summary>Joins the reports of one range into one row per company and day (or period, with an end_date).</summary>
    public static Table Build(UsageReports reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var sessions = Index(reports.ChatSessions?.Reporting, day => day.Date);
        var agent = reports.ChatSessions is { } chatSessions ? ReportTables.AgentDays(chatSessions) : [];
        var feedback = Index(reports.ChatsFeedback?.Reporting, day => day.Date);
        var tools = Index(reports.Tools?.Reporting, day => day.Date);
        var documents = Index(reports.UsedDocuments?.Reporting, day => day.Date);
        var models = Index(reports.Models?.Reporting, period => period.Date);
        var activity = Index(reports.UserActivities?.Reporting.Select(entry => new CompanyDays<ActivityDay>(entry.Company, entry.Dates)), day => day.Date);
        var toolNames = tools.Values.SelectMany(day => day.Tools ?? []).Select(tool => tool.ToolName).Distinct().Order(StringComparer.Ordinal).ToList();

        var companies = reports.Companies().ToDictionary(company => company.Id, company => company.Name);

        // By week, month or total, each row is a period: its end comes from whichever report has it.
        DateOnly? EndOf((long Company, DateOnly Date) key) => sessions.GetValueOrDefault(key)?.EndDate ?? feedback.GetValueOrDefault(key)?.EndDate
            ?? tools.GetValueOrDefault(key)?.EndDate ?? documents.GetValueOrDefault(key)?.EndDate ?? activity.GetValueOrDefault(key)?.EndDate
            ?? models.GetValueOrDefault(key)?.EndDate;

        var columns = new List<Column> { new("company_id", WholeNumber), new("company_name", Text), new("date", Date), new("end_date", Date) };
        var parts = new List<Func<(long Company, DateOnly Date), IEnumerable<object?>>>();
        if (reports.ChatSessions is not null)
        {
            columns.AddRange(Integers("sessions_count", "user_queries_count", "model_responses_count", "model_responses_with_docs_count",
                "agent_threads_count", "agent_user_queries_count", "agent_model_responses_count", "agent_model_responses_with_docs_count"));
            columns.Add(new("unique_models_count", WholeNumber));
            parts.Add(key =>
            {
                var chat = sessions.GetValueOrDefault(key);
                var thread = agent.GetValueOrDefault(key);
                return [chat?.Sessions?.SessionsCount, chat?.Chats?.UserQueriesCount, chat?.Chats?.ModelResponsesCount, chat?.Chats?.ModelResponsesWithDocsCount,
                    thread?.Threads?.ThreadsCount, thread?.Chats?.UserQueriesCount, thread?.Chats?.ModelResponsesCount, thread?.Chats?.ModelResponsesWithDocsCount,
                    chat?.Sessions?.UniqueModelsCount];
            });
        }

        if (reports.ChatsFeedback is not null)
        {
            columns.AddRange(Integers("likes_count", "dislikes_count", "copies_count", "flags_count"));
            parts.Add(key => feedback.GetValueOrDefault(key)?.Feedbacks is { } counts
                ? [counts.LikesCount, counts.DislikesCount, counts.CopiesCount, counts.FlagsCount]
                : [null, null, null, null]);
        }

        if (reports.Tools is not null)
        {
            columns.AddRange(Integers("tool_calls_count", "tool_errors_count"));
            columns.AddRange(toolNames.Select(name => new Column(ToolColumnPrefix + name, WholeNumber)));
            parts.Add(key =>
            {
                var day = tools.GetValueOrDefault(key);
                var used = day?.Tools ?? [];
                return [day?.ToolCallsCount, day is null ? null : Sum(used.Select(tool => tool.ErrorsCount)),
                    .. toolNames.Select(name => day is null ? null : (object?)(Sum(used.Where(tool => tool.ToolName == name).Select(tool => tool.UsageCount)) ?? 0))];
            });
        }

        if (reports.UserActivities is not null)
        {
            columns.AddRange(Integers("active_users_count", "new_active_users_count", "weekly_active_users_count", "monthly_active_users_count", "connections_count"));
            parts.Add(key => activity.GetValueOrDefault(key) is { } day
                ? [day.ActiveUsersCount, day.NewActiveUsersCount, day.WeeklyActiveUsersCount, day.MonthlyActiveUsersCount, day.ConnectionsCount]
                : [null, null, null, null, null]);
        }

        if (reports.UsedDocuments is not null)
        {
            columns.AddRange(Integers("documents_used_count", "document_uses_count"));
            columns.Add(new("top_document", Text));
            parts.Add(key =>
            {
                var day = documents.GetValueOrDefault(key);
                var used = day?.Documents ?? [];
                return [day is null ? null : (long)used.Count, day is null ? null : Sum(used.Select(document => document.UsageCount)) ?? 0,
                    used.Count == 0 ? null : Describe(used[0])];
            });
        }

        if (reports.Models is { } modelsReport)
        {
            // The period's tokens and cost over every model, as the server sums them (cost exact, rounded once; empty
            // when a model that answered has no price), and the currency of the prices so a cost never goes unlabelled.
            columns.AddRange(Integers("input_tokens", "output_tokens"));
            columns.Add(new("cost", DecimalNumber));
            columns.Add(new("currency", Text));
            parts.Add(key => models.GetValueOrDefault(key) is { } period
                ? [period.InputTokens, period.OutputTokens, period.Cost, modelsReport.Currency]
                : [null, null, null, modelsReport.Currency]);
        }

        columns.AddRange(RatioColumns.Select(name => new Column(name, DecimalNumber)));

        var table = new Table("all", columns);
        var keys = sessions.Keys.Concat(feedback.Keys).Concat(tools.Keys).Concat(documents.Keys).Concat(activity.Keys).Concat(models.Keys)
            .Distinct().OrderBy(key => key.Company).ThenBy(key => key.Date);
        foreach (var key in keys)
        {
            var values = new List<object?> { key.Company, companies.GetValueOrDefault(key.Company), key.Date, EndOf(key) };
            foreach (var part in parts)
            {
                values.AddRange(part(key));
            }

            values.AddRange(Ratios(key, sessions, agent, feedback, tools, activity));
            table.Add([.. values]);
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary>
    /// satisfaction = likes ÷ (likes + dislikes); grounding = answers with documents ÷ answers; queries per active
    /// user; tool calls per query; tool errors ÷ tool calls. Questions and answers are chat and agent together.
    /// </summary>
    private static object?[] Ratios(
        (long Company, DateOnly Date) key,
        Dictionary<(long, DateOnly), ChatSessionsDay> sessions,
        Dictionary<(long, DateOnly), AgentThreadsDay> agent,
        Dictionary<(long, DateOnly), FeedbackDay> feedback,
        Dictionary<(long, DateOnly), ToolsDay> tools,
        Dictionary<(long, DateOnly), ActivityDay> activity)
    {
        var chat = sessions.GetValueOrDefault(key)?.Chats;
        var thread = agent.GetValueOrDefault(key)?.Chats;
        var queries = chat is null ? null : Sum([chat.UserQueriesCount, thread?.UserQueriesCount]);
        var answers = chat is null ? null : Sum([chat.ModelResponsesCount, thread?.ModelResponsesCount]);
        var grounded = chat is null ? null : Sum([chat.ModelResponsesWithDocsCount, thread?.ModelResponsesWithDocsCount]);
        var ratings = feedback.GetValueOrDefault(key)?.Feedbacks;
        var day = tools.GetValueOrDefault(key);
        var errors = day is null ? null : Sum((day.Tools ?? []).Select(tool => tool.ErrorsCount));
        return
        [
            Ratio(ratings?.LikesCount, ratings?.LikesCount + ratings?.DislikesCount),
            Ratio(grounded, answers),
            Ratio(queries, activity.GetValueOrDefault(key)?.ActiveUsersCount),
            Ratio(day?.ToolCallsCount, queries),
            Ratio(errors, day?.ToolCallsCount),
        ];
    }

    /// <summary><paramref name="numerator"/> ÷ <paramref name="denominator"/>, exactly, rounded; null when either is unknown or the denominator is zero.</summary>
    public static decimal? Ratio(long? numerator, long? denominator) =>
        numerator is { } top && denominator is { } bottom && bottom != 0
            ? Math.Round((decimal)top / bottom, RatioDecimals, MidpointRounding.AwayFromZero)
            : null;

    private static string Describe(DocumentUsage document) =>
        document.DocumentTitle ?? document.DocumentFilename ?? $"document {document.DocumentId}";

    private static long? Sum(IEnumerable<long?> values)
    {
        long? total = null;
        foreach (var value in values)
        {
            if (value is { } number)
            {
                total = (total ?? 0) + number;
            }
        }

        return total;
    }

    private static IEnumerable<Column> Integers(params string[] names) => names.Select(name => new Column(name, WholeNumber));

    private static Dictionary<(long Company, DateOnly Date), TDay> Index<TDay>(IEnumerable<CompanyDays<TDay>>? entries, Func<TDay, DateOnly> dateOf) =>
        (entries ?? [])
            .SelectMany(entry => entry.Dates.Select(day => (Key: (entry.Company.Id, dateOf(day)), Day: day)))
            .ToDictionary(pair => pair.Key, pair => pair.Day);
}
