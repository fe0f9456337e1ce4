using System.Globalization;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// The satisfaction report of spec/analytics.md computed the plain way from the events a test sent: each current
/// rating, its rated response (the first model_response with its response_id), the tools called with that id, the
/// documents the response listed, and the periods of a granularity, all with LINQ over a list.
/// </summary>
public static class ReferenceSatisfaction
{
    private static readonly Comparer<string> ByCodePoint = Comparer<string>.Create(ReferenceReports.CompareIds);

    private sealed record Counts(long Likes, long Dislikes)
    {
        public long Total => Likes + Dislikes;
    }

    public static JsonArray Report(ReferenceReports reference, IEnumerable<ReferenceReports.Scope> scopes, string granularity)
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var events = reference.Stored.Where(e => e.Company == scope.Company.Id).ToList();
            var answers = events.Where(e => e.Type == "model_response").ToList();
            var rated = answers.GroupBy(e => e.ResponseId!).ToDictionary(g => g.Key, g => g.Aggregate((a, b) => ReferenceReports.Compare(a, b) <= 0 ? a : b));
            var tools = events.Where(e => e.Type == "tool_call" && e.ResponseId is not null)
                .GroupBy(e => e.ResponseId!).ToDictionary(g => g.Key, g => g.Select(e => (e.ToolName!, e.ToolType)).Distinct().ToList());
            var ratings = events
                .Where(e => e.Type == "feedback" && e.Kind is "like" or "dislike" or "none")
                .GroupBy(e => (e.User, e.ResponseId))
                .Select(g => g.Aggregate((a, b) => ReferenceReports.Compare(a, b) >= 0 ? a : b))
                .Where(e => e.Kind != "none")
                .Select(e => (Day: reference.Day(e), Like: e.Kind == "like", Answer: rated.GetValueOrDefault(e.ResponseId!), Tools: tools.GetValueOrDefault(e.ResponseId!) ?? []))
                .ToList();

            var dates = new JsonArray();
            foreach (var (first, last) in PeriodsOf(scope.First, scope.Last, granularity))
            {
                var inPeriod = ratings.Where(r => r.Day >= first && r.Day <= last).ToList();
                Counts Count<T>(IEnumerable<T> items, Func<T, bool> like) => new(items.Count(like), items.Count(x => !like(x)));

                var element = new JsonObject { ["date"] = Text(first) };
                if (granularity != "day")
                {
                    element["end_date"] = Text(last);
                }

                var total = Count(inPeriod, r => r.Like);
                element["likes_count"] = total.Likes;
                element["dislikes_count"] = total.Dislikes;
                element["satisfaction_rate"] = Rate(total);

                var byModel = inPeriod.GroupBy(r => r.Answer?.Model).Select(g => (Model: g.Key, Counts: Count(g, r => r.Like)))
                    .OrderByDescending(m => m.Counts.Total).ThenBy(m => m.Model is null).ThenBy(m => m.Model ?? "", ByCodePoint);
                element["by_model"] = new JsonArray(byModel.Select(m => (JsonNode)Entry(new JsonObject { ["model"] = m.Model }, m.Counts)).ToArray());

                var byTool = inPeriod.SelectMany(r => r.Tools.Select(t => (Tool: t, r.Like))).GroupBy(x => x.Tool).Select(g => (g.Key.Item1, g.Key.ToolType, Counts: Count(g, x => x.Like)))
                    .OrderByDescending(t => t.Counts.Total).ThenBy(t => t.Item1, ByCodePoint).ThenBy(t => t.ToolType, ByCodePoint);
                element["by_tool"] = new JsonArray(byTool.Select(t => (JsonNode)Entry(new JsonObject { ["tool_name"] = t.Item1, ["tool_type"] = t.ToolType }, t.Counts)).ToArray());

                var byDocument = inPeriod.SelectMany(r => (r.Answer?.Documents ?? []).Select(d => d.Id).Distinct().Select(id => (Id: id, r.Like)))
                    .GroupBy(x => x.Id).Select(g => (Id: g.Key, Counts: Count(g, x => x.Like)))
                    .OrderByDescending(d => d.Counts.Total).ThenBy(d => d.Id);
                element["by_document"] = new JsonArray(byDocument.Select(d =>
                {
                    var name = NameOf(answers, d.Id);
                    return (JsonNode)Entry(new JsonObject { ["document_id"] = d.Id, ["document_filename"] = name.Filename, ["document_title"] = name.Title }, d.Counts);
                }).ToArray());
                dates.Add(element);
            }

