using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// Folds the per-day totals of a range into its periods: counts add up, latest instants stay the latest; the distinct
/// counts (models, sessions with a query) are then replaced by the store's counts over each period, since a distinct
/// count over a week is not the sum of its days'.
/// </summary>
internal static class PeriodTotals
{
    /// <summary>One entry per period, null for a period without any row.</summary>
    public static DayTotals?[] Fold(DayRange range, IReadOnlyList<DayRange> periods, IReadOnlyList<DayTotals> days, IReadOnlyList<ModeDistincts>? distincts)
    {
        var periodOfDay = Periods.IndexByDay(range, periods);
        var totals = new DayTotals?[periods.Count];
        foreach (var day in days)
        {
            var period = periodOfDay[day.Day.DayNumber - range.First.DayNumber];
            totals[period] = totals[period] is { } sum ? Add(sum, day) : day with { Day = periods[period].First };
        }

        foreach (var distinct in distincts ?? [])
        {
            if (totals[distinct.Period] is { } sum)
            {
                totals[distinct.Period] = sum with
                {
                    Chat = sum.Chat with { Models = distinct.ChatModels, QuerySessions = distinct.ChatQuerySessions },
                    Agent = sum.Agent with { Models = distinct.AgentModels, QuerySessions = distinct.AgentQuerySessions },
                };
            }
        }

        return totals;
    }

    private static DayTotals Add(DayTotals sum, DayTotals day) => sum with
    {
        Chat = Add(sum.Chat, day.Chat),
        Agent = Add(sum.Agent, day.Agent),
        Likes = sum.Likes + day.Likes,
        Dislikes = sum.Dislikes + day.Dislikes,
        Copies = sum.Copies + day.Copies,
        Flags = sum.Flags + day.Flags,
        ToolCalls = sum.ToolCalls + day.ToolCalls,
        Connections = sum.Connections + day.Connections,
    };

    private static ModeDay Add(ModeDay sum, ModeDay day) => new(
        sum.Sessions + day.Sessions,
        sum.Queries + day.Queries,
        sum.QuerySessions + day.QuerySessions,
        sum.Responses + day.Responses,
        sum.ResponsesWithDocuments + day.ResponsesWithDocuments,
        sum.Models + day.Models,
        sum.LastResponseAt > day.LastResponseAt ? sum.LastResponseAt : day.LastResponseAt ?? sum.LastResponseAt);
}
