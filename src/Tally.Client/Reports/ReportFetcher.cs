using System.Net;

namespace Tally.Client.Reports;

/// <summary>How a <see cref="ReportFetcher"/> splits and paces its calls, and whom it tells.</summary>
public sealed record FetchOptions
{
    /// <summary>Days per request: a longer range is fetched in chunks of this many days.</summary>
    public int ChunkDays { get; init; } = 90;

    /// <summary>Requests in flight at once, over all reports and chunks.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Today's date for planning open-ended ranges.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Told after each request (requests done, requests planned so far).</summary>
    public IProgress<FetchProgress>? Progress { get; init; }

    /// <summary>Told about each report the server does not have.</summary>
    public Action<string>? Warn { get; init; }
}

/// <summary>Requests done out of requests planned so far.</summary>
public readonly record struct FetchProgress(int Completed, int Planned);

/// <summary>
/// Fetches whole reports over any range: splits long ranges into chunks fetched concurrently (bounded), puts
/// the chunks back together in date order, pages through connections, and treats a report the server does
/// not have as absent (with a warning) rather than failing everything.
/// </summary>
public sealed class ReportFetcher : IDisposable
{
    private readonly TallyClient _client;
    private readonly FetchOptions _options;
    private readonly SemaphoreSlim _slots;
    private int _planned;
    private int _completed;

