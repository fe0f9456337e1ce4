using Tally.Prices;

namespace Tally.Storage.Tests;

/// <summary>The model prices: exact amounts, one entry per model and effective date, listed by model then date.</summary>
public abstract partial class StoreContract
{
    private static ModelPrice Price(string model, int month, decimal input, decimal output, string currency = "EUR") =>
        new(model, new DateOnly(2025, month, 1), currency, input, output);

    [Fact]
    public async Task Prices_are_created_replaced_listed_in_order_and_deleted()
    {
        // "é" (U+00E9) sorts after "z" by code point; "\U0001F600" after "\uFFFD", unlike UTF-16 order.
        (await Store.ReadPricesAsync(CancellationToken.None)).ShouldBeEmpty();
        (await Store.UpsertPriceAsync(Price("z", 3, 1m, 2m), CancellationToken.None)).Created.ShouldBeTrue();
        (await Store.ReadPricesAsync(CancellationToken.None)).ShouldBe([Price("z", 3, 1m, 2m)], "a write is read back at once");
        (await Store.UpsertPriceAsync(Price("é", 1, 0.000001m, 1_000_000m), CancellationToken.None)).Created.ShouldBeTrue();
        (await Store.UpsertPriceAsync(Price("z", 1, 2.5m, 10m), CancellationToken.None)).Created.ShouldBeTrue();
        (await Store.UpsertPriceAsync(Price("\U0001F600", 1, 1m, 1m), CancellationToken.None)).Created.ShouldBeTrue();
        (await Store.UpsertPriceAsync(Price("\uFFFD", 1, 1m, 1m), CancellationToken.None)).Created.ShouldBeTrue();
        (await Store.UpsertPriceAsync(Price("z", 3, 123456.654321m, 0m), CancellationToken.None)).Created.ShouldBeFalse("the entry of that date is replaced");

        var prices = await Store.ReadPricesAsync(CancellationToken.None);

        prices.ShouldBe([
            Price("z", 1, 2.5m, 10m), Price("z", 3, 123456.654321m, 0m), Price("é", 1, 0.000001m, 1_000_000m),
            Price("\uFFFD", 1, 1m, 1m), Price("\U0001F600", 1, 1m, 1m),
        ]);
        ((int)prices[0].InputPerMillion.Scale).ShouldBe(1, "amounts read back without trailing zeros");
        (await Store.DeletePriceAsync("z", new DateOnly(2025, 3, 1), CancellationToken.None)).ShouldBeTrue();
        (await Store.DeletePriceAsync("z", new DateOnly(2025, 3, 1), CancellationToken.None)).ShouldBeFalse();
        (await Store.DeletePriceAsync("y", new DateOnly(2025, 1, 1), CancellationToken.None)).ShouldBeFalse();
        (await Store.ReadPricesAsync(CancellationToken.None)).Select(p => (p.Model, p.EffectiveFrom.Month)).ShouldBe([("z", 1), ("é", 1), ("\uFFFD", 1), ("\U0001F600", 1)]);
    }

    [Fact]
    public async Task Prices_survive_a_reopen_and_make_a_store_not_empty()
    {
        (await Store.IsEmptyAsync(CancellationToken.None)).ShouldBeTrue();
        await Store.UpsertPriceAsync(Price("m", 2, 0.1m, 0.2m, "USD"), CancellationToken.None);
        (await Store.IsEmptyAsync(CancellationToken.None)).ShouldBeFalse();

        Store = await ReopenAsync();
        await Store.MigrateAsync(CancellationToken.None);

        (await Store.ReadPricesAsync(CancellationToken.None)).ShouldBe([Price("m", 2, 0.1m, 0.2m, "USD")]);
    }

    [Fact]
    public async Task A_price_in_another_currency_than_the_stored_ones_is_refused_and_stores_nothing()
    {
        await Store.UpsertPriceAsync(Price("a", 1, 1m, 1m, "EUR"), CancellationToken.None);

        (await Store.UpsertPriceAsync(Price("b", 1, 1m, 1m, "USD"), CancellationToken.None)).OtherCurrencies.ShouldBe(["EUR"]);
        // The only entry may change its own currency: no other entry is in another one.
        (await Store.UpsertPriceAsync(Price("a", 1, 2m, 2m, "USD"), CancellationToken.None)).Stored.ShouldBeTrue();

        (await Store.ReadPricesAsync(CancellationToken.None)).ShouldBe([Price("a", 1, 2m, 2m, "USD")]);
    }

    [Fact]
    public async Task Two_prices_in_two_currencies_written_at_once_never_both_land()
    {
        for (var round = 0; round < 10; round++)
        {
            var writes = await Task.WhenAll(
                Task.Run(() => Store.UpsertPriceAsync(Price($"eur-{round}", 1, 1m, 1m, "EUR"), CancellationToken.None)),
                Task.Run(() => Store.UpsertPriceAsync(Price($"usd-{round}", 1, 1m, 1m, "USD"), CancellationToken.None)));

            writes.Count(w => w.Stored).ShouldBe(1, $"round {round}");
            var stored = await Store.ReadPricesAsync(CancellationToken.None);
            stored.Select(p => p.Currency).Distinct().Count().ShouldBe(1, $"round {round}");
            foreach (var price in stored)
            {
                await Store.DeletePriceAsync(price.Model, price.EffectiveFrom, CancellationToken.None);
            }
        }
    }
}
