using static Tally.Storage.DuckDb.Sql;

namespace Tally.Storage.DuckDb;

/// <summary>The read of the satisfaction report: the per-day rating rows of one company and range (see <see cref="RatingAggregates"/>).</summary>
internal sealed class RatingReader(Aggregator aggregator)
{
    public Task<RatingDays> ReadRatingDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken) =>
        aggregator.ReadCaughtUpAsync(connection =>
        {
            var parameters = new object[] { companyId, days.First, days.Last };
            const string InRange = "company_id = $1 AND day BETWEEN $2 AND $3 AND (likes <> 0 OR dislikes <> 0)";
            var models = new List<ModelRatingDay>();
            using (var command = Command(connection, $"SELECT day, model, likes, dislikes FROM daily_model_ratings WHERE {InRange}", parameters))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var model = reader.GetString(1);
                    models.Add(new ModelRatingDay(Day(reader, 0), model.Length == 0 ? null : model, reader.GetInt64(2), reader.GetInt64(3)));
                }
            }

            var tools = new List<ToolRatingDay>();
            using (var command = Command(connection, $"SELECT day, tool_name, tool_type, likes, dislikes FROM daily_tool_ratings WHERE {InRange}", parameters))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    tools.Add(new ToolRatingDay(Day(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
                }
            }

            var documents = new List<DocumentRatingDay>();
            using (var command = Command(connection, $"SELECT day, document_id, likes, dislikes FROM daily_document_ratings WHERE {InRange}", parameters))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    documents.Add(new DocumentRatingDay(Day(reader, 0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
                }
            }

            var names = new Dictionary<long, DocumentName>();
            using (var command = Command(connection, $"""
                SELECT document_id, filename, title FROM documents
                WHERE company_id = $1 AND document_id IN (SELECT document_id FROM daily_document_ratings WHERE {InRange})
                """, parameters))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    names[reader.GetInt64(0)] = new DocumentName(StoredText.Decode(reader.GetString(1))!, StoredText.Decode(NullableString(reader, 2)));
                }
            }

            return new RatingDays(models, tools, documents, names);
        }, cancellationToken);
}
