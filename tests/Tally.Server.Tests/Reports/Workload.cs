namespace Tally.Server.Tests.Reports;

/// <summary>
/// A seeded, reproducible workload: several companies in different time zones over a fixed window of days
/// that spans daylight-saving changes, every event type in both modes, with the awkward cases the reports must
/// get right (events around local midnight, ratings that change and arrive out of order, documents listed twice
/// or renamed, members who leave and come back, late events, duplicates resent with other fields, answers sharing a
/// response id, ratings of answers never stored, ties on
/// timestamp broken by ids whose code-point and UTF-16 orders differ). The events are cut into shuffled requests.
/// </summary>
public sealed class Workload
{
    /// <summary>A company: its zone is set before the events are sent, after them (rebuilding), or never (UTC).</summary>
    public sealed record Setup(long Id, string? Name, string? Zone, bool ZoneFirst);

    public static readonly IReadOnlyList<Setup> Companies =
    [
        new(3, null, null, false),
        new(5, "Acme, \"Paris\"", "Europe/Paris", true),
        new(8, "Globex New York", "America/New_York", false),
        new(13, "Initech Kolkata", "Asia/Kolkata", true),
        new(21, "Sydney Pty\r\nLtd", "Australia/Sydney", false),
    ];

    private static readonly string[] ChatModels = ["alfred-4", "llama-3.3-70b", "mistral-large"];
    private static readonly string[] AgentModels = ["alfred-4", "agent-pro"];

    // Latencies on both sides of the two-significant-digit rounding boundaries (99 | 100, 1,201 -> 1,300, 99,501 -> 100,000).
    private static readonly long[] Latencies = [0, 7, 99, 100, 101, 109, 110, 999, 1_000, 1_001, 1_200, 1_201, 1_299, 1_300, 1_301, 9_950, 99_500, 99_501, 100_000, 100_001];

    private static readonly (string Name, string Type)[] ToolKinds =
    [
        ("document_search", "native"), ("document_search", "native"), ("web_search", "native"), ("code_execution", "native"),
        ("jira.search", "mcp"), ("github.create_issue", "mcp"), ("search", "native"), ("search", "mcp"), ("Ωmega", "mcp"),
        ("\uFF21-tool", "native"), ("\U0001F600-tool", "native"),
    ];

    private static readonly string[][] RatingChains =
    [
        ["like"], ["like"], ["dislike"], ["like", "dislike"], ["like", "dislike", "none", "like"], ["like", "none"],
        ["dislike", "like"], ["none"], ["dislike", "none", "dislike"],
    ];

    private const string Bmp = "\uFF21";           // U+FF21: after U+1F600 in UTF-16 order, before it by code point
    private const string Astral = "\U0001F600";    // U+1F600

    private readonly Random _random;
    private readonly List<Ev> _events = [];
    private int _next;

    private Workload(int seed, DateOnly first, int days)
    {
        _random = new Random(seed);
        First = first;
        Last = first.AddDays(days - 1);
    }

    public DateOnly First { get; }

    public DateOnly Last { get; }

    /// <summary>The requests, in the order they are sent; each holds at most 10,000 events.</summary>
    public List<List<Ev>> Requests { get; } = [];

    /// <summary>
    /// Requests sent together, concurrently: their ids are disjoint (a duplicate is in the same request as its
    /// first version, after it, or in a later wave), so which one commits first changes nothing.
    /// </summary>
    public List<List<List<Ev>>> Waves { get; } = [];

    public static Workload Generate(int seed, DateOnly first, int days)
    {
        var workload = new Workload(seed, first, days);
        foreach (var company in Companies)
        {
            workload.GenerateCompany(company);
        }

        workload.Cut();
        return workload;
    }

    private static TimeZoneInfo ZoneOf(Setup company) => TimeZoneInfo.FindSystemTimeZoneById(company.Zone ?? "UTC");

    private string NewId(string prefix) => $"{prefix}-{_next++:x}";

