namespace Tally.Storage.Postgres;

/// <summary>The read of the satisfaction report: the per-day rating rows of one company and range (see <see cref="RatingAggregates"/>).</summary>
public sealed partial class PostgresStore
{
    public async Task<RatingDays> ReadRatingDaysAsync(long companyId, DayRange days, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        const string InRange = "company_id = $1 AND day BETWEEN $2 AND $3 AND (likes <> 0 OR dislikes <> 0)";
        var models = new List<ModelRatingDay>();
        await using (var command = Command(connection, $"SELECT day, model, likes, dislikes FROM daily_model_ratings WHERE {InRange}", companyId, days.First, days.Last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var model = reader.GetString(1);
                models.Add(new ModelRatingDay(Day(reader, 0), model.Length == 0 ? null : model, reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        var tools = new List<ToolRatingDay>();
        await using (var command = Command(connection, $"SELECT day, tool_name, tool_type, likes, dislikes FROM daily_tool_ratings WHERE {InRange}", companyId, days.First, days.Last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tools.Add(new ToolRatingDay(Day(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        var documents = new List<DocumentRatingDay>();
        await using (var command = Command(connection, $"SELECT day, document_id, likes, dislikes FROM daily_document_ratings WHERE {InRange}", companyId, days.First, days.Last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                documents.Add(new DocumentRatingDay(Day(reader, 0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        var names = new Dictionary<long, DocumentName>();
        await using (var command = Command(connection, $"""
            SELECT document_id, filename, title FROM documents
            WHERE company_id = $1 AND document_id IN (SELECT document_id FROM daily_document_ratings WHERE {InRange})
            """, companyId, days.First, days.Last))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                names[reader.GetInt64(0)] = new DocumentName(StoredText.Decode(reader.GetString(1))!, StoredText.Decode(NullableString(reader, 2)));
            }
        }

        return new RatingDays(models, tools, documents, names);
    }
}
