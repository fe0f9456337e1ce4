using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// Builds every report of spec/reports.md from the store's per-day aggregates: decides which companies the
/// caller sees and over which days, makes the days dense, computes averages exactly, orders items.
/// </summary>
public sealed partial class ReportService(IReportStore store, ICompanyStore companies, TimeProvider time, IModelReportStore models, IPriceStore prices)
{
    /// <summary>A company in scope of a request and its days (empty when its today is before the start).</summary>
    private sealed record Scope(Company Company, DayRange Days)
    {
        public CompanyName Name => new(Company.Name, Company.Id, Company.TimeZone);

        /// <summary>Every day of the range, in order; counted by day number, so a range may end on 9999-12-31.</summary>
        public IEnumerable<DateOnly> Each() => Enumerable.Range(Days.First.DayNumber, Days.Count).Select(DateOnly.FromDayNumber);

        public IReadOnlyList<DayRange> Periods(Granularity granularity) => Reports.Periods.Of(Days, granularity);
    }

    public async Task<ChatSessionsReport> ChatSessionsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var chat = new List<CompanyDays<ChatDay>>();
        var agent = new List<CompanyDays<AgentDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var periods = scope.Periods(query.Granularity);
            var totals = await TotalsByPeriodAsync(scope, periods, query.Granularity, distincts: true, cancellationToken);
            chat.Add(new(scope.Name, periods.Select((period, i) => ChatDayOf(Periods.Label(period, query.Granularity), totals[i]?.Chat ?? ModeDay.Empty)).ToList()));
            agent.Add(new(scope.Name, periods.Select((period, i) => AgentDayOf(Periods.Label(period, query.Granularity), totals[i]?.Agent ?? ModeDay.Empty)).ToList()));
        }

        return new ChatSessionsReport(Metrics.ForGranularity(Metrics.ChatSessions, query.Granularity), chat,
            Metrics.ForGranularity(Metrics.ChatSessionsAgent, query.Granularity), agent, Now());
    }

    public async Task<ChatsFeedbackReport> ChatsFeedbackAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<FeedbackDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var periods = scope.Periods(query.Granularity);
            var totals = await TotalsByPeriodAsync(scope, periods, query.Granularity, distincts: false, cancellationToken);
            reporting.Add(new(scope.Name, periods.Select((period, i) =>
            {
                var t = totals[i];
                var (date, endDate) = Periods.Label(period, query.Granularity);
                return new FeedbackDay(date, endDate, (t?.Chat.Responses ?? 0) + (t?.Agent.Responses ?? 0),
                    new FeedbackNumbers(t?.Likes ?? 0, t?.Dislikes ?? 0, t?.Copies ?? 0, t?.Flags ?? 0));
            }).ToList()));
        }

        return new ChatsFeedbackReport(Metrics.ForGranularity(Metrics.ChatsFeedback, query.Granularity), reporting, Now());
    }

    public async Task<ToolsReport> ToolsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<ToolsDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var periods = scope.Periods(query.Granularity);
            var tools = scope.Days.Count == 0 ? [] : await store.ReadToolDaysAsync(scope.Company.Id, scope.Days, cancellationToken);
            var byPeriod = tools.Count == 0 || query.Granularity == Granularity.Day
                ? tools.ToLookup(t => t.Day.DayNumber - scope.Days.First.DayNumber)
                : await ToolsByPeriodAsync(scope, periods, tools, cancellationToken);
            reporting.Add(new(scope.Name, periods.Select((period, i) =>
            {
                var items = byPeriod[i]
                    .OrderByDescending(t => t.Usage).ThenBy(t => t.ToolName, CodePointComparer.Instance).ThenBy(t => t.ToolType, CodePointComparer.Instance)
                    .Select(t => new ToolNumbers(t.ToolName, t.ToolType, t.Usage, t.Users, t.Errors))
                    .ToList();
                var (date, endDate) = Periods.Label(period, query.Granularity);
                return new ToolsDay(date, endDate, items.Sum(t => t.UsageCount), items);
            }).ToList()));
        }

        return new ToolsReport(Metrics.ForGranularity(Metrics.Tools, query.Granularity), reporting, Now());
    }

    /// <summary>The tools' days summed per period (as ToolDay rows on the period's first day), with their distinct users over it.</summary>
    private async Task<ILookup<int, ToolDay>> ToolsByPeriodAsync(Scope scope, IReadOnlyList<DayRange> periods, IReadOnlyList<ToolDay> days, CancellationToken cancellationToken)
    {
        var periodOfDay = Periods.IndexByDay(scope.Days, periods);
        var users = (await store.ReadToolUsersAsync(scope.Company.Id, periods, cancellationToken))
            .ToDictionary(u => (u.Period, u.ToolName, u.ToolType), u => u.Users);
        return days
            .GroupBy(t => (Period: periodOfDay[t.Day.DayNumber - scope.Days.First.DayNumber], t.ToolName, t.ToolType))
            .Select(g => (g.Key.Period, Tool: new ToolDay(periods[g.Key.Period].First, g.Key.ToolName, g.Key.ToolType,
                g.Sum(t => t.Usage), users.GetValueOrDefault(g.Key), g.Sum(t => t.Errors))))
            .ToLookup(t => t.Period, t => t.Tool);
    }

    public async Task<UsedDocumentsReport> UsedDocumentsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<DocumentsDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var periods = scope.Periods(query.Granularity);
            reporting.Add(new(scope.Name, query.Granularity == Granularity.Day && query.DocumentsLimit is null
                ? await DocumentDaysAsync(scope, cancellationToken)
                : await DocumentPeriodsAsync(scope, periods, query, cancellationToken)));
        }

        return new UsedDocumentsReport(Metrics.ForGranularity(Metrics.UsedDocuments, query.Granularity), reporting, Now());
    }

    /// <summary>Every document of every day: the store's document-days, ordered here (see <see cref="DocumentRanking"/>).</summary>
    private async Task<List<DocumentsDay>> DocumentDaysAsync(Scope scope, CancellationToken cancellationToken)
    {
        var usage = scope.Days.Count == 0
            ? new DocumentUsage([], new Dictionary<long, DocumentName>())
            : await store.ReadDocumentUsageAsync(scope.Company.Id, scope.Days, cancellationToken);
        var (documents, dayStarts) = DocumentRanking.InDayOrder(usage.Days, scope.Days);
        return scope.Each().Select((day, index) =>
        {
            var items = new List<DocumentNumbers>(dayStarts[index + 1] - dayStarts[index]);
            for (var next = dayStarts[index]; next < dayStarts[index + 1]; next++)
            {
                var (_, id, uses) = documents[next];
                var name = usage.Names[id];
                items.Add(new DocumentNumbers(name.Filename, name.Title, id, uses));
            }

            return new DocumentsDay(Text(day), null, items.Count, items);
        }).ToList();
    }

    /// <summary>The first documents of each period (summed over its days and ranked by the store), and how many it had.</summary>
    private async Task<List<DocumentsDay>> DocumentPeriodsAsync(Scope scope, IReadOnlyList<DayRange> periods, ReportQuery query, CancellationToken cancellationToken)
    {
        var rows = periods.Count == 0 ? [] : await store.ReadDocumentPeriodsAsync(scope.Company.Id, periods, query.DocumentsLimit ?? int.MaxValue, cancellationToken);
        var byPeriod = rows.ToLookup(r => r.Period);
        return periods.Select((period, i) =>
        {
            var items = byPeriod[i].Select(r => new DocumentNumbers(r.Name.Filename, r.Name.Title, r.DocumentId, r.Usage)).ToList();
            var (date, endDate) = Periods.Label(period, query.Granularity);
            return new DocumentsDay(date, endDate, byPeriod[i].FirstOrDefault()?.PeriodDocuments ?? 0, items);
        }).ToList();
    }

    public async Task<UsersReport> UsersAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyMembers>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var members = Membership.Count(await store.ReadMemberHistoryAsync(scope.Company.Id, scope.Days.Last, cancellationToken));
            reporting.Add(new CompanyMembers(new CompanyIdentity(scope.Company.Id, scope.Company.Name, scope.Company.TimeZone),
                members.TotalHistorical, members.CurrentActive));
        }

        return new UsersReport(reporting, Metrics.Users, Now());
    }

    public async Task<UserActivitiesReport> UserActivitiesAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyActivity>();
        var scopes = await ScopeAsync(caller, query, cancellationToken);
        var book = new Prices.PriceBook(await prices.ReadPricesAsync(cancellationToken));
        foreach (var scope in scopes)
        {
            if (scope.Days.Count == 0)
            {
                reporting.Add(new CompanyActivity(scope.Name, [], []));
                continue;
            }

            // Two independent reads, each on its own connection: side by side, the answer waits for the longer one,
            // not for their sum (docs/decisions.md, "Side-by-side reads").
            var tokensRead = Task.Run(() => UserTokensAsync(scope, query.UserId, book, cancellationToken), cancellationToken);
            var historyRead = store.ReadActivityHistoryAsync(scope.Company.Id, scope.Days, query.UserId, cancellationToken);
            await Task.WhenAll(tokensRead, historyRead);
            var (tokens, history) = (tokensRead.Result, historyRead.Result);
            var activities = ActivityWindows.Build(scope.Days, history);
            var periods = scope.Periods(query.Granularity);
            var dates = ActivityPeriods(scope.Days, periods, query.Granularity, activities.Days,
                query.Granularity == Granularity.Day ? null : ActivityWindows.ActiveInPeriods(scope.Days, history, periods));
            var users = activities.Users
                .OrderByDescending(u => u.Queries).ThenBy(u => u.UserId)
                .Select(u => new UserNumbers(u.UserId, u.UserName, u.ActiveDays, u.Sessions, u.Queries, u.Feedbacks, u.ToolCalls,
                    Text(u.FirstActivity), Text(u.LastActivity), u.LastConnection is { } c ? EventTimestamp.FormatSeconds(c) : null)
                    .WithTokens(tokens.GetValueOrDefault(u.UserId, UserTokens.None)))
                .ToList();
            reporting.Add(new CompanyActivity(scope.Name, dates, users));
        }

        return new UserActivitiesReport(Metrics.ForGranularity(Metrics.UserActivities, query.Granularity), reporting, Now());
    }

    public async Task<ConnectionsReport> ConnectionsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        // A bad cursor is a parameter error: 400, before the company scope (403) and unknown companies (404).
        // With a cursor the company is named (instance admin) or the caller's own, so it can be checked first.
        ConnectionPosition? after = null;
        if (query.Cursor is not null)
        {
            var company = caller.Role == Role.InstanceAdmin ? query.CompanyId : query.CompanyId ?? caller.CompanyId;
            after = company is { } id
                ? ConnectionCursor.Decode(query.Cursor, id, query)
                : throw Invalid("cursor", "A cursor is only valid together with company_id.");
        }

        var scopes = await ScopeAsync(caller, query, cancellationToken);
        var reporting = new List<CompanyConnections>();
        foreach (var scope in scopes)
        {
            var rows = scope.Days.Count == 0
                ? []
                : await store.ReadConnectionsAsync(scope.Company.Id, scope.Days, query.UserId, after, query.Limit + 1, cancellationToken);
            var page = rows.Take(query.Limit).ToList();
            var next = rows.Count > query.Limit ? ConnectionCursor.Encode(scope.Company.Id, query, page[^1]) : null;
            reporting.Add(new CompanyConnections(scope.Name, page.Select(c => new ConnectionEntry(
                c.UserId, c.UserName, EventTimestamp.FormatSeconds(c.Timestamp), c.Ip, c.UserAgent, c.AuthMethod)).ToList(), next));
        }

        return new ConnectionsReport(Metrics.Connections, reporting, Now());
    }

    /// <summary>
    /// The user-activities elements of the periods (spec/analytics.md): active users distinct over the period (counted
    /// by <see cref="ActivityWindows.ActiveInPeriods"/>; a day's own count for days), new users and connections summed over
    /// its days, weekly and monthly active users as on its last day.
    /// </summary>
    private static List<ActivityDay> ActivityPeriods(DayRange days, IReadOnlyList<DayRange> periods, Granularity granularity,
        IReadOnlyList<ActiveUsersDay> activeDays, long[]? activeInPeriods)
    {
        var periodOfDay = Periods.IndexByDay(days, periods);
        var (active, newUsers, connections) = (new long[periods.Count], new long[periods.Count], new long[periods.Count]);
        foreach (var day in activeDays)
        {
            var period = periodOfDay[day.Day.DayNumber - days.First.DayNumber];
            active[period] += day.Active;
            newUsers[period] += day.NewActive;
            connections[period] += day.Connections;
        }

        var byDay = activeDays.ToDictionary(a => a.Day);
        return periods.Select((period, i) =>
        {
            var (date, endDate) = Periods.Label(period, granularity);
            var last = byDay.GetValueOrDefault(period.Last);
            return new ActivityDay(date, endDate, activeInPeriods?[i] ?? active[i], newUsers[i], last?.Weekly ?? 0, last?.Monthly ?? 0, connections[i]);
        }).ToList();
    }

    /// <summary>Queries per session, exactly, rounded to 2 decimals half away from zero; 0 without sessions.</summary>
    public static decimal Average(long queries, long sessions)
    {
        var average = sessions == 0 ? 0m : Math.Round((decimal)queries / sessions, 2, MidpointRounding.AwayFromZero);
        // A decimal keeps its scale on the wire: give whole numbers one decimal (3.0, as Paradigm's floats read).
        return average.Scale == 0 ? average + 0.0m : average;
    }

    private static ChatDay ChatDayOf((string Date, string? EndDate) period, ModeDay mode) => new(period.Date, period.EndDate,
        new SessionNumbers(mode.Sessions, mode.Models, Average(mode.Queries, mode.QuerySessions)), ChatNumbersOf(mode));

    private static AgentDay AgentDayOf((string Date, string? EndDate) period, ModeDay mode) => new(period.Date, period.EndDate,
        new ThreadNumbers(mode.Sessions, mode.Models, Average(mode.Queries, mode.QuerySessions)), ChatNumbersOf(mode));

    private static ChatNumbers ChatNumbersOf(ModeDay mode) => new(mode.Queries, mode.ResponsesWithDocuments, mode.Responses,
        mode.LastResponseAt is { } last ? EventTimestamp.FormatSeconds(last) : null);

    /// <summary>The day totals folded into the periods (see <see cref="PeriodTotals"/>), with distinct counts over them when asked.</summary>
    private async Task<DayTotals?[]> TotalsByPeriodAsync(Scope scope, IReadOnlyList<DayRange> periods, Granularity granularity, bool distincts, CancellationToken cancellationToken)
    {
        if (periods.Count == 0)
        {
            return [];
        }

        var days = await store.ReadDayTotalsAsync(scope.Company.Id, scope.Days, cancellationToken);
        var overPeriods = distincts && granularity != Granularity.Day && days.Count > 0
            ? await store.ReadModeDistinctsAsync(scope.Company.Id, periods, cancellationToken)
            : null;
        return PeriodTotals.Fold(scope.Days, periods, days, overPeriods);
    }

    /// <summary>
    /// The companies the caller sees, in id order, each with its days: from start_date to end_date, or to today
    /// in the company's own time zone when end_date is absent. Errors in the order of spec/access.md: 403 for a
    /// company admin naming another company, then 404 for an unknown company.
    /// </summary>
    private async Task<IReadOnlyList<Scope>> ScopeAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        // Every company's today is within a day of today in UTC (zones run from UTC-12 to UTC+14). When even the
        // earliest of them makes the range too long, the 400 is certain and comes before 403 and 404, as
        // access.md orders them; within that day's margin it depends on the company, and is checked below.
        void CheckRangeTo(DateOnly last)
        {
            if (last.DayNumber - query.Start.DayNumber + 1 > ReportQuery.MaxDays)
            {
                throw Invalid("start_date", $"The range to today may not exceed {ReportQuery.MaxDays} days; give an end_date.");
            }
        }

        var now = Now();
        if (query.End is null)
        {
            CheckRangeTo(DateOnly.FromDateTime(now).AddDays(-1));
        }

        long? only = caller.Role switch
        {
            Role.InstanceAdmin => query.CompanyId,
            Role.CompanyAdmin when query.CompanyId is null || query.CompanyId == caller.CompanyId => caller.CompanyId,
            _ => throw new ForbiddenException(),
        };
        IReadOnlyList<Company> visible = only is { } id
            ? [await companies.FindCompanyAsync(id, cancellationToken) ?? throw new NotFoundException()]
            : await companies.ListCompaniesAsync(cancellationToken);

        return visible.Select(company =>
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, TimeZoneNames.Find(company.TimeZone)));
            var last = query.End ?? today;
            CheckRangeTo(last);
            return new Scope(company, new DayRange(query.Start, last));
        }).ToList();
    }

    private DateTime Now() => time.GetUtcNow().UtcDateTime;

    private static string Text(DateOnly day) => Periods.Text(day);

    internal static ValidationException Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return new ValidationException(errors);
    }
}
