using Memento.Tests.App.Scenarios;
using Memento.Tests.Infrastructure;
using Npgsql;

namespace Memento.AppHost.Tests;

/// <summary>The AppHost run against a configured connection string: both replicas use the PostgreSQL provider on that database.</summary>
public sealed class AppHostPostgresTests(PostgresServer postgres)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task With_a_memento_db_connection_string_the_replicas_store_in_that_database()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await postgres.CreateDatabaseAsync(ct);
        // Declared before the app, so it is deleted after the app (and its replicas) stopped.
        using var storage = new TempDirectory("memento-apphost-pg");
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Memento_AppHost>(
            ["Memento:Storage:Root=" + storage.Path, "ConnectionStrings:memento-db=" + database], ct);
        await using var app = await appHost.BuildAsync(ct).WaitAsync(StartTimeout, ct);
        await app.StartAsync(ct).WaitAsync(StartTimeout, ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("mcpserver", ct).WaitAsync(StartTimeout, ct);

        using var http = app.CreateHttpClient("mcpserver");
        await using var client = await MementoMcp.ConnectAsync(http.BaseAddress!, "apphost-pg", ct);
        var id = await MementoMcp.StoreAsync(client, "Stored through the AppHost into PostgreSQL.", null, null, ct);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT content FROM memento_memories WHERE user_id = 'apphost-pg' AND id = $1", connection);
        command.Parameters.AddWithValue(id);
        Assert.Equal("Stored through the AppHost into PostgreSQL.", await command.ExecuteScalarAsync(ct) as string);
    }
}
