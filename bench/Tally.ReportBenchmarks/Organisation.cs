using System.Globalization;
using Tally.Events;

namespace Tally.ReportBenchmarks;

/// <summary>A company of the benchmark organisation; <see cref="Share"/> is its part of the members and of the activity.</summary>
internal sealed record BenchCompany(long Id, string Name, string TimeZone, double Share);

/// <summary>
/// A year of a synthetic platform, generated as a stream in the order a platform (or a back-fill) sends it: hour by
/// hour, a few percent of events held back and sent 1 hour to 30 days late. Five companies in different IANA zones
/// (two with daylight saving, one southern-hemisphere); members join over the year (a third are there from the
/// start), a few leave and some come back; people work in office hours on weekdays, open chat sessions and agent
/// threads with several models, call native and MCP tools (some fail), ground answers in documents of long-tailed
/// popularity, rate (and sometimes re-rate), copy and flag answers, and log in. The number of work episodes per
/// hour follows the office-hours shape and is scaled so that exactly <c>target</c> events come out; the same seed
/// and days give the same events.
/// </summary>
internal sealed class Organisation
{
    public static readonly IReadOnlyList<BenchCompany> Companies =
    [
        new(1, "Northwind Legal", "Europe/Paris", 0.35),
        new(2, "Acme Analytics", "America/New_York", 0.25),
        new(3, "Lumen Systems India", "Asia/Kolkata", 0.175),
        new(4, "Kiwi Health", "Pacific/Auckland", 0.125),
        new(5, "Sakura Robotics", "Asia/Tokyo", 0.10),
    ];

    private static readonly string[] Models = ["alfred-4", "mistral-large", "llama-3.3-70b", "gpt-4o", "claude-sonnet-4"];
    private static readonly double[] ModelWeights = [0.40, 0.25, 0.15, 0.12, 0.08];

    private static readonly (string Name, ToolType Type, double Probability, double ErrorRate)[] Tools =
    [
        ("document_search", ToolType.Native, 0.30, 0.01),
        ("web_search", ToolType.Native, 0.10, 0.03),
        ("code_execution", ToolType.Native, 0.04, 0.08),
        ("image_generation", ToolType.Native, 0.02, 0.05),
        ("jira.search_issues", ToolType.Mcp, 0.05, 0.06),
        ("confluence.get_page", ToolType.Mcp, 0.04, 0.12),
        ("salesforce.query", ToolType.Mcp, 0.02, 0.10),
    ];

    private static readonly string[] FirstNames =
        ["Alex", "Sam", "Noa", "Robin", "Camille", "Jordan", "Maël", "Priya", "Arjun", "Lena", "Hugo", "Yuki", "Ines", "Omar", "Zoé", "Ravi", "Elena", "Tom", "Aya", "Leo", "Aroha", "Kenji"];

    private static readonly string[] LastNames =
        ["Martin", "Bernard", "Ng", "Kumar", "Silva", "Dubois", "Okafor", "Rossi", "Novak", "Sharma", "Larsen", "Moreau", "Iyer", "Costa", "Weber", "Tanaka", "Ngata"];

    private static readonly string[] Topics =
        ["travel-policy", "expense-rules", "security-handbook", "onboarding-guide", "q3-report", "pricing-grid", "contract-template",
         "gdpr-notice", "architecture-overview", "incident-runbook", "sales-playbook", "hr-benefits", "roadmap", "style-guide",
         "procurement-process", "brand-book", "api-reference", "release-notes", "board-minutes", "okr-2025"];

    private static readonly string[] Extensions = ["pdf", "pdf", "docx", "pptx", "xlsx", "md"];

    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "ParadigmDesktop/3.4.1 (Windows 11)",
    ];

    private const int DocumentsPerCompany = 2_000;
    private const double InitialEventsPerEpisode = 20;

    private readonly long _target;
    private readonly double _lateFraction;
    private readonly DateTime _start;
    private readonly int _hours;
    private readonly CompanyState[] _companies;

    // Episode weight of each (hour, company), and the weight left from each hour on.
    private readonly double[,] _weights;
    private readonly double[] _weightFrom;
