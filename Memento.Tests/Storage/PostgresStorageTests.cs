using Memento.McpServer.Storage;
using Memento.McpServer.Storage.Postgres;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Memento.Tests.Storage;

/// <summary>What only the PostgreSQL provider has: its registration, health and schema migrations.</summary>
public sealed class PostgresStorageTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_provider_setting_selects_postgres_which_migrates_at_start_and_reports_ready()
    {
        var connectionString = await server.CreateSchemaAsync(Ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Memento:Storage:Provider"] = "Postgres",
            ["ConnectionStrings:memento-db"] = connectionString,
        });
        builder.Logging.ClearProviders();
        builder.AddMementoStorage();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<IMemoryStore>();
        var postgres = Assert.IsType<PostgresMemoryStore>(store);
        using var waited = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        waited.CancelAfter(TimeSpan.FromSeconds(60));
        HealthReport report;
        do
        {
            await Task.Delay(50, waited.Token);
            report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(waited.Token);
        }
        while (report.Status != HealthStatus.Healthy);
        var stored = await store.StoreAsync("alice", new NewMemory("through the container"), Ct);
        await host.StopAsync(Ct);

        Assert.True(postgres.SchemaReady);
        Assert.Contains(report.Entries.Keys, name => name.Contains("postgres", StringComparison.OrdinalIgnoreCase) || name.Contains("npgsql", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("memento-storage-schema", report.Entries.Keys);
        Assert.Equal(1, await CountAsync(connectionString, $"SELECT count(*) FROM memento_memories WHERE id = '{stored.Memory.Id}'"));
    }

    [Fact]
    public void Postgres_without_a_connection_string_stops_the_start_naming_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Memento:Storage:Provider"] = "Postgres" });
        builder.Logging.ClearProviders();

        var error = Assert.ThrowsAny<Exception>(() =>
        {
            builder.AddMementoStorage();
            using var host = builder.Build();
            host.Services.GetRequiredService<IMemoryStore>();
        });

        Assert.Contains("memento-db", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_provider_stops_the_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Memento:Storage:Provider"] = "Cassandra" });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddMementoStorage());

        Assert.Contains("Memento:Storage:Provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicas_starting_at_once_apply_each_migration_exactly_once()
    {
        var connectionString = await server.CreateSchemaAsync(Ct);
        var dataSources = Enumerable.Range(0, 6).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            var applied = await Task.WhenAll(dataSources.Select(d => Task.Run(() => PostgresSchema.MigrateAsync(d, NullLogger.Instance, Ct), Ct))).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            var again = await PostgresSchema.MigrateAsync(dataSources[0], NullLogger.Instance, Ct);

            Assert.Equal(PostgresSchema.LatestVersion, applied.Sum());
            Assert.Equal(0, again);
            Assert.Equal(PostgresSchema.LatestVersion, await CountAsync(connectionString, "SELECT count(DISTINCT version) FROM memento_schema_migrations"));
            Assert.Equal(PostgresSchema.LatestVersion, await CountAsync(connectionString, "SELECT count(*) FROM memento_schema_migrations"));
            // This machine's PostgreSQL has no pgvector: the documented fallback is what runs here.
            var kind = await PostgresSchema.ReadVectorKindAsync(dataSources[0], Ct);
            Assert.Equal(await ExtensionAvailableAsync(connectionString) ? PostgresSchema.VectorKind.PgVector : PostgresSchema.VectorKind.Array, kind);
        }
        finally
        {
            foreach (var dataSource in dataSources)
            {
                await dataSource.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_unreachable_database_is_storage_unavailable()
    {
        var port = new NpgsqlConnectionStringBuilder(server.ConnectionString.Length > 0 ? server.ConnectionString : "Host=127.0.0.1") { Port = 1, Timeout = 2 };
        await using var dataSource = NpgsqlDataSource.Create(port.ConnectionString);
        var store = new PostgresMemoryStore(dataSource, new StorageOptions(), new PostgresStorageOptions(), new McpServer.Search.SearchOptions(), NullLogger<PostgresMemoryStore>.Instance);

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.StoreAsync("alice", new NewMemory("x"), Ct));

        Assert.Contains("cannot be reached", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_full_text_indexes_keep_a_short_pending_list_however_many_memories_are_stored()
    {
        // A GIN index puts new entries in a pending list that every search through the index reads in
        // full until it is merged; PostgreSQL's default lets it grow to 4 MB (512 pages, a few thousand
        // memories), and 244 pending pages doubled a one-word search (2.3 ms instead of 1.1 ms).
        var connectionString = await server.CreateSchemaAsync(Ct);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var store = new PostgresMemoryStore(dataSource, new StorageOptions(), new PostgresStorageOptions(), new McpServer.Search.SearchOptions(), NullLogger<PostgresMemoryStore>.Instance);
        for (var i = 0; i < 400; i++)
        {
            var words = string.Join(' ', Enumerable.Range(0, 40).Select(j => $"w{i}x{j}"));
            await store.StoreAsync("alice", new NewMemory($"Note {i}: {words}.", Tags: [$"tag{i}"]), Ct);
        }

        // gin_clean_pending_list merges the pending list and returns how many pages it held.
        var search = await CountAsync(connectionString, "SELECT gin_clean_pending_list('memento_memories_user_lexemes'::regclass)");
        var tags = await CountAsync(connectionString, "SELECT gin_clean_pending_list('memento_memories_tags'::regclass)");

        // 128 kB: 16 pages, and the page being filled.
        Assert.InRange(search, 0, 17);
        Assert.InRange(tags, 0, 17);
    }

    [Fact]
    public async Task Searches_through_the_user_and_word_index_find_exactly_what_the_text_query_alone_finds()
    {
        var connectionString = await server.CreateSchemaAsync(Ct);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var store = new PostgresMemoryStore(dataSource, new StorageOptions(), new PostgresStorageOptions(), new McpServer.Search.SearchOptions(), NullLogger<PostgresMemoryStore>.Instance);
        string[] texts =
        [
            "Sent the e-mail about going over budget", "Budget review with Dana on Monday", "Reading list: a mail-order catalogue",
            "The budgets were approved", "Over the weekend we walked the dog", "Email Dana the minutes", "Nothing to do with money",
        ];
        foreach (var user in new[] { "alice", "bob" })
        {
            foreach (var (text, i) in texts.Select((t, i) => (t, i)))
            {
                await store.StoreAsync(user, new NewMemory(user == "bob" ? text + " for bob" : text, Title: i % 2 == 0 ? $"Note {i}" : null, Tags: i % 3 == 0 ? ["budget"] : null), Ct);
            }
        }

        // English stop words ("the", "over"), a hyphenated word, a plural, a word in no memory, mixed case.
        foreach (var query in new[] { "e-mail", "mail", "over budget", "budget", "budgets approved", "the", "zzz budget", "Budget REVIEW", "dana minutes email" })
        {
            var found = (await store.SearchAsync("alice", new SearchQuery(query, Limit: 50), Ct)).Items.Select(h => h.Memory.Id).Order().ToList();
            var terms = McpServer.Search.FtsQuery.Terms(query);
            var expected = await IdsMatchingAsync(connectionString, "alice", terms, " && ");
            if (expected.Count == 0)
            {
                expected = await IdsMatchingAsync(connectionString, "alice", terms, " || ");
            }

            Assert.True(expected.SequenceEqual(found), $"'{query}': expected [{string.Join(", ", expected)}], found [{string.Join(", ", found)}]");
        }
    }

    [Fact]
    public async Task The_cosine_taken_in_the_replica_equals_the_databases_memento_cosine()
    {
        var connectionString = await server.CreateSchemaAsync(Ct);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await PostgresSchema.MigrateAsync(dataSource, NullLogger.Instance, Ct);
        var random = new Random(7);
        // Small components like a real model's (their products underflow in real), a zero vector, opposites.
        float[] Vector() => [.. Enumerable.Range(0, 384).Select(_ => (float)((random.NextDouble() - 0.5) * 1e-3))];
        var a = Vector();
        var pairs = new List<(float[], float[])> { (a, Vector()), (a, a), (a, [.. a.Select(x => -x)]), (a, new float[384]), (Vector(), Vector()) };
        foreach (var (x, y) in pairs)
        {
            await using var command = dataSource.CreateCommand("SELECT memento_cosine($1, $2)");
            command.Parameters.Add(new NpgsqlParameter<float[]> { TypedValue = x });
            command.Parameters.Add(new NpgsqlParameter<float[]> { TypedValue = y });
            var expected = (double)(await command.ExecuteScalarAsync(Ct))!;

            Assert.Equal(expected, PostgresMemoryStore.Cosine(x, y), 1e-12);
        }
    }

    // The full-text predicate alone, without any index condition: what a search must return.
    private static async Task<List<string>> IdsMatchingAsync(string connectionString, string user, IReadOnlyList<string> terms, string join)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        var words = string.Join(join, terms.Select((_, i) => $"plainto_tsquery('english', ${i + 2})"));
        await using var command = new NpgsqlCommand($"SELECT id FROM memento_memories WHERE user_id = $1 AND deleted_at IS NULL AND search @@ ({words}) ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        foreach (var term in terms)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = term });
        }

        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> ExtensionAvailableAsync(string connectionString) =>
        await CountAsync(connectionString, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") > 0;
}
