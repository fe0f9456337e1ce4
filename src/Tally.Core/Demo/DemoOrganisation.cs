using System.Globalization;
using Tally.Events;

namespace Tally.Demo;

/// <summary>A company of the demo organisation.</summary>
public sealed record DemoCompany(long Id, string Name, string TimeZone, int Users);

/// <summary>
/// A realistic synthetic platform to explore Tally with: three companies in different time zones, a few hundred
/// users who join over time, work on weekdays and in office hours, chat and run agent threads with several
/// models, call native and MCP tools (some fail), ground answers in documents of long-tailed popularity, rate,
/// copy and flag answers, and log in. The same seed and clock give the same events. Names are made up.
/// </summary>
public static class DemoOrganisation
{
    public static readonly IReadOnlyList<DemoCompany> Companies =
    [
        new(1, "Northwind Legal", "Europe/Paris", 140),
        new(2, "Acme Analytics", "America/New_York", 110),
        new(3, "Lumen Systems India", "Asia/Kolkata", 90),
    ];

    private static readonly string[] Models = ["alfred-4", "mistral-large", "llama-3.3-70b", "gpt-4o"];
    private static readonly double[] ModelWeights = [0.45, 0.25, 0.2, 0.1];

    private static readonly (string Name, ToolType Type, double Probability, double ErrorRate)[] Tools =
    [
        ("document_search", ToolType.Native, 0.30, 0.01),
        ("web_search", ToolType.Native, 0.10, 0.03),
        ("code_execution", ToolType.Native, 0.04, 0.08),
        ("jira.search_issues", ToolType.Mcp, 0.05, 0.06),
        ("confluence.get_page", ToolType.Mcp, 0.04, 0.12),
    ];

    private static readonly string[] FirstNames =
        ["Alex", "Sam", "Noa", "Robin", "Camille", "Jordan", "Maël", "Priya", "Arjun", "Lena", "Hugo", "Yuki", "Ines", "Omar", "Zoé", "Ravi", "Elena", "Tom", "Aya", "Leo"];

    private static readonly string[] LastNames =
        ["Martin", "Bernard", "Ng", "Kumar", "Silva", "Dubois", "Okafor", "Rossi", "Novak", "Sharma", "Larsen", "Moreau", "Iyer", "Costa", "Weber", "Tanaka"];

    private static readonly string[] Topics =
        ["travel-policy", "expense-rules", "security-handbook", "onboarding-guide", "q3-report", "pricing-grid", "contract-template",
         "gdpr-notice", "architecture-overview", "incident-runbook", "sales-playbook", "hr-benefits", "roadmap", "style-guide"];

    /// <summary>The demo's events: <paramref name="days"/> days up to <paramref name="nowUtc"/>, never after it.</summary>
    public static List<PlatformEvent> Generate(int seed, DateTime nowUtc, int days = 90)
    {
        var events = new List<PlatformEvent>();
        foreach (var company in Companies)
        {
            new CompanyGenerator(company, new Random(CompanySeed(seed, company.Id)), nowUtc, days, events).Run();
        }

        return events;
    }

