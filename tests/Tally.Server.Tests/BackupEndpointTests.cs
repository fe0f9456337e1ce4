using System.Net;
using System.Text;
using Tally.Testing;

namespace Tally.Server.Tests;

/// <summary>
/// <c>POST /api/v2/admin/backup</c> on each engine: the embedded store answers with a DuckDB file to save; a
/// PostgreSQL-backed server says that pg_dump backs it up. Restoring and consistency are tested with the CLI (Tally.Tests).
/// </summary>
public abstract class BackupEndpointTests(StoreKind engine) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(engine: engine);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_backup_is_a_duckdb_file_to_save_or_a_pointer_to_pg_dump()
    {
        using var client = _server.Client();

        using var response = await client.PostAsync("/api/v2/admin/backup", null);
        var body = await response.Content.ReadAsByteArrayAsync();

        if (engine == StoreKind.DuckDb)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
            response.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldMatch(@"^tally-\d{8}T\d{6}Z\.duckdb$");
            response.Content.Headers.ContentLength.ShouldBe(body.Length);
            // A DuckDB file: its header's magic bytes at offset 8.
            Encoding.ASCII.GetString(body, 8, 4).ShouldBe("DUCK");
            Directory.EnumerateFiles(_server.Storage.Location, ".backup-*").ShouldBeEmpty("the server's copy is deleted once sent");
        }
        else
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            Events.Parse(Encoding.UTF8.GetString(body)).GetProperty("detail").GetString()!.ShouldContain("pg_dump");
        }
    }
}

public sealed class DuckDbBackupEndpointTests() : BackupEndpointTests(StoreKind.DuckDb);

[Trait("Engine", "PostgreSQL")]
public sealed class PostgresBackupEndpointTests() : BackupEndpointTests(StoreKind.PostgreSql);
