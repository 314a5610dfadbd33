using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.McpServer.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Memento.LoadTest.Workload;

/// <summary>
/// The PostgreSQL counterpart of <see cref="FileSeeder"/>: the same corpus (same ids scheme, times and
/// texts), written through the provider's own import path (full-text vector included), several rows at
/// a time, into the database the servers under test use.
/// </summary>
public static class PostgresSeeder
{
    private static readonly Dictionary<string, string> NoMetadata = [];

    public static async Task SeedAsync(string connectionString, LoadOptions options, IdPool ids, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresMemoryStore(dataSource, new StorageOptions(), new PostgresStorageOptions(), new SearchOptions(), NullLogger<PostgresMemoryStore>.Instance);
        await store.EnsureSchemaAsync(cancellationToken);
        var start = DateTimeOffset.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(365) / Math.Max(1, options.Memories);
        const int Workers = 8;
        await Parallel.ForAsync(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = cancellationToken }, async (w, ct) =>
        {
            var corpus = new Corpus(options.Seed * 1000 + w);
            for (var i = w; i < options.Memories; i += Workers)
            {
                var user = options.User(i % options.Users);
                var created = DateTimeOffset.FromUnixTimeMilliseconds((start + step * i).ToUnixTimeMilliseconds());
                var generated = corpus.Next();
                var memory = new Memory(MemoryIds.New(created), generated.Title, generated.Tags, created, created, generated.Content, Source: null, Metadata: NoMetadata);
                await store.ImportAsync(user, memory, deletedAt: null, ct);
                ids.Add(user, memory.Id);
            }
        });

        // VACUUM as well as ANALYZE: the phases then measure the table as it settles, not the autovacuum
        // that 100,000 fresh rows would otherwise start in the middle of a phase (its CPU counts as the database's).
        await using var vacuum = dataSource.CreateCommand("VACUUM (ANALYZE) memento_memories");
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
    }
}
