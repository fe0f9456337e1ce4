using Tally.Client.Reports;

namespace Tally.Client;

/// <summary>
/// A typed client for every report of Tally's reporting API (and the Paradigm reports it is compatible with).
/// Retries 429s, 5xx and timeouts; throws <see cref="TallyApiException"/> with the server's message otherwise.
/// </summary>
public sealed class TallyClient : IDisposable
{
    /// <summary>The paths of the reports, as the API names them.</summary>
    public static class ReportNames
    {
        /// <summary>Sessions, questions and answers per day, chat and agent.</summary>
        public const string ChatSessions = "chat-sessions";

        /// <summary>Likes, dislikes, copies and flags per day.</summary>
        public const string ChatsFeedback = "chats-feedback";

        /// <summary>Tool calls per day and tool.</summary>
        public const string Tools = "tools";

        /// <summary>Documents used in answers per day.</summary>
        public const string UsedDocuments = "used-documents";

        /// <summary>Members, as of the end of the range.</summary>
        public const string Users = "users";

        /// <summary>Active users per day and the per-user table.</summary>
        public const string UserActivities = "user-activities";

        /// <summary>Latest logins, newest first, paged.</summary>
        public const string Connections = "connections";

        /// <summary>Answers, tokens, latency and cost per model, per period.</summary>
        public const string Models = "models";

        /// <summary>Likes and dislikes by the model, tools and documents of the rated answer, per period.</summary>
        public const string Satisfaction = "satisfaction";
    }

    private readonly ApiHttp _http;

    /// <summary>Creates a client for the server and key in <paramref name="options"/>.</summary>
    public TallyClient(TallyClientOptions options) => _http = new ApiHttp(options);

    /// <summary><c>chat-sessions</c>.</summary>
    public Task<ChatSessionsReport> GetChatSessionsAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<ChatSessionsReport>(ReportNames.ChatSessions, request, cancellationToken);

    /// <summary><c>chats-feedback</c>.</summary>
    public Task<FeedbackReport> GetChatsFeedbackAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<FeedbackReport>(ReportNames.ChatsFeedback, request, cancellationToken);

    /// <summary><c>tools</c>.</summary>
    public Task<ToolsReport> GetToolsAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<ToolsReport>(ReportNames.Tools, request, cancellationToken);

    /// <summary><c>used-documents</c>.</summary>
    public Task<DocumentsReport> GetUsedDocumentsAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<DocumentsReport>(ReportNames.UsedDocuments, request, cancellationToken);

    /// <summary><c>users</c> (members as of the end of the range).</summary>
    public Task<MembersReport> GetUsersAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<MembersReport>(ReportNames.Users, request, cancellationToken);

    /// <summary><c>user-activities</c>.</summary>
    public Task<UserActivitiesReport> GetUserActivitiesAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<UserActivitiesReport>(ReportNames.UserActivities, request, cancellationToken);

    /// <summary>One page of <c>connections</c>; pass its <c>next</c> as <see cref="ReportRequest.Cursor"/> for the following one.</summary>
    public Task<ConnectionsReport> GetConnectionsAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<ConnectionsReport>(ReportNames.Connections, request, cancellationToken);

    /// <summary><c>models</c>, per <see cref="ReportRequest.Granularity"/>.</summary>
    public Task<ModelsReport> GetModelsAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<ModelsReport>(ReportNames.Models, request, cancellationToken);

    /// <summary><c>satisfaction</c>, per <see cref="ReportRequest.Granularity"/>.</summary>
    public Task<SatisfactionReport> GetSatisfactionAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        GetAsync<SatisfactionReport>(ReportNames.Satisfaction, request, cancellationToken);

    /// <summary>A report as the server's own CSV (<c>format=csv</c>).</summary>
    public Task<string> GetCsvAsync(string report, ReportRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _http.GetTextAsync(request.PathFor(report, "csv"), cancellationToken);
    }

    private Task<T> GetAsync<T>(string report, ReportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _http.GetJsonAsync<T>(request.PathFor(report), cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
