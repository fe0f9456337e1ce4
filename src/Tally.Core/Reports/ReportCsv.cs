using System.Globalization;
using System.Text;

namespace Tally.Reports;

/// <summary>
/// The CSV form of each report (spec/reports.md): RFC 4180 quoting, CRLF, a header row, null as an empty cell,
/// rows by company id, then date, then the JSON order of items.
/// </summary>
public static partial class ReportCsv
{
    public static string ChatSessions(ChatSessionsReport report, Granularity granularity)
    {
        var csv = new Writer(granularity, "company_id", "company_name", "date", "end_date", "sessions_count", "unique_models_count", "average_session_length",
            "user_queries_count", "model_responses_with_docs_count", "model_responses_count", "last_model_response_date",
            "agent_threads_count", "agent_unique_models_count", "agent_average_thread_length", "agent_user_queries_count",
            "agent_model_responses_with_docs_count", "agent_model_responses_count", "agent_last_model_response_date");
        foreach (var (chat, agent) in report.Reporting.Zip(report.ReportingAgent))
        {
            foreach (var (c, a) in chat.Dates.Zip(agent.Dates))
            {
                csv.Row(chat.Company.Id, chat.Company.Name, c.Date, c.EndDate, c.Sessions.SessionsCount, c.Sessions.UniqueModelsCount, c.Sessions.AverageSessionLength,
                    c.Chats.UserQueriesCount, c.Chats.ModelResponsesWithDocsCount, c.Chats.ModelResponsesCount, c.Chats.LastModelResponseDate,
                    a.Threads.ThreadsCount, a.Threads.UniqueModelsCount, a.Threads.AverageThreadLength, a.Chats.UserQueriesCount,
                    a.Chats.ModelResponsesWithDocsCount, a.Chats.ModelResponsesCount, a.Chats.LastModelResponseDate);
            }
        }

        return csv.ToString();
    }

    public static string ChatsFeedback(ChatsFeedbackReport report, Granularity granularity)
    {
        var csv = new Writer(granularity, "company_id", "company_name", "date", "end_date", "model_responses_count", "likes_count", "dislikes_count", "copies_count", "flags_count");
        foreach (var company in report.Reporting)
        {
            foreach (var d in company.Dates)
            {
                csv.Row(company.Company.Id, company.Company.Name, d.Date, d.EndDate, d.ModelResponsesCount,
                    d.Feedbacks.LikesCount, d.Feedbacks.DislikesCount, d.Feedbacks.CopiesCount, d.Feedbacks.FlagsCount);
            }
        }

        return csv.ToString();
    }

    public static string Tools(ToolsReport report, Granularity granularity)
    {
        var csv = new Writer(granularity, "company_id", "company_name", "date", "end_date", "tool_calls_count", "tool_name", "tool_type", "usage_count", "users_count", "errors_count");
        foreach (var company in report.Reporting)
        {
            foreach (var d in company.Dates)
            {
                if (d.Tools.Count == 0)
                {
                    csv.Row(company.Company.Id, company.Company.Name, d.Date, d.EndDate, d.ToolCallsCount, null, null, null, null, null);
                }

                foreach (var t in d.Tools)
                {
                    csv.Row(company.Company.Id, company.Company.Name, d.Date, d.EndDate, d.ToolCallsCount, t.ToolName, t.ToolType, t.UsageCount, t.UsersCount, t.ErrorsCount);
                }
            }
        }

        return csv.ToString();
    }

    public static string UsedDocuments(UsedDocumentsReport report, Granularity granularity)
    {
        var csv = new Writer(granularity, "company_id", "company_name", "date", "end_date", "documents_count", "document_id", "document_filename", "document_title", "usage_count");
        foreach (var company in report.Reporting)
        {
            foreach (var d in company.Dates)
            {
                if (d.Documents.Count == 0)
                {
                    csv.Row(company.Company.Id, company.Company.Name, d.Date, d.EndDate, d.DocumentsCount, null, null, null, null);
                }

                foreach (var document in d.Documents)
                {
                    csv.Row(company.Company.Id, company.Company.Name, d.Date, d.EndDate, d.DocumentsCount, document.DocumentId, document.DocumentFilename, document.DocumentTitle, document.UsageCount);
                }
            }
        }

        return csv.ToString();
    }

    public static string Users(UsersReport report)
    {
        var csv = new Writer("company_id", "company_name", "total_historical_members", "current_active_members");
        foreach (var company in report.Reporting)
        {
            csv.Row(company.Company.Id, company.Company.Name, company.TotalHistoricalMembers, company.CurrentActiveMembers);
        }

        return csv.ToString();
    }

    public static string UserActivities(UserActivitiesReport report, bool usersTable, Granularity granularity)
    {
        if (usersTable)
        {
            var users = new Writer("company_id", "company_name", "user_id", "user_name", "active_days_count", "sessions_count", "user_queries_count",
                "feedbacks_count", "tool_calls_count", "first_activity_date", "last_activity_date", "last_connection", "input_tokens", "output_tokens", "cost");
            foreach (var company in report.Reporting)
            {
                foreach (var u in company.Users)
                {
                    users.Row(company.Company.Id, company.Company.Name, u.UserId, u.UserName, u.ActiveDaysCount, u.SessionsCount, u.UserQueriesCount,
                        u.FeedbacksCount, u.ToolCallsCount, u.FirstActivityDate, u.LastActivityDate, u.LastConnection, u.InputTokens, u.OutputTokens, u.Cost);
                }
            }

            return users.ToString();
        }

        var csv = new Writer(granularity, "company_id", "company_name", "date", "end_date", "active_users_count", "new_active_users_count",
            "weekly_active_users_count", "monthly_active_users_count", "connections_count");
        foreach (var company in report.Reporting)
        {
            foreach (var d in company.Dates)
            {
                csv.Row(company.Company.Id, company.Company.Name, d.Date, d.EndDate, d.ActiveUsersCount, d.NewActiveUsersCount,
                    d.WeeklyActiveUsersCount, d.MonthlyActiveUsersCount, d.ConnectionsCount);
            }
        }

        return csv.ToString();
    }

    public static string Connections(ConnectionsReport report)
    {
        var csv = new Writer("company_id", "company_name", "user_id", "user_name", "timestamp", "ip", "user_agent", "auth_method");
        foreach (var company in report.Reporting)
        {
            foreach (var c in company.Connections)
            {
                csv.Row(company.Company.Id, company.Company.Name, c.UserId, c.UserName, c.Timestamp, c.Ip, c.UserAgent, c.AuthMethod);
            }
        }

        return csv.ToString();
    }

    private sealed class Writer
    {
        private readonly StringBuilder _text = new();

        // The column left out of every row: end_date for days (each row still passes its cell, null then).
        private readonly int _omitted = -1;

        public Writer(params string[] header) => Row(header);

        /// <summary>A dated table whose header names an end_date column, kept for every granularity but day.</summary>
        public Writer(Granularity granularity, params string[] header)
        {
            _omitted = granularity == Granularity.Day ? Array.IndexOf(header, "end_date") : -1;
            Row(header);
        }

        public void Row(params object?[] cells)
        {
            var first = true;
            for (var i = 0; i < cells.Length; i++)
            {
                if (i == _omitted)
                {
                    continue;
                }

                if (!first)
                {
                    _text.Append(',');
                }

                first = false;

                _text.Append(Cell(cells[i]));
            }

            _text.Append("\r\n");
        }

        private static string Cell(object? value)
        {
            var text = value switch
            {
                null => "",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
            return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
        }

        public override string ToString() => _text.ToString();
    }
}
