using DuckDB.NET.Data;
using Xunit.Abstractions;
namespace Tally.Server.Tests.Reports;
public sealed class TmpDuck(ITestOutputHelper output)
{
    private string Run(string setup, string update, int rows)
    {
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = setup;
        cmd.ExecuteNonQuery();
        using (var app = c.CreateAppender("increments"))
        {
            for (var k = 1; k <= rows; k++)
            {
                app.CreateRow().AppendValue((long)1).AppendValue(new DateOnly(2025, 1, k)).AppendValue("chat").AppendValue("").AppendValue((long)5).EndRow();
                app.CreateRow().AppendValue((long)1).AppendValue(new DateOnly(2025, 1, k)).AppendValue("agent").AppendValue("").AppendValue((long)7).EndRow();
            }
        }
        cmd.CommandText = update;
        cmd.ExecuteNonQuery();
        cmd.CommandText = "SELECT count(*) FILTER (WHERE c = 5 AND a = 7) || ' of ' || count(*) FROM t";
        return cmd.ExecuteScalar()!.ToString()!;
    }

    [Theory]
    [InlineData(1)] [InlineData(3)] [InlineData(40)] [InlineData(3000)]
    public void UpdateFromWithTwoMatches(int rows)
    {
        var setup = $"""
            CREATE TABLE t(company_id BIGINT NOT NULL, day DATE NOT NULL, c BIGINT NOT NULL, a BIGINT NOT NULL, PRIMARY KEY (company_id, day));
            INSERT INTO t SELECT 1, DATE '2025-01-01' + i, 0, 0 FROM range({rows}) r(i);
            CREATE OR REPLACE TEMP TABLE increments (company_id BIGINT, day DATE, a VARCHAR, b VARCHAR, amount BIGINT);
            """;
        var update = """
            UPDATE t SET
                c = c + (CASE WHEN i.a = 'chat' THEN i.amount ELSE 0 END),
                a = a + (CASE WHEN i.a = 'agent' THEN i.amount ELSE 0 END)
            FROM increments i WHERE t.company_id = i.company_id AND t.day = i.day
            """;
        output.WriteLine($"rows {rows}: both applied on {Run(setup, update, rows)}");
    }
}
