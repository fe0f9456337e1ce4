namespace Tally.Storage;

/// <summary>
/// Where a company's current ratings went, per day (spec/analytics.md, satisfaction): the likes and dislikes counted
/// on each day by the model, the tools and the documents of the rated answer, and the names of those documents.
/// Days without a rating for a key have no row.
/// </summary>
public sealed record RatingDays(
    IReadOnlyList<ModelRatingDay> Models,
    IReadOnlyList<ToolRatingDay> Tools,
    IReadOnlyList<DocumentRatingDay> Documents,
    IReadOnlyDictionary<long, DocumentName> DocumentNames);

/// <summary>A model's ratings on a day; <see cref="Model"/> is null for ratings whose answer is not stored.</summary>
public sealed record ModelRatingDay(DateOnly Day, string? Model, long Likes, long Dislikes);

public sealed record ToolRatingDay(DateOnly Day, string ToolName, string ToolType, long Likes, long Dislikes);

public readonly record struct DocumentRatingDay(DateOnly Day, long DocumentId, long Likes, long Dislikes);
