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

    public async Task<PriceWrite> UpsertPriceAsync(ModelPrice price, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A lock that conflicts with itself (and not with readers): two servers writing prices at once take turns,
        // so the second sees the first's currency before it writes.
        await ExecuteAsync(connection, "LOCK TABLE model_prices IN SHARE ROW EXCLUSIVE MODE", cancellationToken);
        var others = new List<string>();
        await using (var command = Command(connection, """
            SELECT DISTINCT currency FROM model_prices WHERE currency <> $3 AND NOT (model = $1 AND effective_from = $2) ORDER BY currency
            """, StoredText.Encode(price.Model), price.EffectiveFrom, price.Currency))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                others.Add(reader.GetString(0));
            }
        }

        if (others.Count > 0)
        {
            return PriceWrite.Refused(others);
        }

        // xmax is 0 on a row this statement inserted, and set on one it updated.
        var created = (bool)(await ScalarAsync(connection, """
            INSERT INTO model_prices VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (model, effective_from) DO UPDATE SET currency = excluded.currency,
                input_per_million = excluded.input_per_million, output_per_million = excluded.output_per_million
            RETURNING xmax = 0
            """, cancellationToken, StoredText.Encode(price.Model), price.EffectiveFrom, price.Currency, price.InputPerMillion, price.OutputPerMillion))!;
        await transaction.CommitAsync(cancellationToken);
        return PriceWrite.Written(created);
    }

    public async Task<bool> DeletePriceAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        return await ScalarAsync(connection, "DELETE FROM model_prices WHERE model = $1 AND effective_from = $2 RETURNING 1",
            cancellationToken, StoredText.Encode(model), effectiveFrom) is not null;
    }
}