    /// <summary>Creates a fetcher over <paramref name="client"/>.</summary>
    public ReportFetcher(TallyClient client, FetchOptions? options = null)
    {
        _client = client;
        _options = options ?? new FetchOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ChunkDays, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1, nameof(options));
        _slots = new SemaphoreSlim(_options.MaxConcurrency);
    }

    /// <summary>
    /// The requests a range is fetched with. With an explicit end, consecutive chunks up to it. Without, the
    /// last chunk is left open-ended so that each company's range still ends on its own today, as the server
    /// decides; it starts at least a day before today in UTC, so that it is never after any company's today.
    /// By week or month, a chunk ends with a period, so that no period is cut in two (its distinct counts would
    /// not add up); the whole range is one request.
    /// </summary>
    public IReadOnlyList<ReportRequest> Plan(ReportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Granularity == Granularity.Total)
        {
            return [request];
        }

        // Chunks of at least ChunkDays up to the end, or up to yesterday in UTC for an open range; the last one keeps
        // the request's own end (or its absence).
        var splitBefore = request.EndDate ?? DateOnly.FromDateTime(_options.Time.GetUtcNow().UtcDateTime).AddDays(-1);
        var chunks = new List<ReportRequest>();
        var start = request.StartDate;
        while (PeriodEnd(start.AddDays(_options.ChunkDays - 1), request.Granularity) is var end && end < splitBefore)
        {
            chunks.Add(request with { StartDate = start, EndDate = end });
            start = end.AddDays(1);
        }

        chunks.Add(request with { StartDate = start });
        return chunks;
    }

    /// <summary>The last day of the week (Monday to Sunday) or month that holds <paramref name="day"/>; the day itself by day.</summary>
    private static DateOnly PeriodEnd(DateOnly day, Granularity? granularity) => granularity switch
    {
        Granularity.Week => day.AddDays((7 - (int)day.DayOfWeek) % 7),
        Granularity.Month => new DateOnly(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month)),
        _ => day,
    };

    /// <summary><c>chat-sessions</c> over the whole range.</summary>
    public async Task<ChatSessionsReport> ChatSessionsAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetChatSessionsAsync, cancellationToken);
        var last = parts[^1];
        return last with
        {
            Reporting = JoinDays(parts.Select(part => part.Reporting)),
            ReportingAgent = parts.Any(part => part.ReportingAgent is null) ? null : JoinDays(parts.Select(part => part.ReportingAgent!)),
        };
    }

    /// <summary><c>chats-feedback</c> over the whole range.</summary>
    public async Task<FeedbackReport> ChatsFeedbackAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetChatsFeedbackAsync, cancellationToken);
        return parts[^1] with { Reporting = JoinDays(parts.Select(part => part.Reporting)) };
    }

    /// <summary><c>tools</c> over the whole range.</summary>
    public async Task<ToolsReport> ToolsAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetToolsAsync, cancellationToken);
        return parts[^1] with { Reporting = JoinDays(parts.Select(part => part.Reporting)) };
    }

    /// <summary><c>used-documents</c> over the whole range.</summary>
    public async Task<DocumentsReport> UsedDocumentsAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetUsedDocumentsAsync, cancellationToken);
        return parts[^1] with { Reporting = JoinDays(parts.Select(part => part.Reporting)) };
    }

    /// <summary>
    /// <c>models</c> over the whole range. Each period comes whole from one chunk (<see cref="Plan"/>), so its distinct
    /// users, percentiles and once-rounded cost are the server's own.
    /// </summary>
    public async Task<ModelsReport> ModelsAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetModelsAsync, cancellationToken);
        return parts[^1] with { Reporting = JoinDays(parts.Select(part => part.Reporting)), Currency = parts.Select(part => part.Currency).LastOrDefault(currency => currency is not null) };
    }

    /// <summary><c>satisfaction</c> over the whole range; each period comes whole from one chunk (<see cref="Plan"/>).</summary>
    public async Task<SatisfactionReport> SatisfactionAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetSatisfactionAsync, cancellationToken);
        return parts[^1] with { Reporting = JoinDays(parts.Select(part => part.Reporting)) };
    }

    /// <summary><c>users</c>: one request, as of the end of the range.</summary>
    public async Task<MembersReport> UsersAsync(ReportRequest request, CancellationToken cancellationToken = default) =>
        (await FetchChunksAsync([request], _client.GetUsersAsync, cancellationToken))[0];

    /// <summary>
    /// <c>user-activities</c> over the whole range. Day rows join in date order (weekly and monthly counts already
    /// look back across chunk edges on the server). The per-user tables add up (first and last dates are the
    /// outermost, the last connection is the latest chunk's), except on a server that prices tokens: a user's cost
    /// is rounded once over the range, so summing chunks could be off by a millionth per chunk, and the table comes
    /// from one more request over the whole range with <c>granularity=total</c> (one period, so a small answer).
    /// </summary>
    public async Task<UserActivitiesReport> UserActivitiesAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var parts = await FetchChunksAsync(request, _client.GetUserActivitiesAsync, cancellationToken);
        var priced = parts.Length > 1 && parts.Any(part => part.Reporting.Any(entry => entry.Users?.Any(user => user.Cost is not null) == true));
        var wholeRange = priced
            ? (await FetchChunksAsync([request with { Granularity = Granularity.Total }], _client.GetUserActivitiesAsync, cancellationToken))[0]
                .Reporting.ToDictionary(entry => entry.Company.Id, entry => entry.Users)
            : null;
        var companies = parts.SelectMany(part => part.Reporting).GroupBy(entry => entry.Company.Id).OrderBy(group => group.Key);
        var joined = companies.Select(group => new CompanyActivity(
            group.Last().Company,
            [.. group.SelectMany(entry => entry.Dates)],
            wholeRange is not null && wholeRange.TryGetValue(group.Key, out var users) ? users
                : group.Any(entry => entry.Users is null) ? null : JoinUsers(group.SelectMany(entry => entry.Users!)))).ToList();
        return parts[^1] with { Reporting = joined };
    }

    /// <summary>
    /// <c>connections</c>, newest first, following each company's cursor until <paramref name="maxRowsPerCompany"/>
    /// rows or the end.
    /// </summary>
    public async Task<ConnectionsReport> ConnectionsAsync(ReportRequest request, int maxRowsPerCompany, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pageSize = Math.Clamp(Math.Min(request.Limit ?? 1000, maxRowsPerCompany), 1, 1000);
        var first = (await FetchChunksAsync([request with { Limit = pageSize, Cursor = null }], _client.GetConnectionsAsync, cancellationToken))[0];
        var companies = await Task.WhenAll(first.Reporting.Select(async entry =>
        {
            var rows = new List<Connection>(entry.Connections);
            var next = entry.Next;
            while (next is not null && rows.Count < maxRowsPerCompany)
            {
                var page = (await FetchChunksAsync(
                    [request with { CompanyId = entry.Company.Id, Limit = Math.Min(pageSize, maxRowsPerCompany - rows.Count), Cursor = next }],
                    _client.GetConnectionsAsync,
                    cancellationToken))[0].Reporting.Single();
                rows.AddRange(page.Connections);
                next = page.Next;
            }

            return entry with { Connections = rows.Count > maxRowsPerCompany ? rows[..maxRowsPerCompany] : rows, Next = next };
        }));
        return first with { Reporting = companies };
    }

    /// <summary>
    /// Every dated report (models and satisfaction included) and the members, over the whole range, all at once. A report the server does not have
    /// (a 404 while other reports answer) is null, with a warning.
    /// </summary>
    public async Task<UsageReports> AllAsync(ReportRequest request, CancellationToken cancellationToken = default)
    {
        var sessions = Optional(TallyClient.ReportNames.ChatSessions, ChatSessionsAsync(request, cancellationToken));
        var feedback = Optional(TallyClient.ReportNames.ChatsFeedback, ChatsFeedbackAsync(request, cancellationToken));
        var tools = Optional(TallyClient.ReportNames.Tools, ToolsAsync(request, cancellationToken));
        var documents = Optional(TallyClient.ReportNames.UsedDocuments, UsedDocumentsAsync(request, cancellationToken));
        var activities = Optional(TallyClient.ReportNames.UserActivities, UserActivitiesAsync(request, cancellationToken));
        var members = Optional(TallyClient.ReportNames.Users, UsersAsync(request, cancellationToken));
        var models = Optional(TallyClient.ReportNames.Models, ModelsAsync(request, cancellationToken));
        var satisfaction = Optional(TallyClient.ReportNames.Satisfaction, SatisfactionAsync(request, cancellationToken));
        var outcomes = new[] { await sessions, await feedback, await tools, await documents, await activities, await members, await models, await satisfaction };
        if (outcomes.All(outcome => outcome.Missing is not null))
        {
            // Nothing answered: not a missing report but a wrong company or a wrong address.
            throw outcomes[0].Missing!;
        }

        foreach (var outcome in outcomes.Where(outcome => outcome.Missing is not null))
        {
            _options.Warn?.Invoke($"The server has no {outcome.Report} report ({outcome.Missing!.Message}); its columns are left out.");
        }

        return new UsageReports(
            (ChatSessionsReport?)outcomes[0].Value,
            (FeedbackReport?)outcomes[1].Value,
            (ToolsReport?)outcomes[2].Value,
            (DocumentsReport?)outcomes[3].Value,
            (UserActivitiesReport?)outcomes[4].Value,
            (MembersReport?)outcomes[5].Value)
        {
            Models = (ModelsReport?)outcomes[6].Value,
            Satisfaction = (SatisfactionReport?)outcomes[7].Value,
        };
    }

    private static async Task<(string Report, object? Value, TallyApiException? Missing)> Optional<T>(string report, Task<T> fetch)
    {
        try
        {
            return (report, await fetch, null);
        }
        catch (TallyApiException exception) when (exception.Status is HttpStatusCode.NotFound or HttpStatusCode.NotImplemented)
        {
            return (report, null, exception);
        }
    }

    private Task<T[]> FetchChunksAsync<T>(ReportRequest request, Func<ReportRequest, CancellationToken, Task<T>> fetch, CancellationToken cancellationToken) =>
        FetchChunksAsync(Plan(request), fetch, cancellationToken);

    private Task<T[]> FetchChunksAsync<T>(IReadOnlyList<ReportRequest> chunks, Func<ReportRequest, CancellationToken, Task<T>> fetch, CancellationToken cancellationToken)
    {
        var planned = Interlocked.Add(ref _planned, chunks.Count);
        _options.Progress?.Report(new FetchProgress(Volatile.Read(ref _completed), planned));
        return Task.WhenAll(chunks.Select(async chunk =>
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                return await fetch(chunk, cancellationToken);
            }
            finally
            {
                _slots.Release();
                _options.Progress?.Report(new FetchProgress(Interlocked.Increment(ref _completed), Volatile.Read(ref _planned)));
            }
        }));
    }

    /// <summary>Each company's days from every chunk, in chunk (so date) order; companies by id.</summary>
    private static List<CompanyDays<TDay>> JoinDays<TDay>(IEnumerable<IReadOnlyList<CompanyDays<TDay>>> chunks) =>
        [.. chunks.SelectMany(chunk => chunk)
            .GroupBy(entry => entry.Company.Id)
            .OrderBy(group => group.Key)
            .Select(group => new CompanyDays<TDay>(group.Last().Company, [.. group.SelectMany(entry => entry.Dates)]))];

    private static List<UserActivity> JoinUsers(IEnumerable<UserActivity> rows) =>
        [.. rows.GroupBy(row => row.UserId)
            .Select(user => user.Aggregate((earlier, later) => new UserActivity(
                user.Key,
                later.UserName ?? earlier.UserName,
                Add(earlier.ActiveDaysCount, later.ActiveDaysCount),
                Add(earlier.SessionsCount, later.SessionsCount),
                Add(earlier.UserQueriesCount, later.UserQueriesCount),
                Add(earlier.FeedbacksCount, later.FeedbacksCount),
                Add(earlier.ToolCallsCount, later.ToolCallsCount),
                earlier.FirstActivityDate ?? later.FirstActivityDate,
                later.LastActivityDate ?? earlier.LastActivityDate,
                later.LastConnection ?? earlier.LastConnection,
                Add(earlier.InputTokens, later.InputTokens),
                Add(earlier.OutputTokens, later.OutputTokens),
                // Summed only when no whole-range table was fetched (see UserActivitiesAsync), so no chunk had a cost.
                earlier.Cost is { } a && later.Cost is { } b ? a + b : null)))
            .OrderByDescending(row => row.UserQueriesCount ?? 0)
            .ThenBy(row => row.UserId)];

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();

    private static long? Add(long? left, long? right) => left is null && right is null ? null : (left ?? 0) + (right ?? 0);
}

