namespace Tally.Reports;

/// <summary>
/// The <c>metadata</c> of every report: one entry per key that carries a value, stating its definition
/// (spec/reports.md) in one sentence and its unit. D is a calendar day in the company's time zone.
/// </summary>
public static partial class Metrics
{
    private const string DayNote = "Today is partial and days after today are zero.";

    private static MetricDescription M(string description, string unit) => new(description, unit);

    private static Dictionary<string, MetricDescription> Of(params (string Key, MetricDescription Description)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Description, StringComparer.Ordinal);

    private static readonly (string, MetricDescription) Date =
        ("date", M($"The calendar day D in the company's time zone; every day of the range is listed. {DayNote}", "date"));

    private static (string, MetricDescription)[] ChatNumbers(string mode) =>
    [
        ("user_queries_count", M($"Number of user_query events of mode {mode} on D.", "queries")),
        ("model_responses_with_docs_count", M($"Number of model_response events of mode {mode} on D that list at least one document.", "responses")),
        ("model_responses_count", M($"Number of model_response events of mode {mode} on D.", "responses")),
        ("last_model_response_date", M($"Timestamp of the latest model_response event of mode {mode} on D, in UTC to the second; null when there is none.", "UTC timestamp")),
    ];

    public static readonly IReadOnlyDictionary<string, MetricDescription> ChatSessions = Of(
    [
        Date,
        ("sessions_count", M("Number of session_started events of mode chat on D.", "sessions")),
        ("unique_models_count", M("Number of distinct model values among model_response events of mode chat on D.", "models")),
        ("average_session_length", M("user_queries_count divided by the number of distinct sessions among the user_query events of mode chat on D (queries per session that had a query that day, not a duration); 0 when there are none; rounded to 2 decimals, half away from zero.", "queries per session")),
        .. ChatNumbers("chat"),
    ]);

    public static readonly IReadOnlyDictionary<string, MetricDescription> ChatSessionsAgent = Of(
    [
        Date,
        ("threads_count", M("Number of session_started events of mode agent on D.", "threads")),
        ("unique_models_count", M("Number of distinct model values among model_response events of mode agent on D.", "models")),
        ("average_thread_length", M("user_queries_count divided by the number of distinct threads among the user_query events of mode agent on D; 0 when there are none; rounded to 2 decimals, half away from zero.", "queries per thread")),
        .. ChatNumbers("agent"),
    ]);

    public static readonly IReadOnlyDictionary<string, MetricDescription> ChatsFeedback = Of(
        Date,
        ("model_responses_count", M("Number of model_response events on D, chat and agent modes together.", "responses")),
        ("likes_count", M("Ratings that are like, counted on the day of the rating: a user's rating of an answer is their latest like, dislike or none feedback for that response_id among all stored events, so past days change when a later rating arrives.", "likes")),
        ("dislikes_count", M("Ratings that are dislike, counted on the day of the rating: a user's rating of an answer is their latest like, dislike or none feedback for that response_id among all stored events, so past days change when a later rating arrives.", "dislikes")),
        ("copies_count", M("Number of feedback events of kind copy on D.", "copies")),
        ("flags_count", M("Number of feedback events of kind flag on D.", "flags")));

    public static readonly IReadOnlyDictionary<string, MetricDescription> Tools = Of(
        Date,
        ("tool_calls_count", M("Number of tool_call events on D, both modes.", "calls")),
        ("tool_name", M("The tool's name as the platform sent it.", "name")),
        ("tool_type", M("native or mcp.", "type")),
        ("usage_count", M("Number of tool_call events on D for this tool (name and type).", "calls")),
        ("users_count", M("Number of distinct users among this tool's tool_call events on D.", "users")),
        ("errors_count", M("Number of this tool's tool_call events on D with status error.", "calls")));

    public static readonly IReadOnlyDictionary<string, MetricDescription> UsedDocuments = Of(
        Date,
        ("documents_count", M("Number of distinct documents listed by model_response events on D, counted before limit cuts the list.", "documents")),
        ("document_id", M("The document's id on the platform.", "id")),
        ("document_filename", M("The filename in the latest answer (by timestamp, then id) of all stored that listed the document.", "name")),
        ("document_title", M("The title in that same latest listing; null when it had none.", "name")),
        ("usage_count", M("Number of model_response events on D that list the document (once per answer), both modes.", "uses")));

