using Tally.Prices;

namespace Tally.Reports;

/// <summary>The tokens and cost of each user in the user-activities <c>users</c> table (spec/analytics.md).</summary>
public sealed partial class ReportService
{
    /// <summary>
    /// Per user: the token sums over their responses in the range, and their cost: each day and model's tokens priced
    /// with the price in effect that day, summed exactly and rounded once; null when one of those day-model pairs has
    /// tokens and no price. The store sums the days of each stretch with one price in effect, which costs the same
    /// (the price is linear in the tokens) and is null in the same cases (a stretch has tokens when one of its days has).
    /// </summary>
    private async Task<Dictionary<long, UserTokens>> UserTokensAsync(Scope scope, long? userId, PriceBook book, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<long, (long Input, long Output, CostSum Cost)>();
        foreach (var row in await models.ReadUserModelTokensAsync(scope.Company.Id, scope.Days, book.ChangesWithin(scope.Days), userId, cancellationToken))
        {
            var sum = sums.GetValueOrDefault(row.UserId);
            sum.Input += row.InputTokens;
            sum.Output += row.OutputTokens;
            // One price is in effect over the whole stretch: its first day's.
            sum.Cost.Add(book.Cost(row.Model, row.From, row.InputTokens, row.OutputTokens));
            sums[row.UserId] = sum;
        }

        return sums.ToDictionary(pair => pair.Key, pair => new UserTokens(pair.Value.Input, pair.Value.Output, PriceBook.Round(pair.Value.Cost.Exact)));
    }
}

/// <summary>A user's token sums over the range and their cost (rounded once; null when some of it has no price).</summary>
public sealed record UserTokens(long Input, long Output, decimal? Cost)
{
    public static readonly UserTokens None = new(0, 0, 0m);
}