/// <summary>Every report of one range; null where the server does not have the report.</summary>
public sealed record UsageReports(
    ChatSessionsReport? ChatSessions,
    FeedbackReport? ChatsFeedback,
    ToolsReport? Tools,
    DocumentsReport? UsedDocuments,
    UserActivitiesReport? UserActivities,
    MembersReport? Users)
{
    /// <summary><c>models</c>: tokens, latency and cost per model; null where the server does not have it (Paradigm).</summary>
    public ModelsReport? Models { get; init; }

    /// <summary><c>satisfaction</c>: ratings by model, tool and document; null where the server does not have it (Paradigm).</summary>
    public SatisfactionReport? Satisfaction { get; init; }

    /// <summary>Every company named by a dated report, by id (the latest name seen wins), in id order.</summary>
    public IReadOnlyList<ReportCompany> Companies() =>
        [.. (ChatSessions?.Reporting.Select(entry => entry.Company) ?? [])
            .Concat(ChatsFeedback?.Reporting.Select(entry => entry.Company) ?? [])
            .Concat(Tools?.Reporting.Select(entry => entry.Company) ?? [])
            .Concat(UsedDocuments?.Reporting.Select(entry => entry.Company) ?? [])
            .Concat(UserActivities?.Reporting.Select(entry => entry.Company) ?? [])
            .Concat(Models?.Reporting.Select(entry => entry.Company) ?? [])
            .Concat(Satisfaction?.Reporting.Select(entry => entry.Company) ?? [])
            .GroupBy(company => company.Id)
            .OrderBy(group => group.Key)
            .Select(group => group.LastOrDefault(company => company.Name is not null) ?? group.Last())];
}