            reporting.Add(new JsonObject { ["company"] = ReferenceReports.CompanyObject(scope.Company), ["dates"] = dates });
        }

        return reporting;
    }

    /// <summary>The CSV rows (header first) of the report, from its JSON.</summary>
    public static List<List<string?>> CsvRows(JsonArray reporting, string granularity)
    {
        var dated = granularity == "day" ? new[] { "date" } : new[] { "date", "end_date" };
        var rows = new List<List<string?>>
        {
            new(["company_id", "company_name", .. dated, "dimension", "model", "tool_name", "tool_type", "document_id", "document_filename", "document_title",
                "likes_count", "dislikes_count", "satisfaction_rate"]),
        };
        foreach (var company in reporting)
        {
            foreach (var period in company!["dates"]!.AsArray())
            {
                List<string?> Row(string dimension, JsonNode? entry, params string[] keys)
                {
                    var cells = new List<string?> { Cell(company["company"]!["id"]), Cell(company["company"]!["name"]) };
                    cells.AddRange(dated.Select(key => Cell(period![key])));
                    cells.Add(dimension);
                    cells.AddRange(new[] { "model", "tool_name", "tool_type", "document_id", "document_filename", "document_title" }
                        .Select(key => keys.Contains(key) ? Cell(entry![key]) : ""));
                    cells.AddRange(new[] { "likes_count", "dislikes_count", "satisfaction_rate" }.Select(key => Cell(entry![key])));
                    return cells;
                }

                rows.Add(Row("total", period));
                rows.AddRange(period!["by_model"]!.AsArray().Select(m => Row("model", m, "model")));
                rows.AddRange(period["by_tool"]!.AsArray().Select(t => Row("tool", t, "tool_name", "tool_type")));
                rows.AddRange(period["by_document"]!.AsArray().Select(d => Row("document", d, "document_id", "document_filename", "document_title")));
            }
        }

        return rows;
    }

    private static string Cell(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>Day by day, ISO weeks, calendar months or the whole range, clipped to the range.</summary>
    public static IEnumerable<(DateOnly First, DateOnly Last)> PeriodsOf(DateOnly first, DateOnly last, string granularity)
    {
        if (granularity == "total")
        {
            if (first <= last)
            {
                yield return (first, last);
            }

            yield break;
        }

        for (var start = first; start <= last;)
        {
            var end = granularity switch
            {
                "day" => start,
                "week" => start.AddDays((7 - ((int)start.DayOfWeek + 6) % 7) - 1),
                _ => new DateOnly(start.Year, start.Month, DateTime.DaysInMonth(start.Year, start.Month)),
            };
            end = end < last ? end : last;
            yield return (start, end);
            start = end.AddDays(1);
        }
    }

    private static JsonObject Entry(JsonObject keys, Counts counts)
    {
        keys["likes_count"] = counts.Likes;
        keys["dislikes_count"] = counts.Dislikes;
        keys["satisfaction_rate"] = Rate(counts);
        return keys;
    }

    private static decimal? Rate(Counts counts) =>
        counts.Total == 0 ? null : Math.Round((decimal)counts.Likes / counts.Total, 4, MidpointRounding.AwayFromZero);

    /// <summary>A document's name as in used-documents: its last listing in the latest answer that listed it.</summary>
    private static Doc NameOf(List<Ev> answers, long id) =>
        answers.Where(e => e.Documents.Any(d => d.Id == id)).Aggregate((a, b) => ReferenceReports.Compare(a, b) >= 0 ? a : b).Documents.Last(d => d.Id == id);

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