    /// <summary>
    /// The seed of one company's generator, the same in every process: <see cref="HashCode.Combine{T1, T2}"/> is
    /// randomised per process, so it made <c>--seed</c> give other data on every start. SplitMix64's finaliser mixes
    /// both inputs into every bit; the value must never change, or a seed's demo does.
    /// </summary>
    private static int CompanySeed(int seed, long companyId)
    {
        var mixed = unchecked(((ulong)(uint)seed << 32) ^ (ulong)companyId);
        mixed = unchecked((mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9UL);
        mixed = unchecked((mixed ^ (mixed >> 27)) * 0x94D049BB133111EBUL);
        mixed ^= mixed >> 31;
        return (int)(mixed & int.MaxValue);
    }

    private sealed class CompanyGenerator(DemoCompany company, Random random, DateTime nowUtc, int days, List<PlatformEvent> events)
    {
        private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(company.TimeZone);
        private long _sequence;

        public void Run()
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(nowUtc, _zone));
            var first = today.AddDays(-(days - 1));
            var users = Enumerable.Range(1, company.Users).Select(index => NewUser(index, first)).ToList();
            var documents = Enumerable.Range(1, 40 + (company.Users / 2)).Select(NewDocument).ToList();

            foreach (var user in users)
            {
                Add(user.Joined.AddHours(-1), EventType.MemberJoined, user.Id, e => e with { UserName = user.Name, Email = $"user{user.Id}@example.com" });
                if (user.Leaves is { } leaves)
                {
                    Add(leaves, EventType.MemberLeft, user.Id);
                }
            }

            for (var day = first; day <= today; day = day.AddDays(1))
            {
                var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                // Adoption grows over the period: the share of engaged users rises from about 40% to 100%.
                var adoption = 0.4 + (0.6 * (day.DayNumber - first.DayNumber) / Math.Max(1, days - 1));
                foreach (var user in users)
                {
                    var start = At(day, 8 + random.NextDouble() * 2.5);
                    if (start < user.Joined || (user.Leaves is { } left && start > left)
                        || random.NextDouble() > user.Engagement * adoption * (weekend ? 0.12 : 1.0))
                    {
                        continue;
                    }

                    WorkDay(day, user, documents, start);
                }
            }
        }

        private void WorkDay(DateOnly day, DemoUser user, List<DemoDocument> documents, DateTime start)
        {
            Add(start, EventType.Connection, user.Id, e => e with
            {
                Ip = $"192.0.2.{1 + (user.Id % 250)}",
                UserAgent = user.Id % 3 == 0 ? "Mozilla/5.0 (Macintosh) Safari/605.1" : "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0",
                AuthMethod = user.Id % 5 == 0 ? "password" : "sso",
            });

            var sessions = 1 + random.Next(user.Engagement > 0.6 ? 4 : 2);
            for (var s = 0; s < sessions; s++)
            {
                // Office hours with a lunch dip: sessions start between 9:00 and 18:00 local.
                var hour = 9 + random.NextDouble() * 9;
                if (hour is > 12.5 and < 13.5 && random.NextDouble() < 0.6)
                {
                    hour += 1.5;
                }

                var time = At(day, hour);
                if (time > nowUtc)
                {
                    return;
                }

                var mode = random.NextDouble() < 0.18 ? ChatMode.Agent : ChatMode.Chat;
                var session = $"{(mode == ChatMode.Agent ? "thread" : "chat")}-{company.Id}-{user.Id}-{day.DayNumber}-{s}";
                Add(time, EventType.SessionStarted, user.Id, e => e with { SessionId = session, Mode = mode });
                var queries = 1 + random.Next(mode == ChatMode.Agent ? 3 : 6);
                for (var q = 0; q < queries; q++)
                {
                    time = time.AddSeconds(30 + random.Next(240));
                    if (time > nowUtc)
                    {
                        return;
                    }

                    Exchange(time, user, session, mode, documents);
                }
            }
        }