    public static readonly IReadOnlyDictionary<string, MetricDescription> Users = Of(
        ("total_historical_members", M("Number of distinct users of the company with any event on or before end_date (today when absent).", "members")),
        ("current_active_members", M("Number of those users whose latest event on or before end_date is not member_left.", "members")));

    public static readonly IReadOnlyDictionary<string, MetricDescription> UserActivities = Of(
        Date,
        ("active_users_count", M("Number of distinct users with an activity event (any type but member_joined and member_left) on D.", "users")),
        ("new_active_users_count", M("Number of users whose first activity event of all stored is on D.", "users")),
        ("weekly_active_users_count", M("Number of distinct users with an activity event on D or the 6 days before it (days before start_date count).", "users")),
        ("monthly_active_users_count", M("Number of distinct users with an activity event on D or the 29 days before it (days before start_date count).", "users")),
        ("connections_count", M("Number of connection events on D.", "connections")),
        ("user_id", M("The platform's user id.", "id")),
        ("user_name", M("The non-null user_name of the user's latest member_joined event that has one; null when none.", "name")),
        ("active_days_count", M("Days of the range on which the user had an activity event.", "days")),
        ("sessions_count", M("The user's session_started events in the range, both modes (raw counts: they do not reconcile with the chat-only or latest-rating numbers of other reports).", "sessions")),
        ("user_queries_count", M("The user's user_query events in the range, both modes.", "queries")),
        ("feedbacks_count", M("The user's feedback events of any kind in the range (raw count, not latest ratings).", "feedbacks")),
        ("tool_calls_count", M("The user's tool_call events in the range.", "calls")),
        ("first_activity_date", M("First day of the range with an activity event of the user.", "date")),
        ("last_activity_date", M("Last day of the range with an activity event of the user.", "date")),
        ("last_connection", M("Timestamp of the user's latest connection event up to the end of end_date, in UTC to the second; null when none.", "UTC timestamp")),
        ("input_tokens", M("Sum of input_tokens over the user's model_response events in the range (an absent field adds 0).", "tokens")),
        ("output_tokens", M("Sum of output_tokens over the user's model_response events in the range (an absent field adds 0).", "tokens")),
        ("cost", M("The sum over the user's days and models of (input_tokens x input price + output_tokens x output price) / 1,000,000 with the model's price in effect that day, summed exactly and rounded once to 6 decimals, half away from zero; null when, for one of those day-model pairs, the user's token sum is above 0 and no price is in effect.", "currency")));

    public static readonly IReadOnlyDictionary<string, MetricDescription> Connections = Of(
        ("user_id", M("The platform's user id.", "id")),
        ("user_name", M("The non-null user_name of the user's latest member_joined event that has one; null when none.", "name")),
        ("timestamp", M("When the user logged in (the connection event), in UTC to the second; newest first.", "UTC timestamp")),
        ("ip", M("The client address the platform reported, or null.", "address")),
        ("user_agent", M("The client software the platform reported, or null.", "text")),
        ("auth_method", M("How the user authenticated, as the platform reported it, or null.", "text")),
        ("next", M("Cursor for the next page (pass it as cursor); null when no row remains.", "cursor")));

    /// <summary>
    /// A dated report's metadata for a granularity: for every granularity but day, <c>date</c> is the period's first day
    /// inside the range and an <c>end_date</c> entry follows it (spec/analytics.md); D then stands for the whole period.
    /// </summary>
    public static IReadOnlyDictionary<string, MetricDescription> ForGranularity(IReadOnlyDictionary<string, MetricDescription> metadata, Granularity granularity)
    {
        if (granularity == Granularity.Day)
        {
            return metadata;
        }

        var period = granularity switch
        {
            Granularity.Week => "ISO week (Monday to Sunday)",
            Granularity.Month => "calendar month",
            _ => "range",
        };
        var entries = new List<(string, MetricDescription)>(metadata.Count + 1);
        foreach (var (key, description) in metadata)
        {
            if (key == "date")
            {
                entries.Add(("date", M($"The first day inside the range of the {period} D, in the company's time zone; every period that meets the range is listed, and each number below is its definition applied to all the days of D at once (distinct counts are distinct over D). {DayNote}", "date")));
                entries.Add(("end_date", M($"The last day inside the range of the {period} D (the company's today for a range without end_date).", "date")));
            }
            else
            {
                entries.Add((key, description));
            }
        }

        return Of([.. entries]);
    }
}