#pragma warning disable CA5394 // Test data: the randomness needs to be reproducible, not unpredictable.
    private readonly Random _random;

    private long _generated;
    private long _episodes;
    private long _episodeEvents;
    private long _late;

    private readonly bool _sequentialIds;
    private long _nextId;

    public Organisation(long target, int users, double latePercent, int seed, DateOnly firstDay, DateOnly lastDay, bool sequentialIds = false)
    {
        _sequentialIds = sequentialIds;
        _target = target;
        _lateFraction = latePercent / 100;
        _random = new Random(seed);
        FirstDay = firstDay;
        LastDay = lastDay;
        _start = firstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        _hours = (lastDay.DayNumber - firstDay.DayNumber + 1) * 24;
        _companies = Companies.Select(c => new CompanyState(c, Math.Max(5, (int)Math.Round(users * c.Share)), _random, _hours)).ToArray();
        _weights = new double[_hours, _companies.Length];
        _weightFrom = new double[_hours + 1];
        for (var h = _hours - 1; h >= 0; h--)
        {
            var at = _start.AddHours(h + 0.5);
            var progress = (double)h / _hours;
            var sum = 0.0;
            for (var c = 0; c < _companies.Length; c++)
            {
                var company = _companies[c];
                var local = TimeZoneInfo.ConvertTimeFromUtc(at, company.Zone);
                var weekend = local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                // Adoption grows over the year; activity follows the members there and office hours.
                var weight = company.Company.Share * (0.55 + (0.45 * progress)) * company.MemberFraction(h) * HourFactor(local.Hour) * (weekend ? 0.08 : 1.0);
                _weights[h, c] = weight;
                sum += weight;
            }

            _weightFrom[h] = _weightFrom[h + 1] + sum;
        }
    }

    public DateOnly FirstDay { get; }

    public DateOnly LastDay { get; }

    public IReadOnlyDictionary<EventType, long> CountsByType => _counts;

    private readonly Dictionary<EventType, long> _counts = Enum.GetValues<EventType>().ToDictionary(t => t, _ => 0L);

    public long LateEvents => _late;

    public long Episodes => _episodes;

    public int MembersTotal => _companies.Sum(c => c.Members.Length);

    public int Members(long companyId) => _companies.Single(c => c.Company.Id == companyId).Members.Length;

    /// <summary>Exactly the target number of events, in sending order.</summary>
    public IEnumerable<PlatformEvent> Events()
    {
        var delayed = new Dictionary<int, List<PlatformEvent>>();
        var hourEvents = new List<PlatformEvent>(4_096);
        long emitted = 0;
        for (var h = 0; h < _hours; h++)
        {
            hourEvents.Clear();
            var hourStart = _start.AddHours(h);
            foreach (var company in _companies)
            {
                foreach (var (member, type, at) in company.MembershipAt(h))
                {
                    company.Apply(member, type);
                    Add(hourEvents, delayed, h, new PlatformEvent
                    {
                        Id = NewId(), Type = type, Timestamp = hourStart.AddTicks(at.Ticks), CompanyId = company.Company.Id, UserId = member.Id,
                        // A rejoin sometimes comes without a name: a missing name never clears the stored one.
                        UserName = type == EventType.MemberJoined && (member.JoinsSent++ == 0 || _random.NextDouble() < 0.5) ? member.Name : null,
                        Email = type == EventType.MemberJoined ? member.Email : null,
                    });
                }
            }

            // Spread the episodes still needed over the weight left, with the events per episode seen so far.
            var perEpisode = _episodes >= 500 ? (double)_episodeEvents / _episodes : InitialEventsPerEpisode;
            var episodesLeft = Math.Max(0, (_target - _generated) / perEpisode);
            for (var c = 0; c < _companies.Length; c++)
            {
                var company = _companies[c];
                if (_weights[h, c] <= 0 || _weightFrom[h] <= 0)
                {
                    continue;
                }

                company.Carry += episodesLeft * _weights[h, c] / _weightFrom[h];
                while (company.Carry >= 1)
                {
                    company.Carry -= 1;
                    Episode(company, hourStart.AddTicks(_random.NextInt64(TimeSpan.TicksPerHour) / 10 * 10), hourEvents, delayed, h);
                }
            }

            if (h == _hours - 1)
            {
                // Whatever the running estimate left short: a few more episodes in the last hours.
                while (_generated < _target)
                {
                    var company = _companies[_random.Next(_companies.Length)];
                    Episode(company, hourStart.AddHours(-_random.Next(6)).AddTicks(_random.NextInt64(TimeSpan.TicksPerHour) / 10 * 10), hourEvents, delayed, h);
                }
            }

            hourEvents.Sort(static (a, b) => a.Timestamp.CompareTo(b.Timestamp));
            if (delayed.Remove(h, out var released))
            {
                hourEvents.AddRange(released);
            }

            foreach (var e in hourEvents)
            {
                yield return e;
                if (++emitted == _target)
                {
                    yield break;
                }
            }
        }

        // Late events due after the last hour: the back-fill sends them last.
        foreach (var (_, events) in delayed.OrderBy(p => p.Key))
        {
            foreach (var e in events)
            {
                yield return e;
                if (++emitted == _target)
                {
                    yield break;
                }
            }
        }
    }

    private void Add(List<PlatformEvent> hourEvents, Dictionary<int, List<PlatformEvent>> delayed, int hour, PlatformEvent e)
    {
        _generated++;
        _counts[e.Type]++;
        if (_lateFraction > 0 && _random.NextDouble() < _lateFraction)
        {
            // Late: mostly within a day, some within a week, a few up to a month.
            var roll = _random.NextDouble();
            var delay = roll < 0.6 ? 1 + _random.Next(24) : roll < 0.9 ? 24 + _random.Next(24 * 6) : (24 * 7) + _random.Next(24 * 23);
            var release = hour + delay;
            if (!delayed.TryGetValue(release, out var list))
            {
                delayed[release] = list = [];
            }

            list.Add(e);
            _late++;
        }
        else
        {
            hourEvents.Add(e);
        }
    }

    /// <summary>One member's stretch of work: maybe a login, then one to four sessions of questions and answers.</summary>
    private void Episode(CompanyState company, DateTime start, List<PlatformEvent> hourEvents, Dictionary<int, List<PlatformEvent>> delayed, int hour)
    {
        var member = company.PickMember(_random);
        if (member is null)
        {
            return;
        }

        var before = _generated;
        var companyId = company.Company.Id;
        var time = start;
        void Emit(PlatformEvent e) => Add(hourEvents, delayed, hour, e);
        PlatformEvent New(EventType type, DateTime at) => new() { Id = NewId(), Type = type, Timestamp = at, CompanyId = companyId, UserId = member.Id };

        if (_random.NextDouble() < 0.55)
        {
            Emit(New(EventType.Connection, time) with
            {
                Ip = string.Create(CultureInfo.InvariantCulture, $"10.{companyId}.{member.Index % 250}.{1 + _random.Next(254)}"),
                UserAgent = UserAgents[member.Index % UserAgents.Length],
                AuthMethod = member.Index % 7 == 0 ? "password" : "sso",
            });
        }

        var sessions = 1 + _random.Next(member.Engagement > 0.6 ? 4 : 2);
        for (var s = 0; s < sessions; s++)
        {
            time = time.AddSeconds(5 + _random.Next(120));
            var mode = _random.NextDouble() < 0.18 ? ChatMode.Agent : ChatMode.Chat;
            var session = string.Create(CultureInfo.InvariantCulture, $"{(mode == ChatMode.Agent ? "thread" : "chat")}-{companyId}-{++company.Sessions:x}");
            Emit(New(EventType.SessionStarted, time) with { SessionId = session, Mode = mode });
            var queries = 1 + _random.Next(mode == ChatMode.Agent ? 3 : 6);
            for (var q = 0; q < queries; q++)
            {
                time = time.AddSeconds(20 + _random.Next(220));
                Exchange(company, member, time, session, mode, Emit, New);
            }

            time = time.AddSeconds(60 + _random.Next(1_200));
        }

        _episodes++;
        _episodeEvents += _generated - before;
    }

    private void Exchange(CompanyState company, Member member, DateTime time, string session, ChatMode mode,
        Action<PlatformEvent> emit, Func<EventType, DateTime, PlatformEvent> @new)
    {
        emit(@new(EventType.UserQuery, time) with { SessionId = session, Mode = mode });
        var responseId = string.Create(CultureInfo.InvariantCulture, $"resp-{company.Company.Id}-{++company.Responses:x}");
        foreach (var tool in Tools)
        {
            if (_random.NextDouble() < tool.Probability * (mode == ChatMode.Agent ? 2.5 : 1))
            {
                emit(@new(EventType.ToolCall, time.AddSeconds(1 + _random.Next(3))) with
                {
                    SessionId = session, Mode = mode, ToolName = tool.Name, ToolType = tool.Type, ResponseId = _random.Next(4) == 0 ? null : responseId,
                    ToolStatus = _random.NextDouble() < tool.ErrorRate ? ToolStatus.Error : ToolStatus.Ok,
                    DurationMs = _random.Next(5) == 0 ? null : 50 + _random.Next(6_000),
                });
            }
        }

        var answeredAt = time.AddSeconds(2 + _random.Next(20)).AddTicks(_random.Next(1_000_000) * 10);
        IReadOnlyList<EventDocument> documents = [];
        if (_random.NextDouble() < 0.45)
        {
            var count = 1 + _random.Next(_random.NextDouble() < 0.8 ? 3 : 8);
            var listed = new List<EventDocument>(count);
            for (var d = 0; d < count; d++)
            {
                // Zipf-like: a few documents are used often, most rarely; the same one may be listed twice.
                var document = company.Documents[Math.Min(company.Documents.Length - 1, (int)(Math.Pow(_random.NextDouble(), 2.5) * company.Documents.Length))];
                listed.Add(document);
            }

            documents = listed;
        }

        emit(@new(EventType.ModelResponse, answeredAt) with
        {
            SessionId = session, Mode = mode, ResponseId = responseId, Model = Pick(Models, ModelWeights), Documents = documents,
            LatencyMs = 600 + _random.Next(12_000), InputTokens = 150 + _random.Next(6_000), OutputTokens = 40 + _random.Next(1_500),
        });

        var reactedAt = answeredAt.AddSeconds(10 + _random.Next(600));
        FeedbackKind? kind = _random.NextDouble() switch
        {
            < 0.09 => FeedbackKind.Like,
            < 0.125 => FeedbackKind.Dislike,
            < 0.18 => FeedbackKind.Copy,
            < 0.185 => FeedbackKind.Flag,
            _ => null,
        };
        if (kind is not { } feedback)
        {
            return;
        }

        emit(@new(EventType.Feedback, reactedAt) with { ResponseId = responseId, FeedbackKind = feedback });
        // Now and then a user changes their mind: withdraws the rating or flips it, minutes (or days) later.
        if (feedback is FeedbackKind.Like or FeedbackKind.Dislike && _random.NextDouble() < 0.08)
        {
            var changedAt = reactedAt.AddMinutes(_random.NextDouble() < 0.8 ? 1 + _random.Next(30) : 60 * (1 + _random.Next(72)));
            emit(@new(EventType.Feedback, changedAt) with
            {
                ResponseId = responseId,
                FeedbackKind = _random.NextDouble() < 0.5 ? FeedbackKind.None : feedback == FeedbackKind.Like ? FeedbackKind.Dislike : FeedbackKind.Like,
            });
        }
    }

    private string NewId()
    {
        if (_sequentialIds)
        {
            return string.Create(CultureInfo.InvariantCulture, $"evt-{_nextId++:x12}");
        }

        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    private string Pick(string[] values, double[] weights)
    {
        var roll = _random.NextDouble();
        for (var i = 0; i < values.Length; i++)
        {
            roll -= weights[i];
            if (roll <= 0)
            {
                return values[i];
            }
        }

        return values[^1];
    }

    /// <summary>Share of the hour's sessions by local hour: office hours with a lunch dip, a little in the evening.</summary>
    private static double HourFactor(int hour) => hour switch
    {
        < 7 => 0.02,
        7 => 0.25,
        8 => 0.75,
        >= 9 and < 12 => 1.0,
        12 => 0.55,
        >= 13 and < 17 => 1.0,
        17 => 0.7,
        18 or 19 => 0.3,
        _ => 0.07,
    };

    internal sealed class Member(long id, int index, string name, double engagement)
    {
        public long Id { get; } = id;
        public int Index { get; } = index;
        public string Name { get; } = name;
        public string Email { get; } = string.Create(CultureInfo.InvariantCulture, $"user{id}@example.com");
        public double Engagement { get; } = engagement;
        public bool Active { get; set; }
        public int JoinsSent { get; set; }
    }

    private sealed class CompanyState
    {
        private readonly Dictionary<int, List<(Member Member, EventType Type, DateTime At)>> _membership = [];
        private readonly int[] _membersAt;
        private readonly List<Member> _active = [];
        private double[] _cumulative = [];
        private bool _dirty = true;

        public CompanyState(BenchCompany company, int members, Random random, int hours)
        {
            Company = company;
            Zone = TimeZoneInfo.FindSystemTimeZoneById(company.TimeZone);
            Members = new Member[members];
            var change = new int[hours + 1];
            for (var i = 0; i < members; i++)
            {
                var name = $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}";
                var member = Members[i] = new Member((company.Id * 100_000) + i + 1, i, name, Math.Clamp(0.1 + (random.NextDouble() * random.NextDouble() * 1.2), 0.1, 0.95));
                // A third are there from the start; the rest join over the year, more of them early on.
                var joined = i < members / 3 ? 0 : (int)(Math.Pow(random.NextDouble(), 1.5) * (hours - 48));
                Schedule(member, EventType.MemberJoined, joined, random, change);
                if (random.NextDouble() < 0.05 && joined + (24 * 30) < hours - 48)
                {
                    var left = joined + (24 * 30) + random.Next(hours - 48 - joined - (24 * 30));
                    Schedule(member, EventType.MemberLeft, left, random, change);
                    if (random.NextDouble() < 0.3 && left + (24 * 60) < hours)
                    {
                        Schedule(member, EventType.MemberJoined, left + (24 * 10) + random.Next(24 * 50), random, change);
                    }
                }
            }

            Documents = Enumerable.Range(1, DocumentsPerCompany).Select(index =>
            {
                var topic = Topics[index % Topics.Length];
                var version = 1 + (index / Topics.Length);
                return new EventDocument((company.Id * 100_000) + index, $"{topic}-v{version}.{Extensions[index % Extensions.Length]}",
                    index % 4 == 0 ? null : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(topic.Replace('-', ' ')) + (version > 1 ? $" ({version})" : ""));
            }).ToArray();

            _membersAt = new int[hours];
            var running = 0;
            for (var h = 0; h < hours; h++)
            {
                running += change[h];
                _membersAt[h] = running;
            }
        }

        public BenchCompany Company { get; }

        public TimeZoneInfo Zone { get; }

        public Member[] Members { get; }

        public EventDocument[] Documents { get; }

        public double Carry { get; set; }

        public long Sessions { get; set; }

        public long Responses { get; set; }

        public double MemberFraction(int hour) => (double)_membersAt[hour] / Members.Length;

        public List<(Member Member, EventType Type, DateTime At)> MembershipAt(int hour) =>
            _membership.TryGetValue(hour, out var changes) ? changes : [];

        public void Apply(Member member, EventType type)
        {
            if (type == EventType.MemberJoined && member.Active)
            {
                return;
            }

            member.Active = type == EventType.MemberJoined;
            _dirty = true;
        }

        public Member? PickMember(Random random)
        {
            if (_dirty)
            {
                _active.Clear();
                _active.AddRange(Members.Where(m => m.Active));
                _cumulative = new double[_active.Count];
                var sum = 0.0;
                for (var i = 0; i < _active.Count; i++)
                {
                    sum += _active[i].Engagement;
                    _cumulative[i] = sum;
                }

                _dirty = false;
            }

            if (_active.Count == 0)
            {
                return null;
            }

            var index = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
            return _active[Math.Min(_active.Count - 1, index < 0 ? ~index : index)];
        }

        private void Schedule(Member member, EventType type, int hour, Random random, int[] change)
        {
            if (!_membership.TryGetValue(hour, out var list))
            {
                _membership[hour] = list = [];
            }

            // The time within the hour, as ticks since DateTime.MinValue (whole microseconds).
            list.Add((member, type, DateTime.MinValue.AddTicks(random.NextInt64(TimeSpan.TicksPerHour) / 10 * 10)));
            change[hour] += type == EventType.MemberJoined ? 1 : -1;
        }
    }
#pragma warning restore CA5394
}