        private void Exchange(DateTime time, DemoUser user, string session, ChatMode mode, List<DemoDocument> documents)
        {
            Add(time, EventType.UserQuery, user.Id, e => e with { SessionId = session, Mode = mode });
            var responseId = $"resp-{company.Id}-{_sequence}";
            var answeredAt = time.AddSeconds(2 + random.Next(15));
            foreach (var tool in Tools)
            {
                if (random.NextDouble() < tool.Probability * (mode == ChatMode.Agent ? 2.5 : 1))
                {
                    Add(time.AddSeconds(1), EventType.ToolCall, user.Id, e => e with
                    {
                        SessionId = session, Mode = mode, ToolName = tool.Name, ToolType = tool.Type, ResponseId = responseId,
                        ToolStatus = random.NextDouble() < tool.ErrorRate ? ToolStatus.Error : ToolStatus.Ok,
                        DurationMs = 200 + random.Next(4000),
                    });
                }
            }

            var grounded = random.NextDouble() < 0.45;
            var used = grounded
                ? Enumerable.Range(0, 1 + random.Next(3)).Select(_ => documents[Popular(documents.Count)]).Distinct()
                    .Select(d => new EventDocument(d.Id, d.Filename, d.Title)).ToList()
                : [];
            Add(answeredAt, EventType.ModelResponse, user.Id, e => e with
            {
                SessionId = session, Mode = mode, ResponseId = responseId, Model = Pick(Models, ModelWeights), Documents = used,
                LatencyMs = 800 + random.Next(9000), InputTokens = 200 + random.Next(3000), OutputTokens = 80 + random.Next(900),
            });

            var reaction = random.NextDouble();
            var reactedAt = answeredAt.AddSeconds(20 + random.Next(300));
            if (reactedAt > nowUtc)
            {
                return;
            }

            FeedbackKind? kind = reaction switch
            {
                < 0.09 => FeedbackKind.Like,
                < 0.125 => FeedbackKind.Dislike,
                < 0.18 => FeedbackKind.Copy,
                < 0.185 => FeedbackKind.Flag,
                _ => null,
            };
            if (kind is { } feedback)
            {
                Add(reactedAt, EventType.Feedback, user.Id, e => e with { ResponseId = responseId, FeedbackKind = feedback });
                // Now and then a user changes their mind about an answer.
                if (feedback is FeedbackKind.Like or FeedbackKind.Dislike && random.NextDouble() < 0.08 && reactedAt.AddMinutes(5) <= nowUtc)
                {
                    Add(reactedAt.AddMinutes(5), EventType.Feedback, user.Id, e => e with
                    {
                        ResponseId = responseId, FeedbackKind = random.NextDouble() < 0.5 ? FeedbackKind.None : (feedback == FeedbackKind.Like ? FeedbackKind.Dislike : FeedbackKind.Like),
                    });
                }
            }
        }

        private DemoUser NewUser(int index, DateOnly first)
        {
            // A third were there from the start, the rest join over the period, more of them early on.
            var joinDay = index <= company.Users / 3 ? -30 - random.Next(200) : (int)(Math.Pow(random.NextDouble(), 1.5) * days);
            var joined = At(first.AddDays(joinDay), 8.5);
            var engagement = Math.Clamp(0.15 + (random.NextDouble() * random.NextDouble() * 1.1), 0.1, 0.95);
            DateTime? leaves = random.NextDouble() < 0.04 ? At(first.AddDays(days - 1 - random.Next(Math.Max(1, days / 3))), 17) : null;
            var name = $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}";
            return new DemoUser(company.Id * 1000 + index, name, joined, engagement, leaves is { } l && l < nowUtc ? l : null);
        }

        private DemoDocument NewDocument(int index)
        {
            var topic = Topics[index % Topics.Length];
            var version = 1 + (index / Topics.Length);
            return new DemoDocument(company.Id * 10_000 + index, $"{topic}-v{version}.pdf",
                index % 4 == 0 ? null : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(topic.Replace('-', ' ')) + (version > 1 ? $" ({version})" : ""));
        }

        /// <summary>A Zipf-like pick: a few documents are used often, most rarely.</summary>
        private int Popular(int count) => Math.Min(count - 1, (int)Math.Floor(Math.Pow(random.NextDouble(), 2.5) * count));

        private string Pick(string[] values, double[] weights)
        {
            var roll = random.NextDouble();
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

        private DateTime At(DateOnly day, double localHour)
        {
            var local = day.ToDateTime(TimeOnly.MinValue).AddHours(localHour);
            if (_zone.IsInvalidTime(local))
            {
                local = local.AddHours(1);
            }

            var utc = TimeZoneInfo.ConvertTimeToUtc(local, _zone);
            return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        }

        private void Add(DateTime timestamp, EventType type, long userId, Func<PlatformEvent, PlatformEvent>? fill = null)
        {
            if (timestamp > nowUtc)
            {
                return;
            }

            var e = new PlatformEvent
            {
                Id = $"demo-{company.Id}-{_sequence++:D7}",
                Type = type,
                Timestamp = timestamp,
                CompanyId = company.Id,
                UserId = userId,
            };
            events.Add(fill is null ? e : fill(e));
        }
    }

    private sealed record DemoUser(long Id, string Name, DateTime Joined, double Engagement, DateTime? Leaves);

    private sealed record DemoDocument(long Id, string Filename, string? Title);
}
