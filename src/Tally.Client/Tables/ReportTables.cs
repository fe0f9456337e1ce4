using Tally.Client.Reports;
using static Tally.Client.Tables.ColumnType;

namespace Tally.Client.Tables;

/// <summary>
/// Flattens each report into one row per company and day (per company, day and item for tools and documents),
/// with the columns of the server's own CSV (docs/reports.md), so a file exported here reads like the server's
/// <c>format=csv</c>: by week, month or total, an <c>end_date</c> column follows <c>date</c>.
/// </summary>
public static class ReportTables
{
    /// <summary><c>chat-sessions</c>: one row per company and day, chat then agent columns.</summary>
    public static Table ChatSessions(ChatSessionsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.ChatSessions, Columns(
            ("sessions_count", WholeNumber), ("unique_models_count", WholeNumber), ("average_session_length", DecimalNumber),
            ("user_queries_count", WholeNumber), ("model_responses_with_docs_count", WholeNumber), ("model_responses_count", WholeNumber),
            ("last_model_response_date", Timestamp),
            ("agent_threads_count", WholeNumber), ("agent_unique_models_count", WholeNumber), ("agent_average_thread_length", DecimalNumber),
            ("agent_user_queries_count", WholeNumber), ("agent_model_responses_with_docs_count", WholeNumber), ("agent_model_responses_count", WholeNumber),
            ("agent_last_model_response_date", Timestamp)));
        var agentDays = AgentDays(report);
        foreach (var entry in report.Reporting)
        {
            foreach (var day in entry.Dates)
            {
                var agent = agentDays.GetValueOrDefault((entry.Company.Id, day.Date));
                table.Add(
                    entry.Company.Id, entry.Company.Name, day.Date, day.EndDate,
                    day.Sessions?.SessionsCount, day.Sessions?.UniqueModelsCount, day.Sessions?.AverageSessionLength,
                    day.Chats?.UserQueriesCount, day.Chats?.ModelResponsesWithDocsCount, day.Chats?.ModelResponsesCount, day.Chats?.LastModelResponseDate,
                    agent?.Threads?.ThreadsCount, agent?.Threads?.UniqueModelsCount, agent?.Threads?.AverageThreadLength,
                    agent?.Chats?.UserQueriesCount, agent?.Chats?.ModelResponsesWithDocsCount, agent?.Chats?.ModelResponsesCount, agent?.Chats?.LastModelResponseDate);
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary><c>chats-feedback</c>: one row per company and day.</summary>
    public static Table ChatsFeedback(FeedbackReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.ChatsFeedback, Columns(
            ("model_responses_count", WholeNumber), ("likes_count", WholeNumber), ("dislikes_count", WholeNumber), ("copies_count", WholeNumber), ("flags_count", WholeNumber)));
        foreach (var entry in report.Reporting)
        {
            foreach (var day in entry.Dates)
            {
                table.Add(entry.Company.Id, entry.Company.Name, day.Date, day.EndDate, day.ModelResponsesCount,
                    day.Feedbacks?.LikesCount, day.Feedbacks?.DislikesCount, day.Feedbacks?.CopiesCount, day.Feedbacks?.FlagsCount);
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary><c>tools</c>: one row per company, day and tool; a day without calls is one row with empty tool cells.</summary>
    public static Table Tools(ToolsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.Tools, Columns(
            ("tool_calls_count", WholeNumber), ("tool_name", Text), ("tool_type", Text), ("usage_count", WholeNumber), ("users_count", WholeNumber), ("errors_count", WholeNumber)));
        foreach (var entry in report.Reporting)
        {
            foreach (var day in entry.Dates)
            {
                if (day.Tools is not { Count: > 0 } tools)
                {
                    table.Add(entry.Company.Id, entry.Company.Name, day.Date, day.EndDate, day.ToolCallsCount, null, null, null, null, null);
                    continue;
                }

                foreach (var tool in tools)
                {
                    table.Add(entry.Company.Id, entry.Company.Name, day.Date, day.EndDate, day.ToolCallsCount, tool.ToolName, tool.ToolType, tool.UsageCount, tool.UsersCount, tool.ErrorsCount);
                }
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary><c>used-documents</c>: one row per company, day and document; a day without documents is one row with empty document cells.</summary>
    public static Table UsedDocuments(DocumentsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.UsedDocuments, Columns(
            ("documents_count", WholeNumber), ("document_id", WholeNumber), ("document_filename", Text), ("document_title", Text), ("usage_count", WholeNumber)));
        foreach (var entry in report.Reporting)
        {
            foreach (var day in entry.Dates)
            {
                if (day.Documents is not { Count: > 0 } documents)
                {
                    table.Add(entry.Company.Id, entry.Company.Name, day.Date, day.EndDate, day.DocumentsCount, null, null, null, null);
                    continue;
                }

                foreach (var document in documents)
                {
                    table.Add(entry.Company.Id, entry.Company.Name, day.Date, day.EndDate, day.DocumentsCount, document.DocumentId, document.DocumentFilename, document.DocumentTitle, document.UsageCount);
                }
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary><c>users</c>: one row per company (members are not dated).</summary>
    public static Table Users(MembersReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.Users, [
            new("company_id", WholeNumber), new("company_name", Text),
            new("total_historical_members", WholeNumber), new("current_active_members", WholeNumber)]);
        foreach (var entry in report.Reporting)
        {
            table.Add(entry.Company.Id, entry.Company.Name, entry.TotalHistoricalMembers, entry.CurrentActiveMembers);
        }

        return table;
    }

    /// <summary><c>user-activities</c>: one row per company and day.</summary>
    public static Table UserActivities(UserActivitiesReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.UserActivities, Columns(
            ("active_users_count", WholeNumber), ("new_active_users_count", WholeNumber), ("weekly_active_users_count", WholeNumber),
            ("monthly_active_users_count", WholeNumber), ("connections_count", WholeNumber)));
        foreach (var entry in report.Reporting)
        {
            foreach (var day in entry.Dates)
            {
                table.Add(entry.Company.Id, entry.Company.Name, day.Date, day.EndDate, day.ActiveUsersCount, day.NewActiveUsersCount,
                    day.WeeklyActiveUsersCount, day.MonthlyActiveUsersCount, day.ConnectionsCount);
            }
        }

        return table.WithoutEmptyColumn("end_date");
    }

    /// <summary>The per-user table of <c>user-activities</c>: one row per company and user.</summary>
    public static Table ActiveUsers(UserActivitiesReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table("active-users", [
            new("company_id", WholeNumber), new("company_name", Text), new("user_id", WholeNumber), new("user_name", Text),
            new("active_days_count", WholeNumber), new("sessions_count", WholeNumber), new("user_queries_count", WholeNumber),
            new("feedbacks_count", WholeNumber), new("tool_calls_count", WholeNumber), new("first_activity_date", Date),
            new("last_activity_date", Date), new("last_connection", Timestamp), new("input_tokens", WholeNumber), new("output_tokens", WholeNumber),
            new("cost", DecimalNumber)]);
        foreach (var entry in report.Reporting)
        {
            foreach (var user in entry.Users ?? [])
            {
                table.Add(entry.Company.Id, entry.Company.Name, user.UserId, user.UserName, user.ActiveDaysCount, user.SessionsCount,
                    user.UserQueriesCount, user.FeedbacksCount, user.ToolCallsCount, user.FirstActivityDate, user.LastActivityDate, user.LastConnection,
                    user.InputTokens, user.OutputTokens, user.Cost);
            }
        }

        return table;
    }

    /// <summary><c>connections</c>: one row per login, newest first within each company.</summary>
    public static Table Connections(ConnectionsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var table = new Table(TallyClient.ReportNames.Connections, [
            new("company_id", WholeNumber), new("company_name", Text), new("user_id", WholeNumber), new("user_name", Text),
            new("timestamp", Timestamp), new("ip", Text), new("user_agent", Text), new("auth_method", Text)]);
        foreach (var entry in report.Reporting)
        {
            foreach (var connection in entry.Connections)
            {
                table.Add(entry.Company.Id, entry.Company.Name, connection.UserId, connection.UserName, connection.Timestamp,
                    connection.Ip, connection.UserAgent, connection.AuthMethod);
            }
        }

        return table;
    }

    /// <summary>The agent-mode days of a chat-sessions report by company and date.</summary>
    internal static Dictionary<(long Company, DateOnly Date), AgentThreadsDay> AgentDays(ChatSessionsReport report) =>
        (report.ReportingAgent ?? [])
            .SelectMany(entry => entry.Dates.Select(day => (Key: (entry.Company.Id, day.Date), Day: day)))
            .ToDictionary(pair => pair.Key, pair => pair.Day);

    /// <summary>company_id, company_name, date and end_date (dropped when every row is a day), then these columns.</summary>
    internal static List<Column> Columns(params (string Name, ColumnType Type)[] columns) =>
        [new("company_id", WholeNumber), new("company_name", Text), new("date", Date), new("end_date", Date), .. columns.Select(column => new Column(column.Name, column.Type))];
}
