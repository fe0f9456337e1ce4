using Tally.Prices;

namespace Tally.Core.Tests;

/// <summary>The price in effect on a day, exact costs, and the one rounding at the end.</summary>
public sealed class PriceBookTests
{
    private static readonly PriceBook Book = new([
        new ModelPrice("a", new DateOnly(2025, 1, 10), "EUR", 2m, 10m),
        new ModelPrice("a", new DateOnly(2025, 2, 1), "EUR", 0.000001m, 0.333333m),
        new ModelPrice("b", new DateOnly(2025, 1, 1), "EUR", 1.5m, 0m),
    ]);

    [Fact]
    public void The_price_in_effect_is_the_entry_with_the_latest_first_day_on_or_before_the_day()
    {
        Book.InEffect("a", new DateOnly(2025, 1, 9)).ShouldBeNull();
        Book.InEffect("a", new DateOnly(2025, 1, 10))!.InputPerMillion.ShouldBe(2m);
        Book.InEffect("a", new DateOnly(2025, 1, 31))!.InputPerMillion.ShouldBe(2m);
        Book.InEffect("a", new DateOnly(2025, 2, 1))!.InputPerMillion.ShouldBe(0.000001m);
        Book.InEffect("a", new DateOnly(2030, 1, 1))!.InputPerMillion.ShouldBe(0.000001m);
        Book.InEffect("c", new DateOnly(2025, 2, 1)).ShouldBeNull();
        Book.Currency.ShouldBe("EUR");
        new PriceBook([]).Currency.ShouldBeNull();
    }

    [Fact]
    public void A_cost_is_exact_zero_without_tokens_and_unknown_with_tokens_and_no_price()
    {
        Book.Cost("a", new DateOnly(2025, 1, 10), 1_000_000, 500_000).ShouldBe(7m);
        Book.Cost("a", new DateOnly(2025, 2, 1), 1, 3).ShouldBe(0.000000000001m + 0.000000999999m);
        Book.Cost("c", new DateOnly(2025, 2, 1), 0, 0).ShouldBe(0m);
        Book.Cost("c", new DateOnly(2025, 2, 1), 0, 1).ShouldBeNull();
        Book.Cost("a", new DateOnly(2025, 1, 1), 1, 0).ShouldBeNull("before the model's first entry");
    }

    [Fact]
    public void Costs_are_summed_exactly_and_rounded_once_half_away_from_zero()
    {
        var sum = new CostSum();
        // Three costs of 0.0000005 each: rounded one by one they would make 0.000003, summed exactly 0.0000015 → 0.000002.
        for (var i = 0; i < 3; i++)
        {
            sum.Add(Book.Cost("b", new DateOnly(2025, 1, 1), 0, 0) + 0.0000005m);
        }

        PriceBook.Round(sum.Exact).ShouldBe(0.000002m);
        PriceBook.Round(0.0000025m).ShouldBe(0.000003m);
        PriceBook.Round(2.5000000m)!.Value.Scale.ShouldBe((byte)1);
        sum.Add(null);
        sum.Exact.ShouldBeNull();
    }
}
