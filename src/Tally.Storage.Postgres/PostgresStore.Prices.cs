using Tally.Prices;

namespace Tally.Storage.Postgres;

/// <summary>The model prices, read from the database on every call (another server may change them).</summary>
public sealed partial class PostgresStore
{
    public async Task<IReadOnlyList<ModelPrice>> ReadPricesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var command = Command(connection, "SELECT model, effective_from, currency, input_per_million, output_per_million FROM model_prices");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var prices = new List<ModelPrice>();
        while (await reader.ReadAsync(cancellationToken))
        {
            prices.Add(new ModelPrice(StoredText.Decode(reader.GetString(0))!, reader.GetFieldValue<DateOnly>(1), reader.GetString(2),
                PriceNumber.Normalise(reader.GetDecimal(3)), PriceNumber.Normalise(reader.GetDecimal(4))));
        }

        prices.Sort(ModelPrice.ListOrder);
        return prices;
    }

    public async Task<bool> UpsertPriceAsync(ModelPrice price, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        // xmax is 0 on a row this statement inserted, and set on one it updated.
        return (bool)(await ScalarAsync(connection, """
            INSERT INTO model_prices VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (model, effective_from) DO UPDATE SET currency = excluded.currency,
                input_per_million = excluded.input_per_million, output_per_million = excluded.output_per_million
            RETURNING xmax = 0
            """, cancellationToken, StoredText.Encode(price.Model), price.EffectiveFrom, price.Currency, price.InputPerMillion, price.OutputPerMillion))!;
    }

    public async Task<bool> DeletePriceAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ScalarAsync(connection, "DELETE FROM model_prices WHERE model = $1 AND effective_from = $2 RETURNING 1",
            cancellationToken, StoredText.Encode(model), effectiveFrom) is not null;
    }
}
