namespace Tally.Reports;

/// <summary>The metadata of the satisfaction report (spec/analytics.md).</summary>
public static partial class Metrics
{
    private const string RatingsNote = "A rating is a user's latest like, dislike or none for a response_id among all stored events, counted on the day of that latest event (as in chats-feedback); the rated response is the first model_response (by timestamp, then id) of the company with that response_id.";

    private static (string, MetricDescription)[] RatingNumbers(string what) =>
    [
        ("likes_count", M($"Ratings counted on D that are like{what}. {RatingsNote} Past days change when a later rating, response or tool call arrives.", "likes")),
        ("dislikes_count", M($"Ratings counted on D that are dislike{what}.", "dislikes")),
        ("satisfaction_rate", M("likes_count divided by (likes_count + dislikes_count), rounded to 4 decimals half away from zero; null when there are none.", "ratio")),
    ];

    public static readonly IReadOnlyDictionary<string, MetricDescription> Satisfaction = Of(
    [
        Date,
        .. RatingNumbers(""),
        ("by_model", M("The ratings of D by the model of the rated response, by likes + dislikes descending, then model (by code point, null last); only entries with a rating.", "list")),
        ("model", M("The model of the rated response; null for ratings whose response is not stored.", "name")),
        ("by_tool", M("The ratings of D by the distinct tools (name and type) of the tool_call events with the rating's response_id, whether or not the response is stored: a rating counts once per tool, not at all without one; by likes + dislikes descending, then tool_name, then tool_type.", "list")),
        ("tool_name", M("The tool's name as the platform sent it.", "name")),
        ("tool_type", M("native or mcp.", "type")),
        ("by_document", M("The ratings of D by the distinct documents listed by the rated response; by likes + dislikes descending, then document_id.", "list")),
        ("document_id", M("The document's id on the platform.", "id")),
        ("document_filename", M("The filename in the latest answer (by timestamp, then id) of all stored that listed the document.", "name")),
        ("document_title", M("The title in that same latest listing; null when it had none.", "name")),
    ]);
}
