using DuckDB.NET.Data;
using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>
/// What the models report by day reads of one day and model beyond its additive numbers, kept in one row: the distinct
/// users and the latency histogram, packed as the store interface hands it on (<see cref="LatencyPacking"/>). A year by day at 10M is 159,000 histogram
/// rows, and handing a row from DuckDB to .NET costs more than scanning it (decisions.md, "Models report").
/// A digest is current while its <c>responses</c> equals the day's in <c>daily_model_usage</c>: events are only added,
/// each once, and every response adds one there, so an equal count means no response (hence no user or latency) came
/// since it was built. Batches never write digests, so ingestion pays nothing for them; a read that finds one stale
/// or missing builds it under the aggregation lock (<see cref="Aggregator.ReadBuildingStaleAsync{T}"/>). A company's
/// rebuild (time-zone change) deletes them with its other aggregates. The table: migration step 15.
/// </summary>
internal static class ModelDigests
{
    public static readonly string[] TableNames = ["daily_model_digests"];

    /// <summary>
    /// Each day and model from $2 to $3 ($1 is the company) with its additive numbers, joined
    /// with its digest. Rows: day, model, responses, responses with documents, input and output tokens, responses with
    /// usage, whether the digest is current, users, packed latencies.
    /// </summary>
    private const string DaysWithDigests = """
        SELECT u.day, u.model, u.responses, u.responses_with_documents, u.input_tokens, u.output_tokens, u.responses_with_usage,
            coalesce(d.responses = u.responses, false) AS is_current, d.users, d.latencies
        FROM daily_model_usage u
        LEFT JOIN daily_model_digests d ON d.company_id = u.company_id AND d.day = u.day AND d.model = u.model
        WHERE u.company_id = $1 AND u.day BETWEEN $2 AND $3
        """;

    /// <summary>
    /// The models report's numbers of every day from <paramref name="first"/> to <paramref name="last"/> (each day
    /// its own period, numbered from 0), or null as soon as one day's digest is not current.
    /// </summary>
    public static ModelUsage? TryRead(DuckDBConnection connection, long companyId, DateOnly first, DateOnly last)
    {
        var days = new List<ModelDay>();
        var latencies = new List<LatencyHistogram>();
        var users = new List<ModelPeriodUsers>();
        using var command = Command(connection, DaysWithDigests, companyId, first, last);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (!reader.GetBoolean(7))
            {
                return null;
            }

            var (day, model) = (Day(reader, 0), reader.GetString(1));
            days.Add(new ModelDay(day, model, reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
            users.Add(new ModelPeriodUsers(day.DayNumber - first.DayNumber, model, reader.GetInt64(8)));
            // Kept packed as the store interface hands it on: one copy of the bytes, no decoding.
            using var packed = reader.GetStream(9);
            var bytes = new byte[packed.Length];
            packed.ReadExactly(bytes);
            latencies.Add(new LatencyHistogram(day, model, bytes));
        }

        return new ModelUsage(days, latencies, users);
    }

    /// <summary>
    /// Builds the digests of the days from <paramref name="first"/> to <paramref name="last"/> that are not current,
    /// from the day tables. The caller holds the aggregation lock (no batch runs meanwhile), on the writer's connection.
    /// </summary>
    public static void Build(DuckDBConnection connection, long companyId, DateOnly first, DateOnly last)
    {
        const string Stale = $"SELECT day, model, responses FROM ({DaysWithDigests}) WHERE NOT is_current";
        var digests = new Dictionary<(DateOnly Day, string Model), Digest>();
        using (var command = Command(connection, Stale, companyId, first, last))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                digests[(Day(reader, 0), reader.GetString(1))] = new Digest(reader.GetInt64(2));
            }
        }

        if (digests.Count == 0)
        {
            return;
        }

        var (from, to) = (digests.Keys.Min(key => key.Day), digests.Keys.Max(key => key.Day));
        var stale = $"""
            WITH stale(day, model) AS (VALUES {Rows(digests.Keys.Select(key => $"{Literal(key.Day)}, {Literal(key.Model)}"))})
            """;
        using (var command = Command(connection, $"""
            {stale}
            SELECT l.day, l.model, l.latency_ms, l.responses FROM daily_model_latencies l JOIN stale USING (day, model)
            WHERE l.company_id = $1 AND l.day BETWEEN $2 AND $3
            """, companyId, from, to))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                digests[(Day(reader, 0), reader.GetString(1))].Latencies.Add((LatencyPacking.Code(reader.GetDouble(2)), reader.GetInt64(3)));
            }
        }

        using (var command = Command(connection, $"""
            {stale}
            SELECT u.day, u.model, count(*) FROM daily_model_users u JOIN stale USING (day, model)
            WHERE u.company_id = $1 AND u.day BETWEEN $2 AND $3
            GROUP BY u.day, u.model
            """, companyId, from, to))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                digests[(Day(reader, 0), reader.GetString(1))].Users = reader.GetInt64(2);
            }
        }

        using var transaction = connection.BeginTransaction();
        Execute(connection, $"""
            {stale}
            DELETE FROM daily_model_digests d USING stale
            WHERE d.company_id = $1 AND d.day = stale.day AND d.model = stale.model
            """, companyId);
        using (var appender = connection.CreateAppender("daily_model_digests"))
        {
            foreach (var ((day, model), digest) in digests)
            {
                appender.CreateRow().AppendValue(companyId).AppendValue(day).AppendValue(model).AppendValue(digest.Responses)
                    .AppendValue(digest.Users).AppendValue(LatencyPacking.Pack(digest.Latencies)).EndRow();
            }
        }

        transaction.Commit();
    }

    private sealed class Digest(long responses)
    {
        public long Responses { get; } = responses;

        public long Users { get; set; }

        public List<(int Code, long Count)> Latencies { get; } = [];
    }
}
