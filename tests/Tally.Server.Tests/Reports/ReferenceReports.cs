using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Tally.Server.Tests.Reports;

/// <summary>
/// The reports of spec/reports.md computed the plain way, straight from their definitions, over the events a
/// test sent: no aggregates, no SQL, LINQ over a list. The server must agree with it number for number.
/// </summary>
public sealed class ReferenceReports
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    private readonly List<Ev> _stored = [];
    private readonly HashSet<(long, string)> _ids = [];
    private readonly SortedDictionary<long, Company> _companies = [];

    public sealed record Company(long Id, string Name, string Zone)
    {
        public TimeZoneInfo TimeZone => Zones.GetOrAdd(Zone, TimeZoneInfo.FindSystemTimeZoneById);
    }

    /// <summary>A company and the days a report covers for it (none when its today is before the start).</summary>
    public sealed record Scope(Company Company, DateOnly First, DateOnly Last)
    {
        public IEnumerable<DateOnly> Days()
        {
            for (var day = First; day <= Last; day = day.AddDays(1))
            {
                yield return day;
            }
        }

        public bool Contains(DateOnly day) => day >= First && day <= Last;

        /// <summary>
        /// The periods of a granularity (spec/analytics.md): the range's days grouped by ISO week, by calendar month or
        /// all together, each group from its first to its last day inside the range.
        /// </summary>
        public IEnumerable<Period> Periods(string granularity) => Days()
            .GroupBy<DateOnly, object>(day => granularity switch
            {
                "day" => day,
                "week" => (ISOWeek.GetYear(day.ToDateTime(TimeOnly.MinValue)), ISOWeek.GetWeekOfYear(day.ToDateTime(TimeOnly.MinValue))),
                "month" => (day.Year, day.Month),
                "total" => 0,
                _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
            })
            .Select(days => new Period(days.First(), days.Last()));
    }

    /// <summary>A period's first and last days inside the range.</summary>
    public sealed record Period(DateOnly First, DateOnly Last)
    {
        public IEnumerable<DateOnly> Days()
        {
            for (var day = First; day <= Last; day = day.AddDays(1))
            {
                yield return day;
            }
        }
    }

    /// <summary>An element of dates: its date, and its end_date for every granularity but day.</summary>
    private static JsonObject Dated(Period period, string granularity)
    {
        var element = new JsonObject { ["date"] = Text(period.First) };
        if (granularity != "day")
        {
            element["end_date"] = Text(period.Last);
        }

        return element;
    }

    public IReadOnlyList<Ev> Stored => _stored;

    /// <summary>The model price entries the server holds, as the test stored them.</summary>
    public IReadOnlyList<RefPrice> Prices { get; set; } = [];

    public IReadOnlyCollection<Company> Companies => _companies.Values;

    /// <summary>What <c>PUT /api/v2/admin/companies/{id}</c> does.</summary>
    public void Put(long id, string? name = null, string? zone = null)
    {
        var company = _companies.GetValueOrDefault(id) ?? new Company(id, $"Company {id}", "UTC");
        _companies[id] = company with { Name = name ?? company.Name, Zone = zone ?? company.Zone };
    }

    /// <summary>One accepted request, in its order: the first version of a (company_id, id) stored wins.</summary>
    public (int Accepted, int Duplicates) Store(IEnumerable<Ev> request)
    {
        int accepted = 0, duplicates = 0;
        foreach (var e in request)
        {
            if (!_companies.ContainsKey(e.Company))
            {
                Put(e.Company);
            }

            if (_ids.Add((e.Company, e.Id)))
            {
                _stored.Add(e);
                accepted++;
            }
            else
            {
                duplicates++;
            }
        }

        return (accepted, duplicates);
    }

    /// <summary>Ids by Unicode code point: the order of their UTF-8 bytes.</summary>
    public static int CompareIds(string a, string b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    /// <summary>The order of "latest" and "first": (timestamp, id).</summary>
    public static int Compare(Ev a, Ev b) => a.Ts != b.Ts ? a.Ts.CompareTo(b.Ts) : CompareIds(a.Id, b.Id);

    private static Ev Latest(IEnumerable<Ev> events) => events.Aggregate((a, b) => Compare(a, b) >= 0 ? a : b);

    public DateOnly Day(Ev e) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(e.Ts, _companies[e.Company].TimeZone));

    public DateOnly Today(long company, DateTime nowUtc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(nowUtc, _companies[company].TimeZone));

    /// <summary>The companies a caller sees (one, or all by id) and their days.</summary>
    public IReadOnlyList<Scope> Scopes(long? company, DateOnly start, DateOnly? end, DateTime nowUtc) =>
        _companies.Values.Where(c => company is null || c.Id == company)
            .Select(c => new Scope(c, start, end ?? Today(c.Id, nowUtc)))
            .ToList();

    private IEnumerable<Ev> Of(long company) => _stored.Where(e => e.Company == company);

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Seconds(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject CompanyName(Company c) => new() { ["name"] = c.Name, ["id"] = c.Id, ["timezone"] = c.Zone };

    public static decimal Average(int queries, int sessions) =>
        sessions == 0 ? 0m : Math.Round((decimal)queries / sessions, 2, MidpointRounding.AwayFromZero);

    // ---- chat-sessions ----

    public (JsonArray Reporting, JsonArray ReportingAgent) ChatSessions(IEnumerable<Scope> scopes, string granularity = "day")
    {
        var chat = new JsonArray();
        var agent = new JsonArray();
        foreach (var scope in scopes)
        {
            var byDay = Of(scope.Company.Id).ToLookup(Day);
            JsonArray Dates(string mode) => new(scope.Periods(granularity)
                .Select(p => (JsonNode)ModePeriod(Dated(p, granularity), p.Days().SelectMany(d => byDay[d]), mode)).ToArray());
            chat.Add(new JsonObject { ["company"] = CompanyName(scope.Company), ["dates"] = Dates("chat") });
            agent.Add(new JsonObject { ["company"] = CompanyName(scope.Company), ["dates"] = Dates("agent") });
        }

        return (chat, agent);
    }

    private static JsonObject ModePeriod(JsonObject element, IEnumerable<Ev> events, string mode)
    {
        var ofMode = events.Where(e => e.Session is not null && e.Mode == mode).ToList();
        var queries = ofMode.Where(e => e.Type == "user_query").ToList();
        var responses = ofMode.Where(e => e.Type == "model_response").ToList();
        var sessions = ofMode.Count(e => e.Type == "session_started");
        var models = responses.Select(e => e.Model).Distinct(StringComparer.Ordinal).Count();
        var average = Average(queries.Count, queries.Select(e => e.Session).Distinct(StringComparer.Ordinal).Count());
        var numbers = mode == "chat"
            ? new JsonObject { ["sessions_count"] = sessions, ["unique_models_count"] = models, ["average_session_length"] = average }
            : new JsonObject { ["threads_count"] = sessions, ["unique_models_count"] = models, ["average_thread_length"] = average };
        element[mode == "chat" ? "sessions" : "threads"] = numbers;
        element["chats"] = new JsonObject
        {
            ["user_queries_count"] = queries.Count,
            ["model_responses_with_docs_count"] = responses.Count(e => e.Documents.Count > 0),
            ["model_responses_count"] = responses.Count,
            ["last_model_response_date"] = responses.Count == 0 ? null : Seconds(responses.Max(e => e.Ts)),
        };
        return element;
    }

    // ---- chats-feedback ----

    public JsonArray ChatsFeedback(IEnumerable<Scope> scopes, string granularity = "day")
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var events = Of(scope.Company.Id).ToList();
            var byDay = events.ToLookup(Day);
            var ratings = events
                .Where(e => e.Type == "feedback" && e.Kind is "like" or "dislike" or "none")
                .GroupBy(e => (e.User, e.ResponseId))
                .Select(g => Latest(g))
                .Where(e => e.Kind != "none")
                .ToLookup(Day);
            reporting.Add(new JsonObject
            {
                ["company"] = CompanyName(scope.Company),
                ["dates"] = new JsonArray(scope.Periods(granularity).Select(p =>
                {
                    var inPeriod = p.Days().SelectMany(d => byDay[d]).ToList();
                    var rated = p.Days().SelectMany(d => ratings[d]).ToList();
                    var element = Dated(p, granularity);
                    element["model_responses_count"] = inPeriod.Count(e => e.Type == "model_response");
                    element["feedbacks"] = new JsonObject
                    {
                        ["likes_count"] = rated.Count(e => e.Kind == "like"),
                        ["dislikes_count"] = rated.Count(e => e.Kind == "dislike"),
                        ["copies_count"] = inPeriod.Count(e => e.Type == "feedback" && e.Kind == "copy"),
                        ["flags_count"] = inPeriod.Count(e => e.Type == "feedback" && e.Kind == "flag"),
                    };
                    return (JsonNode)element;
                }).ToArray()),
            });
        }

        return reporting;
    }

    // ---- tools ----

    public JsonArray Tools(IEnumerable<Scope> scopes, string granularity = "day")
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var calls = Of(scope.Company.Id).Where(e => e.Type == "tool_call").ToLookup(Day);
            reporting.Add(new JsonObject
            {
                ["company"] = CompanyName(scope.Company),
                ["dates"] = new JsonArray(scope.Periods(granularity).Select(p =>
                {
                    var inPeriod = p.Days().SelectMany(d => calls[d]).ToList();
                    var element = Dated(p, granularity);
                    element["tool_calls_count"] = inPeriod.Count;
                    element["tools"] = new JsonArray(inPeriod
                        .GroupBy(e => (e.ToolName!, e.ToolType))
                        .Select(g => (Name: g.Key.Item1, Type: g.Key.ToolType, Usage: g.Count(), Users: g.Select(e => e.User).Distinct().Count(), Errors: g.Count(e => e.Status == "error")))
                        .OrderByDescending(t => t.Usage)
                        .ThenBy(t => t.Name, Comparer<string>.Create(CompareIds))
                        .ThenBy(t => t.Type, Comparer<string>.Create(CompareIds))
                        .Select(t => (JsonNode)new JsonObject
                        {
                            ["tool_name"] = t.Name,
                            ["tool_type"] = t.Type,
                            ["usage_count"] = t.Usage,
                            ["users_count"] = t.Users,
                            ["errors_count"] = t.Errors,
                        }).ToArray());
                    return (JsonNode)element;
                }).ToArray()),
            });
        }

        return reporting;
    }

    // ---- used-documents ----

    public JsonArray UsedDocuments(IEnumerable<Scope> scopes, string granularity = "day", int? limit = null)
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var answers = Of(scope.Company.Id).Where(e => e.Type == "model_response" && e.Documents.Count > 0).ToList();

            // Name and title: the latest answer that listed the document, its last listing of it.
            var names = answers.SelectMany(e => e.Documents.Select(d => d.Id)).Distinct().ToDictionary(
                id => id,
                id => Latest(answers.Where(e => e.Documents.Any(d => d.Id == id))).Documents.Last(d => d.Id == id));
            var byDay = answers.ToLookup(Day);
            reporting.Add(new JsonObject
            {
                ["company"] = CompanyName(scope.Company),
                ["dates"] = new JsonArray(scope.Periods(granularity).Select(p =>
                {
                    var used = p.Days().SelectMany(d => byDay[d])
                        .SelectMany(e => e.Documents.Select(x => x.Id).Distinct())
                        .GroupBy(id => id)
                        .Select(g => (Id: g.Key, Usage: g.Count()))
                        .OrderByDescending(x => x.Usage).ThenBy(x => x.Id)
                        .ToList();
                    var element = Dated(p, granularity);
                    element["documents_count"] = used.Count;
                    element["documents"] = new JsonArray(used.Take(limit ?? int.MaxValue)
                        .Select(x => (JsonNode)new JsonObject
                        {
                            ["document_filename"] = names[x.Id].Filename,
                            ["document_title"] = names[x.Id].Title,
                            ["document_id"] = x.Id,
                            ["usage_count"] = x.Usage,
                        }).ToArray());
                    return (JsonNode)element;
                }).ToArray()),
            });
        }

        return reporting;
    }

    // ---- users ----

    public JsonArray Users(IEnumerable<Scope> scopes)
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var byUser = Of(scope.Company.Id).Where(e => Day(e) <= scope.Last).GroupBy(e => e.User).ToList();
            reporting.Add(new JsonObject
            {
                ["company"] = new JsonObject { ["id"] = scope.Company.Id, ["name"] = scope.Company.Name, ["timezone"] = scope.Company.Zone },
                ["total_historical_members"] = byUser.Count,
                ["current_active_members"] = byUser.Count(g => Latest(g).Type != "member_left"),
            });
        }

        return reporting;
    }

    // ---- user-activities ----

    /// <summary>The non-null name of the user's latest member_joined that has one, of all stored.</summary>
    private Dictionary<long, string?> UserNames(long company) => Of(company)
        .Where(e => e.Type == "member_joined" && e.UserName is not null)
        .GroupBy(e => e.User)
        .ToDictionary(g => g.Key, g => Latest(g).UserName);

    public JsonArray UserActivities(IEnumerable<Scope> scopes, long? userId = null, string granularity = "day")
    {
        var reporting = new JsonArray();
        foreach (var scope in scopes)
        {
            var events = Of(scope.Company.Id).Where(e => userId is null || e.User == userId).ToList();
            var activity = events.Where(e => e.IsActivity).Select(e => (Event: e, Day: Day(e))).ToList();
            var byDay = activity.ToLookup(a => a.Day, a => a.Event.User);
            var activeDays = activity.Select(a => (a.Event.User, a.Day)).Distinct().ToList();
            var firstDay = activity.GroupBy(a => a.Event.User).ToDictionary(g => g.Key, g => g.Min(a => a.Day));
            var connections = events.Where(e => e.Type == "connection").ToLookup(Day);
            var names = UserNames(scope.Company.Id);

            int Window(DateOnly day, int length) =>
                Enumerable.Range(0, length).SelectMany(back => byDay[day.AddDays(-back)]).Distinct().Count();

            // Over a period: active users distinct over its days, new users whose first day is one of them, weekly and
            // monthly users as on its last day.
            var dates = new JsonArray(scope.Periods(granularity).Select(p =>
            {
                var element = Dated(p, granularity);
                element["active_users_count"] = activeDays.Where(a => a.Day >= p.First && a.Day <= p.Last).Select(a => a.User).Distinct().Count();
                element["new_active_users_count"] = firstDay.Values.Count(f => f >= p.First && f <= p.Last);
                element["weekly_active_users_count"] = Window(p.Last, 7);
                element["monthly_active_users_count"] = Window(p.Last, 30);
                element["connections_count"] = p.Days().Sum(d => connections[d].Count());
                return (JsonNode)element;
            }).ToArray());

            var days = events.ToDictionary<Ev, Ev, DateOnly>(e => e, Day, ReferenceEqualityComparer.Instance);
            var inRange = events.Where(e => scope.Contains(days[e])).ToLookup(e => e.User);
            var logins = events.Where(e => e.Type == "connection" && days[e] <= scope.Last).ToLookup(e => e.User);
            var users = inRange.Where(g => g.Any(e => e.IsActivity))
                .Select(mine =>
                {
                    var user = mine.Key;
                    var active = mine.Where(e => e.IsActivity).Select(e => days[e]).Distinct().ToList();
                    return (User: user, Queries: mine.Count(e => e.Type == "user_query"), Json: new JsonObject
                    {
                        ["user_id"] = user,
                        ["user_name"] = names.GetValueOrDefault(user),
                        ["active_days_count"] = active.Count,
                        ["sessions_count"] = mine.Count(e => e.Type == "session_started"),
                        ["user_queries_count"] = mine.Count(e => e.Type == "user_query"),
                        ["feedbacks_count"] = mine.Count(e => e.Type == "feedback"),
                        ["tool_calls_count"] = mine.Count(e => e.Type == "tool_call"),
                        ["first_activity_date"] = Text(active.Min()),
                        ["last_activity_date"] = Text(active.Max()),
                        ["last_connection"] = logins[user].Any() ? Seconds(logins[user].Max(e => e.Ts)) : null,
                        ["input_tokens"] = mine.Where(e => e.Type == "model_response").Sum(e => e.InputTokens ?? 0),
                        ["output_tokens"] = mine.Where(e => e.Type == "model_response").Sum(e => e.OutputTokens ?? 0),
                        ["cost"] = ReferenceModels.UserCost(mine.Where(e => e.Type == "model_response").Select(e => (e, days[e])), Prices),
                    });
                })
                .OrderByDescending(u => u.Queries).ThenBy(u => u.User)
                .Select(u => (JsonNode)u.Json)
                .ToArray();

            reporting.Add(new JsonObject { ["company"] = CompanyName(scope.Company), ["dates"] = dates, ["users"] = new JsonArray(users) });
        }

        return reporting;
    }

    // ---- connections ----

    /// <summary>Every connection of the range, newest first, as the report lists them (all pages together).</summary>
    public JsonArray Connections(Scope scope, long? userId = null)
    {
        var names = UserNames(scope.Company.Id);
        var rows = Of(scope.Company.Id)
            .Where(e => e.Type == "connection" && (userId is null || e.User == userId) && scope.Contains(Day(e)))
            .OrderDescending(Comparer<Ev>.Create(Compare))
            .Select(e => (JsonNode)new JsonObject
            {
                ["user_id"] = e.User,
                ["user_name"] = names.GetValueOrDefault(e.User),
                ["timestamp"] = Seconds(e.Ts),
                ["ip"] = e.Ip,
                ["user_agent"] = e.UserAgent,
                ["auth_method"] = e.AuthMethod,
            });
        return new JsonArray(rows.ToArray());
    }

    public static JsonObject CompanyObject(Company company) => CompanyName(company);
}