    private int Style() => _random.Next(256);

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>The UTC instant of a local time, moved out of a DST gap; with a random sub-second part.</summary>
    private DateTime Local(Setup company, DateOnly day, TimeSpan timeOfDay, bool fraction = true)
    {
        var zone = ZoneOf(company);
        var local = day.ToDateTime(TimeOnly.MinValue).Add(timeOfDay);
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        var utc = DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeToUtc(local, zone), DateTimeKind.Utc);
        return fraction ? utc.AddTicks(_random.Next(10_000_000)) : utc;
    }

    /// <summary>A random instant of a day; one in six is within ten minutes of local midnight.</summary>
    private DateTime Instant(Setup company, DateOnly day)
    {
        if (Chance(1.0 / 6))
        {
            var minutes = _random.Next(10);
            return Chance(0.5)
                ? Local(company, day, new TimeSpan(23, 59 - minutes, _random.Next(60)))
                : Local(company, day, new TimeSpan(0, minutes, _random.Next(60)));
        }

        return Local(company, day, TimeSpan.FromSeconds(_random.Next(6 * 3600, 23 * 3600)));
    }

    private Ev Add(Ev e)
    {
        _events.Add(e);
        return e;
    }

    private void GenerateCompany(Setup company)
    {
        var c = company.Id;
        var days = Last.DayNumber - First.DayNumber + 1;
        var end = Local(company, Last.AddDays(1), TimeSpan.Zero, fraction: false) - TimeSpan.FromHours(2);
        DateTime Clamp(DateTime t) => t < end ? t : end - TimeSpan.FromMinutes(_random.Next(60, 600));
        DateOnly Day(int i) => First.AddDays(i);

        // Members: most join (some before the window), with a name, without one, or with an explicit null;
        // some join again later under another name or with no name (which must not clear the old one).
        for (var user = 1; user <= 24; user++)
        {
            if (Chance(0.85))
            {
                var joined = Instant(company, First.AddDays(_random.Next(-40, days / 2)));
                var named = Chance(0.7);
                Add(new Ev
                {
                    Id = NewId("j"), Type = "member_joined", Time = joined, Company = c, User = user,
                    UserName = named ? $"User {user} of {c}" : null, Email = Chance(0.5) ? $"u{user}@example.com" : null, Style = Style(),
                });
                if (Chance(0.3))
                {
                    Add(new Ev
                    {
                        Id = NewId("j"), Type = "member_joined", Time = Clamp(joined.AddDays(_random.Next(1, 30))), Company = c, User = user,
                        UserName = Chance(0.5) ? $"Renamed {user}" : null, Style = Style(),
                    });
                }
            }
        }

        // Leavers: 21 and 22 leave for good, 24 joins and leaves, 5 leaves mid-window and comes back.
        foreach (var user in new[] { 21, 22, 24 })
        {
            Add(new Ev { Id = NewId("l"), Type = "member_left", Time = Instant(company, Day(_random.Next(days))), Company = c, User = user, Style = Style() });
        }

        Add(new Ev { Id = NewId("l"), Type = "member_left", Time = Instant(company, Day(days / 3)), Company = c, User = 5, Style = Style() });
        Add(new Ev { Id = NewId("c"), Type = "connection", Time = Instant(company, Day((days / 3) + 4)), Company = c, User = 5, Ip = "10.0.0.5", Style = Style() });

        // History before the window: activity there makes users not new, and counts in WAU/MAU of early days.
        for (var user = 1; user <= 6; user++)
        {
            foreach (var back in new[] { _random.Next(31, 60), _random.Next(1, 30), _random.Next(1, 8) })
            {
                Add(new Ev
                {
                    Id = NewId("h"), Type = Chance(0.5) ? "connection" : "user_query", Time = Instant(company, First.AddDays(-back)),
                    Company = c, User = user, Session = $"old-{user}", Mode = Chance(0.3) ? "agent" : "chat", Style = Style(),
                });
            }
        }

        // Daily activity of users 1..20, each with their own level.
        var sessions = 0;
        var responses = 0;
        var levels = Enumerable.Range(0, 21).Select(_ => 0.1 + (_random.NextDouble() * 0.5)).ToArray();
        for (var i = 0; i < days; i++)
        {
            for (var user = 1; user <= 20; user++)
            {
                if (!Chance(levels[user]))
                {
                    continue;
                }

                for (var n = _random.Next(0, 3); n > 0; n--)
                {
                    Add(new Ev
                    {
                        Id = NewId("c"), Type = "connection", Time = Instant(company, Day(i)), Company = c, User = user,
                        Ip = Chance(0.8) ? $"10.{c}.{user}.{_random.Next(255)}" : null,
                        UserAgent = Chance(0.7) ? "Mozilla/5.0 (X11; Linux x86_64), \"quoted\"" : null,
                        AuthMethod = Chance(0.6) ? Pick(new[] { "sso", "password", "saml" }) : null,
                        Style = Style(),
                    });
                }

                for (var n = _random.Next(1, 3); n > 0; n--)
                {
                    var mode = Chance(0.3) ? "agent" : "chat";
                    var session = Chance(0.05) && sessions > 0 ? $"s-{_random.Next(sessions)}" : $"s-{sessions++}";
                    var t = Instant(company, Day(i));
                    if (Chance(0.9))
                    {
                        Add(new Ev { Id = NewId("s"), Type = "session_started", Time = t, Company = c, User = user, Session = session, Mode = mode, Style = Style() });
                    }

                    for (var q = _random.Next(1, 5); q > 0; q--)
                    {
                        t = t.AddSeconds(_random.Next(20, 1500)).AddTicks(_random.Next(10_000_000));
                        var queryMode = Chance(0.05) ? (mode == "chat" ? "agent" : "chat") : mode;
                        Add(new Ev { Id = NewId("q"), Type = "user_query", Time = Clamp(t), Company = c, User = user, Session = session, Mode = queryMode, Style = Style() });
                        if (Chance(0.08))
                        {
                            continue;
                        }

                        var answer = Add(new Ev
                        {
                            Id = NewId("r"), Type = "model_response", Time = Clamp(t.AddSeconds(_random.Next(1, 40))), Company = c, User = user,
                            Session = session, Mode = queryMode, ResponseId = $"resp-{c}-{responses++}",
                            Model = Pick(queryMode == "chat" ? ChatModels : AgentModels), Documents = Documents(), Style = Style(),
                            LatencyMs = Latency(), InputTokens = Tokens(), OutputTokens = Tokens(),
                        });

                        for (var k = _random.Next(0, 3); k > 0; k--)
                        {
                            var (name, type) = Pick(ToolKinds);
                            Add(new Ev
                            {
                                Id = NewId("t"), Type = "tool_call", Time = Clamp(t.AddSeconds(_random.Next(0, 30))), Company = c,
                                User = Chance(0.9) ? user : _random.Next(1, 21), Session = session, Mode = Chance(0.5) ? mode : "agent",
                                ToolName = name, ToolType = type, Status = Chance(0.15) ? "error" : "ok",
                                ResponseId = Chance(0.5) ? answer.ResponseId : null, Style = Style(),
                            });
                        }

                        if (Chance(0.05))
                        {
                            // Another answer with the same response id, ordered before the first (it becomes the rated
                            // response, with its model and documents) or after it (it changes nothing).
                            Add(answer with
                            {
                                Id = NewId("r"), Time = Clamp(answer.Time.AddSeconds(_random.Next(-30, 30))), Model = Pick(ChatModels),
                                Documents = Documents(), Style = Style(),
                            });
                        }

                        Feedback(company, answer, Clamp);
                    }
                }
            }
        }

        Ties(company);
    }

    /// <summary>0–3 documents, sometimes one listed twice (the second listing with another name), null titles, renamed files.</summary>
    private List<Doc> Documents()
    {
        var documents = new List<Doc>();
        if (Chance(0.4))
        {
            return documents;
        }

        for (var n = _random.Next(1, 4); n > 0; n--)
        {
            var id = _random.Next(1, 40);
            var filename = Chance(0.2) ? $"doc-{id}-v{_random.Next(5)}.pdf" : $"doc-{id}.pdf";
            documents.Add(new Doc(id, filename, Chance(0.3) ? null : $"Title {id}" + (Chance(0.2) ? " (rev)" : "")));
        }

        if (Chance(0.15))
        {
            var again = documents[0];
            documents.Add(again with { Filename = again.Filename + ".again", Title = Chance(0.5) ? null : "Again" });
        }

        return documents;
    }

    /// <summary>Ratings that change over hours and days, by the owner or someone else; copies and flags.</summary>
    private void Feedback(Setup company, Ev answer, Func<DateTime, DateTime> clamp)
    {
        var t = answer.Time;
        if (Chance(0.35))
        {
            var rater = Chance(0.8) ? answer.User : _random.Next(1, 21);
            foreach (var kind in Pick(RatingChains))
            {
                t = t.AddMinutes(_random.Next(1, 4 * 24 * 60)).AddTicks(_random.Next(10_000_000));
                Add(new Ev { Id = NewId("f"), Type = "feedback", Time = clamp(t), Company = company.Id, User = rater, ResponseId = answer.ResponseId, Kind = kind, Style = Style() });
            }
        }

        if (Chance(0.1))
        {
            Add(new Ev { Id = NewId("f"), Type = "feedback", Time = clamp(answer.Time.AddMinutes(_random.Next(1, 90))), Company = company.Id, User = answer.User, ResponseId = answer.ResponseId, Kind = "copy", Style = Style() });
        }

        if (Chance(0.03))
        {
            Add(new Ev { Id = NewId("f"), Type = "feedback", Time = clamp(answer.Time.AddMinutes(_random.Next(1, 900))), Company = company.Id, User = _random.Next(1, 21), ResponseId = answer.ResponseId, Kind = "flag", Style = Style() });
        }
    }

    /// <summary>
    /// Events on the same instant whose order is decided by their ids: by code point U+FF21 comes before
    /// U+1F600, by UTF-16 unit after it. Also events exactly at local midnight and a tick before it.
    /// </summary>
    private void Ties(Setup company)
    {
        var c = company.Id;
        var middle = First.AddDays((Last.DayNumber - First.DayNumber) / 2);
        var t = Local(company, middle, new TimeSpan(11, 0, 0));

        // Two connections on one instant: the report lists the U+1F600 one first (newest first).
        Add(new Ev { Id = "tie-c-" + Bmp, Type = "connection", Time = t, Company = c, User = 9, Ip = "bmp", Style = 0 });
        Add(new Ev { Id = "tie-c-" + Astral, Type = "connection", Time = t, Company = c, User = 9, Ip = "astral", Style = 0 });

        // A like and a dislike on one instant: the dislike (U+1F600) is the latest rating.
        Add(new Ev { Id = "tie-f-" + Bmp, Type = "feedback", Time = t, Company = c, User = 9, ResponseId = "tie-response", Kind = "like", Style = 0 });
        Add(new Ev { Id = "tie-f-" + Astral, Type = "feedback", Time = t, Company = c, User = 9, ResponseId = "tie-response", Kind = "dislike", Style = 0 });

        // A tool called for that answer, which is never stored: the rating counts for the tool and for model null.
        Add(new Ev { Id = NewId("t"), Type = "tool_call", Time = t, Company = c, User = 9, Session = "tie", ToolName = "web_search", ResponseId = "tie-response", Style = 0 });

        // Two answers on one instant listing document 999: the U+1F600 answer names it.
        Add(new Ev { Id = "tie-d-" + Bmp, Type = "model_response", Time = t, Company = c, User = 9, Session = "tie", ResponseId = "tie-d-1", Model = "alfred-4", Documents = [new Doc(999, "bmp.pdf", "BMP")], Style = 0 });
        Add(new Ev { Id = "tie-d-" + Astral, Type = "model_response", Time = t, Company = c, User = 9, Session = "tie", ResponseId = "tie-d-2", Model = "alfred-4", Documents = [new Doc(999, "astral.pdf", null)], Style = 0 });

        // User 26: two named joins on one instant (the U+1F600 name wins), then a join without a name.
        Add(new Ev { Id = "tie-n-" + Bmp, Type = "member_joined", Time = t, Company = c, User = 26, UserName = "Name BMP", Style = 0 });
        Add(new Ev { Id = "tie-n-" + Astral, Type = "member_joined", Time = t, Company = c, User = 26, UserName = "Name Astral", Style = 0 });
        Add(new Ev { Id = NewId("j"), Type = "member_joined", Time = t.AddDays(1), Company = c, User = 26, Style = 64 });
        Add(new Ev { Id = NewId("c"), Type = "connection", Time = t.AddDays(2), Company = c, User = 26, Style = 0 });

        // User 25: a query, then a connection and a member_left on one instant; the member_left is the latest.
        Add(new Ev { Id = NewId("q"), Type = "user_query", Time = t.AddDays(-2), Company = c, User = 25, Session = "s-25", Style = 0 });
        Add(new Ev { Id = "tie-m-" + Bmp, Type = "connection", Time = t, Company = c, User = 25, Style = 0 });
        Add(new Ev { Id = "tie-m-" + Astral, Type = "member_left", Time = t, Company = c, User = 25, Style = 0 });

        // Exactly local midnight belongs to the new day; the last microsecond before it to the old one.
        var midnight = Local(company, middle.AddDays(3), TimeSpan.Zero, fraction: false);
        Add(new Ev { Id = NewId("midnight"), Type = "user_query", Time = midnight, Company = c, User = 12, Session = "midnight", Style = 0 });
        Add(new Ev { Id = NewId("midnight"), Type = "user_query", Time = midnight.AddTicks(-1), Company = c, User = 12, Session = "midnight", Style = 0 });
        Add(new Ev { Id = NewId("midnight"), Type = "model_response", Time = midnight.AddTicks(-5), Company = c, User = 12, Session = "midnight", ResponseId = "midnight-1", Model = "alfred-4", Style = 0 });

        // The same id in another company is another event.
        Add(new Ev { Id = "shared-id", Type = "connection", Time = t.AddHours(1), Company = c, User = 1, Style = 0 });
    }

    /// <summary>
    /// Shuffles the events into requests; holds back some early events for a late last request; adds
    /// duplicates (exact, or with other fields) after their first version, in the same or a later request.
    /// </summary>
    private void Cut()
    {
        var events = _events.OrderBy(_ => _random.Next()).ToList();
        var cutoff = First.AddDays((Last.DayNumber - First.DayNumber) / 3).ToDateTime(TimeOnly.MinValue);
        var late = events.Where(e => e.Time < cutoff && Chance(0.05)).ToList();
        var lateIds = late.Select(e => (e.Company, e.Id)).ToHashSet();
        var onTime = events.Where(e => !lateIds.Contains((e.Company, e.Id))).ToList();

        for (var i = 0; i < onTime.Count;)
        {
            var size = Math.Min(onTime.Count - i, _random.Next(800, 6000));
            Requests.Add(onTime.GetRange(i, size));
            i += size;
        }

        Requests.Add(late);

        // Waves of one to three requests; the late request is sent alone, last.
        var waveOf = new List<int>();
        for (var r = 0; r < Requests.Count - 1;)
        {
            var size = Math.Min(_random.Next(1, 4), Requests.Count - 1 - r);
            waveOf.AddRange(Enumerable.Repeat(Waves.Count, size));
            Waves.Add(Requests.GetRange(r, size));
            r += size;
        }

        waveOf.Add(Waves.Count);
        Waves.Add([late]);

        // Duplicates go after the first version: later in its request or in a request of a later wave.
        var where = new Dictionary<(long, string), int>();
        for (var r = 0; r < Requests.Count; r++)
        {
            foreach (var e in Requests[r])
            {
                where[(e.Company, e.Id)] = r;
            }
        }

        foreach (var original in events.Where(_ => Chance(0.03)).ToList())
        {
            var copy = _random.Next(5) switch
            {
                0 => original,
                1 when original.Type == "model_response" => original with { Documents = [new Doc(777, "duplicate.pdf", "Never stored")], Model = "never-stored" },
                1 => original with { Time = original.Time.AddDays(-_random.Next(1, 20)), Style = Style() },
                2 => original with { Type = "connection", User = original.User + 1, Style = Style() },
                _ => original with { Type = "feedback", Kind = "like", ResponseId = "dup-response", Session = null, Style = Style() },
            };
            var home = where[(original.Company, original.Id)];
            var later = Enumerable.Range(0, Requests.Count).Where(r => waveOf[r] > waveOf[home]).ToList();
            var r = later.Count == 0 || Chance(0.3) ? home : Pick(later);
            var request = Requests[r];
            var after = request.FindIndex(e => e.Company == original.Company && e.Id == original.Id);
            request.Insert(_random.Next(after + 1, request.Count + 1), copy);
        }

        if (Requests.Any(r => r.Count > 10_000))
        {
            throw new InvalidOperationException("A request may hold at most 10,000 events.");
        }
    }

    /// <summary>A latency: absent now and then, else near a rounding boundary or anywhere below a minute.</summary>
    private long? Latency() => _random.Next(10) switch
    {
        0 => null,
        < 6 => Pick(Latencies),
        _ => _random.Next(0, 60_000),
    };

    /// <summary>A token count: absent now and then, sometimes 0, else up to a few thousand.</summary>
    private long? Tokens() => _random.Next(8) switch
    {
        0 => null,
        1 => 0,
        _ => _random.Next(1, 5_000),
    };
}
