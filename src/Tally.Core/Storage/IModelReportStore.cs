namespace Tally.Storage;

/// <summary>
/// The reads of the models report and of the users' tokens: per-day aggregates of the <c>model_response</c> events, so
/// that their cost follows the days, models and users asked for, not the events stored. Rows come only for days that
/// have something. Days are calendar days in the company's time zone.
/// </summary>
public interface IModelReportStore
{
    /// <summary>
    /// Per day and model in the span of <paramref name="periods"/> (consecutive, in order): the additive numbers and the
    /// latency histogram (whose rows may each sum several days of one period, dated by one of them); per period and
    /// model: the distinct users who got a response.
    /// </summary>
    Task<ModelUsage> ReadModelUsageAsync(long companyId, IReadOnlyList<DayRange> periods, CancellationToken cancellationToken);

    /// <summary>
    /// Per user (all, or the one given), model and stretch of the range: the user's token sums over their responses.
    /// The stretches start on the range's first day and on each of <paramref name="stretchStarts"/> (days inside the
    /// range, after its first, ascending), each running to the day before the next; a row is dated by its stretch's
    /// first day. Core passes the days a price takes effect, so one price applies to each row: a handful of rows per
    /// user instead of one per active day.
    /// </summary>
    Task<IReadOnlyList<UserModelTokens>> ReadUserModelTokensAsync(
        long companyId, DayRange days, IReadOnlyList<DateOnly> stretchStarts, long? userId, CancellationToken cancellationToken);
}

public sealed record ModelUsage(IReadOnlyList<ModelDay> Days, IReadOnlyList<LatencyHistogram> Latencies, IReadOnlyList<ModelPeriodUsers> Users);

/// <summary>One model's responses on one day: counts and token sums (an absent token field adds 0).</summary>
public sealed record ModelDay(DateOnly Day, string Model, long Responses, long ResponsesWithDocuments, long InputTokens, long OutputTokens, long ResponsesWithUsage);

/// <summary>
/// A model's latency histogram on one day, or summed over days of one period (dated by one of them), packed by
/// <see cref="LatencyPacking"/>: for each value a latency rounds up to, to two significant digits, how many of the
/// responses carry it. A period's percentiles are read from its histograms exactly. One object per day and model, not
/// per value: a year by day is about 160,000 values.
/// </summary>
public sealed record LatencyHistogram(DateOnly Day, string Model, byte[] Packed);

/// <summary>Gathers latency rows read one by one into one packed histogram per day and model.</summary>
public sealed class LatencyHistograms
{
    private readonly Dictionary<(DateOnly Day, string Model), List<(int Code, long Count)>> _histograms = [];

    /// <summary>Adds the count of one rounded latency, given by its <see cref="LatencyPacking.Code(double)"/>.</summary>
    public void Add(DateOnly day, string model, int latencyCode, long responses)
    {
        if (!_histograms.TryGetValue((day, model), out var buckets))
        {
            _histograms[(day, model)] = buckets = [];
        }

        buckets.Add((latencyCode, responses));
    }

    public List<LatencyHistogram> ToList() => [.. _histograms.Select(pair => new LatencyHistogram(pair.Key.Day, pair.Key.Model, LatencyPacking.Pack(pair.Value)))];
}

/// <summary>The distinct users a model answered in the period at <see cref="Period"/> (its index in the periods asked for).</summary>
public readonly record struct ModelPeriodUsers(int Period, string Model, long Users);

/// <summary>A user's token sums from one model over the stretch of days that starts on <see cref="From"/>.</summary>
public readonly record struct UserModelTokens(long UserId, DateOnly From, string Model, long InputTokens, long OutputTokens);
