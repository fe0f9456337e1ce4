using System.Globalization;
using Tally.Access;
using Tally.Companies;
using Tally.Events;
using Tally.Storage;

namespace Tally.Reports;

/// <summary>
/// Builds every report of spec/reports.md from the store's per-day aggregates: decides which companies the
/// caller sees and over which days, makes the days dense, computes averages exactly, orders items.
/// </summary>
public sealed partial class ReportService(IReportStore store, ICompanyStore companies, TimeProvider time)
{
    /// <summary>A company in scope of a request and its days (empty when its today is before the start).</summary>
    private sealed record Scope(Company Company, DayRange Days)
    {
        public CompanyName Name => new(Company.Name, Company.Id, Company.TimeZone);

        /// <summary>Every day of the range, in order; counted by day number, so a range may end on 9999-12-31.</summary>
        public IEnumerable<DateOnly> Each() => Enumerable.Range(Days.First.DayNumber, Days.Count).Select(DateOnly.FromDayNumber);
    }

    public async Task<ChatSessionsReport> ChatSessionsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var chat = new List<CompanyDays<ChatDay>>();
        var agent = new List<CompanyDays<AgentDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var totals = await TotalsByDayAsync(scope, cancellationToken);
            var days = scope.Each().Select(day => (Day: Text(day), Totals: totals.GetValueOrDefault(day))).ToList();
            chat.Add(new(scope.Name, days.Select(d => ChatDayOf(d.Day, d.Totals?.Chat ?? ModeDay.Empty)).ToList()));
            agent.Add(new(scope.Name, days.Select(d => AgentDayOf(d.Day, d.Totals?.Agent ?? ModeDay.Empty)).ToList()));
        }

        return new ChatSessionsReport(Metrics.ChatSessions, chat, Metrics.ChatSessionsAgent, agent, Now());
    }

    public async Task<ChatsFeedbackReport> ChatsFeedbackAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<FeedbackDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var totals = await TotalsByDayAsync(scope, cancellationToken);
            reporting.Add(new(scope.Name, scope.Each().Select(day =>
            {
                var t = totals.GetValueOrDefault(day);
                return new FeedbackDay(Text(day), (t?.Chat.Responses ?? 0) + (t?.Agent.Responses ?? 0),
                    new FeedbackNumbers(t?.Likes ?? 0, t?.Dislikes ?? 0, t?.Copies ?? 0, t?.Flags ?? 0));
            }).ToList()));
        }

        return new ChatsFeedbackReport(Metrics.ChatsFeedback, reporting, Now());
    }

    public async Task<ToolsReport> ToolsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<ToolsDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var tools = (await store.ReadToolDaysAsync(scope.Company.Id, scope.Days, cancellationToken)).ToLookup(t => t.Day);
            reporting.Add(new(scope.Name, scope.Each().Select(day =>
            {
                var items = tools[day]
                    .OrderByDescending(t => t.Usage).ThenBy(t => t.ToolName, CodePointComparer.Instance).ThenBy(t => t.ToolType, CodePointComparer.Instance)
                    .Select(t => new ToolNumbers(t.ToolName, t.ToolType, t.Usage, t.Users, t.Errors))
                    .ToList();
                return new ToolsDay(Text(day), items.Sum(t => t.UsageCount), items);
            }).ToList()));
        }

        return new ToolsReport(Metrics.Tools, reporting, Now());
    }

    public async Task<UsedDocumentsReport> UsedDocumentsAsync(Caller caller, ReportQuery query, CancellationToken cancellationToken)
    {
        var reporting = new List<CompanyDays<DocumentsDay>>();
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            var usage = scope.Days.Count == 0
                ? new DocumentUsage([], new Dictionary<long, DocumentName>())
                : await store.ReadDocumentUsageAsync(scope.Company.Id, scope.Days, cancellationToken);
            var (documents, dayStarts) = InDayOrder(usage.Days, scope.Days);
            reporting.Add(new(scope.Name, scope.Each().Select((day, index) =>
            {
                var items = new List<DocumentNumbers>(dayStarts[index + 1] - dayStarts[index]);
                for (var next = dayStarts[index]; next < dayStarts[index + 1]; next++)
                {
                    var (_, id, uses) = documents[next];
                    var name = usage.Names[id];
                    items.Add(new DocumentNumbers(name.Filename, name.Title, id, uses));
                }

                return new DocumentsDay(Text(day), items);
            }).ToList()));
        }

        return new UsedDocumentsReport(Metrics.UsedDocuments, reporting, Now());
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
        foreach (var scope in await ScopeAsync(caller, query, cancellationToken))
        {
            if (scope.Days.Count == 0)
            {
                reporting.Add(new CompanyActivity(scope.Name, [], []));
                continue;
            }

            var activities = ActivityWindows.Build(scope.Days, await store.ReadActivityHistoryAsync(scope.Company.Id, scope.Days, query.UserId, cancellationToken));
            var active = activities.Days.ToDictionary(a => a.Day);
            var dates = scope.Each().Select(day => active.GetValueOrDefault(day) is { } a
                ? new ActivityDay(Text(day), a.Active, a.NewActive, a.Weekly, a.Monthly, a.Connections)
                : new ActivityDay(Text(day), 0, 0, 0, 0, 0)).ToList();
            var users = activities.Users
                .OrderByDescending(u => u.Queries).ThenBy(u => u.UserId)
                .Select(u => new UserNumbers(u.UserId, u.UserName, u.ActiveDays, u.Sessions, u.Queries, u.Feedbacks, u.ToolCalls,
                    Text(u.FirstActivity), Text(u.LastActivity), u.LastConnection is { } c ? EventTimestamp.FormatSeconds(c) : null))
                .ToList();
            reporting.Add(new CompanyActivity(scope.Name, dates, users));
        }

        return new UserActivitiesReport(Metrics.UserActivities, reporting, Now());
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
    /// The document-days by day (day i of the range from <c>dayStarts[i]</c> to <c>dayStarts[i + 1]</c>), each day by
    /// usage descending, then document id (spec/reports.md). A year can hold hundreds of thousands: they are placed
    /// by day in one counting pass, then each day is sorted alone (fewer comparisons than one sort of them all).
    /// </summary>
    private static (DocumentDay[] Documents, int[] DayStarts) InDayOrder(IReadOnlyList<DocumentDay> rows, DayRange days)
    {
        var dayStarts = new int[days.Count + 1];
        for (var i = 0; i < rows.Count; i++)
        {
            dayStarts[rows[i].Day.DayNumber - days.First.DayNumber + 1]++;
        }

        for (var day = 1; day < dayStarts.Length; day++)
        {
            dayStarts[day] += dayStarts[day - 1];
        }

        var documents = new DocumentDay[rows.Count];
        var next = dayStarts[..^1];
        for (var i = 0; i < rows.Count; i++)
        {
            documents[next[rows[i].Day.DayNumber - days.First.DayNumber]++] = rows[i];
        }

        for (var day = 0; day < days.Count; day++)
        {
            documents.AsSpan(dayStarts[day], dayStarts[day + 1] - dayStarts[day]).Sort(new UsageOrder());
        }

        return (documents, dayStarts);
    }

    private readonly struct UsageOrder : IComparer<DocumentDay>
    {
        public int Compare(DocumentDay x, DocumentDay y) => x.Usage != y.Usage ? y.Usage.CompareTo(x.Usage) : x.DocumentId.CompareTo(y.DocumentId);
    }

    /// <summary>Queries per session, exactly, rounded to 2 decimals half away from zero; 0 without sessions.</summary>
    public static decimal Average(long queries, long sessions)
    {
        var average = sessions == 0 ? 0m : Math.Round((decimal)queries / sessions, 2, MidpointRounding.AwayFromZero);
        // A decimal keeps its scale on the wire: give whole numbers one decimal (3.0, as Paradigm's floats read).
        return average.Scale == 0 ? average + 0.0m : average;
    }

    private static ChatDay ChatDayOf(string day, ModeDay mode) => new(day,
        new SessionNumbers(mode.Sessions, mode.Models, Average(mode.Queries, mode.QuerySessions)), ChatNumbersOf(mode));

    private static AgentDay AgentDayOf(string day, ModeDay mode) => new(day,
        new ThreadNumbers(mode.Sessions, mode.Models, Average(mode.Queries, mode.QuerySessions)), ChatNumbersOf(mode));

    private static ChatNumbers ChatNumbersOf(ModeDay mode) => new(mode.Queries, mode.ResponsesWithDocuments, mode.Responses,
        mode.LastResponseAt is { } last ? EventTimestamp.FormatSeconds(last) : null);

    private async Task<Dictionary<DateOnly, DayTotals>> TotalsByDayAsync(Scope scope, CancellationToken cancellationToken) =>
        scope.Days.Count == 0 ? [] : (await store.ReadDayTotalsAsync(scope.Company.Id, scope.Days, cancellationToken)).ToDictionary(t => t.Day);

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

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static ValidationException Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return new ValidationException(errors);
    }
}
