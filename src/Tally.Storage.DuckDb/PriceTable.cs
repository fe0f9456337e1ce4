using DuckDB.NET.Data;
using Tally.Prices;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// The model prices: written on the store's write connection, read on a connection of their own and kept as last
/// read. Every report with tokens or costs reads them, and a query per request took 0.8–0.9 ms of a user-activities
/// report by month at 10M events, for a table of a few rows. Only this process writes the file (as for the companies
/// and keys), so a list is served until one of this table's writes ends; a read that began before it is not.
/// </summary>
internal sealed class PriceTable(StoreFile file, EventWriter writer)
{
    private sealed record Snapshot(long Writes, IReadOnlyList<ModelPrice> Prices);

    private Snapshot? _lastRead;
    private long _writes;

    public async Task<IReadOnlyList<ModelPrice>> ReadAsync(CancellationToken cancellationToken)
    {
        // The count before the read: a write that ends during the read makes what it read unservable.
        var writes = Interlocked.Read(ref _writes);
        if (Volatile.Read(ref _lastRead) is { } last && last.Writes == writes)
        {
            return last.Prices;
        }

        var prices = await file.ReadAsync(Read, cancellationToken);
        Volatile.Write(ref _lastRead, new Snapshot(writes, prices));
        return prices;
    }

    public async Task<PriceWrite> UpsertAsync(ModelPrice price, CancellationToken cancellationToken)
    {
        try
        {
            return await writer.WriteAsync(connection => Upsert(connection, price), cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _writes);
        }
    }

    public async Task<bool> DeleteAsync(string model, DateOnly effectiveFrom, CancellationToken cancellationToken)
    {
        try
        {
            return await writer.WriteAsync(connection =>
                Scalar(connection, "DELETE FROM model_prices WHERE model = $1 AND effective_from = $2 RETURNING 1", StoredText.Encode(model), effectiveFrom) is not null,
                cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _writes);
        }
    }

    // One writer connection: nothing else writes between the currency check and the write.
    private static PriceWrite Upsert(DuckDBConnection connection, ModelPrice price)
    {
        var others = OtherCurrencies(connection, price);
        if (others.Count > 0)
        {
            return PriceWrite.Refused(others);
        }

        using var transaction = connection.BeginTransaction();
        var replaced = Scalar(connection, "DELETE FROM model_prices WHERE model = $1 AND effective_from = $2 RETURNING 1",
            StoredText.Encode(price.Model), price.EffectiveFrom) is not null;
        Execute(connection, "INSERT INTO model_prices VALUES ($1, $2, $3, $4, $5)",
            StoredText.Encode(price.Model), price.EffectiveFrom, price.Currency, price.InputPerMillion, price.OutputPerMillion);
        transaction.Commit();
        return PriceWrite.Written(!replaced);
    }

    private static List<string> OtherCurrencies(DuckDBConnection connection, ModelPrice price)
    {
        using var command = Command(connection, """
            SELECT DISTINCT currency FROM model_prices WHERE currency <> $3 AND NOT (model = $1 AND effective_from = $2) ORDER BY currency
            """, StoredText.Encode(price.Model), price.EffectiveFrom, price.Currency);
        using var reader = command.ExecuteReader();
        var currencies = new List<string>();
        while (reader.Read())
        {
            currencies.Add(reader.GetString(0));
        }

        return currencies;
    }

    private static IReadOnlyList<ModelPrice> Read(DuckDBConnection connection)
    {
        using var command = Command(connection, """
            SELECT model, effective_from, currency, input_per_million, output_per_million FROM model_prices
            """);
        using var reader = command.ExecuteReader();
        var prices = new List<ModelPrice>();
        while (reader.Read())
        {
            prices.Add(new ModelPrice(StoredText.Decode(reader.GetString(0))!, Day(reader, 1), reader.GetString(2),
                PriceNumber.Normalise(reader.GetDecimal(3)), PriceNumber.Normalise(reader.GetDecimal(4))));
        }

        prices.Sort(ModelPrice.ListOrder);
        return prices.AsReadOnly();
    }
}
