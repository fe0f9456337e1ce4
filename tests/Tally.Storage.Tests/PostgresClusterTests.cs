using Npgsql;
using Tally.Testing;

namespace Tally.Storage.Tests;

/// <summary>
/// The throwaway PostgreSQL server the PostgreSQL tests run on: it starts, hands out databases that are UTF-8 and
/// durable, listens only on loopback, and leaves nothing behind. Needs PostgreSQL 15 (installed by .ci/run), not the store.
/// </summary>
public sealed class PostgresClusterTests
{
    [Fact]
    public async Task A_cluster_starts_gives_fresh_durable_utf8_databases_and_is_removed_afterwards()
    {
        string folder;
        string connectionString;
        await using (var cluster = await PostgresCluster.StartAsync())
        {
            folder = cluster.Folder;
            connectionString = await cluster.CreateDatabaseAsync("cluster-check");
            var other = await cluster.CreateDatabaseAsync("cluster-check");

            other.ShouldNotBe(connectionString);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            (await ShowAsync(connection, "server_encoding")).ShouldBe("UTF8");
            (await ShowAsync(connection, "fsync")).ShouldBe("on");
            (await ShowAsync(connection, "synchronous_commit")).ShouldBe("on");
            (await ShowAsync(connection, "listen_addresses")).ShouldBe("127.0.0.1");
            (await ShowAsync(connection, "lc_collate")).ShouldBe("C");
            await using var tables = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", connection);
            ((long)(await tables.ExecuteScalarAsync())!).ShouldBe(0, "a fresh database is empty");

            await cluster.DropDatabaseAsync(other);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE 'cluster_check%'", connection);
            ((long)(await count.ExecuteScalarAsync())!).ShouldBe(1);
            NpgsqlConnection.ClearAllPools();
        }

        Directory.Exists(folder).ShouldBeFalse("the cluster's folder is removed");
        await using var gone = new NpgsqlConnection(connectionString);
        await Should.ThrowAsync<NpgsqlException>(() => gone.OpenAsync());
    }

    private static async Task<string> ShowAsync(NpgsqlConnection connection, string setting)
    {
        await using var show = new NpgsqlCommand($"SHOW {setting}", connection);
        return (string)(await show.ExecuteScalarAsync())!;
    }
}
