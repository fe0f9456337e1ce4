using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;

namespace Tally.Storage.DuckDb;

/// <summary>Statements on a DuckDB connection and the values they read and write, for every part of the store.</summary>
internal static class Sql
{
    public static DuckDBCommand Command(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter ?? DBNull.Value));
        }

        return command;
    }

    public static void Execute(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    public static object? Scalar(DuckDBConnection connection, string sql, params object?[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public static long ScalarInt64(DuckDBConnection connection, string sql) => Convert.ToInt64(Scalar(connection, sql), CultureInfo.InvariantCulture);

    public static string Rows(IEnumerable<string> rows) => string.Join(", ", rows.Select(row => $"({row})"));

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A string literal: DuckDB's quoted strings have no escapes but the doubled quote.</summary>
    public static string Literal(string value) => $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    public static string Literal(DateOnly value) => $"DATE '{value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'";

    public static string Literal(DateTime value) => $"TIMESTAMP '{value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'";

    public static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    public static DateOnly Day(DbDataReader reader, int ordinal) => DateOnly.FromDateTime(reader.GetDateTime(ordinal));

    public static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTime? NullableDateTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Utc(reader.GetDateTime(ordinal));

    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
