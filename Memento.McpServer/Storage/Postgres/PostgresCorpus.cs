using System.Runtime.CompilerServices;
using Npgsql;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// The PostgreSQL provider's whole corpus for the operator commands (<c>import</c>, <c>export</c>, <c>reindex</c>):
/// the same rules as the file provider's (<see cref="FileMemoryStore"/>), over the database.
/// </summary>
public sealed class PostgresCorpus(PostgresMemoryStore store, NpgsqlDataSource dataSource, StorageOptions options, PostgresStorageOptions postgres) : IMemoryCorpus
{
    /// <summary>
    /// Checks and normalises the memory like any store, keeps its id and times (to the millisecond, as the file
    /// provider does), and writes nothing when the user already holds exactly this content or this id (also in the trash).
    /// </summary>
    public async Task<StoreResult> ImportAsync(string user, Memory memory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(memory.Id);
        var normalized = MemoryRules.Normalize(new NewMemory(memory.Content, memory.Title, memory.Tags, memory.Metadata, memory.Source), options);
        var created = DateTimeOffset.FromUnixTimeMilliseconds(memory.Created.ToUnixTimeMilliseconds());
        var updated = DateTimeOffset.FromUnixTimeMilliseconds(memory.Updated.ToUnixTimeMilliseconds());
        var candidate = new Memory(memory.Id, normalized.Title, normalized.Tags, created, updated < created ? created : updated, normalized.Content, normalized.Source, normalized.Metadata);

        if (await FindContentAsync(user, MemoryDocument.ContentHash(candidate.Content, candidate.Title, candidate.Tags), cancellationToken) is { } twin)
        {
            return new StoreResult(twin, Created: false);
        }

        if (await store.ImportAsync(user, candidate, deletedAt: null, cancellationToken))
        {
            return new StoreResult(candidate, Created: true);
        }

        // The id is taken: by a live memory (returned) or by one in the trash (left there, as the file provider does).
        return new StoreResult(await store.GetAsync(user, candidate.Id, cancellationToken) ?? candidate, Created: false);
    }

    /// <summary>Every live memory of the user (not the trash), in id order.</summary>
    public async IAsyncEnumerable<Memory> ExportAsync(string user, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (memory, deletedAt) in store.ReadAllAsync(user, cancellationToken))
        {
            if (deletedAt is null)
            {
                yield return memory;
            }
        }
    }

    /// <summary>
    /// Recomputes the full-text vectors of every row of the user (live and trashed) with the configured text search
    /// configuration (<c>Memento:Storage:Postgres:TextSearchConfiguration</c>): what <c>reindex</c> means on PostgreSQL,
    /// where there is no index to rebuild but rows written under an earlier configuration keep its vectors.
    /// </summary>
    public async Task RebuildIndexAsync(string user, CancellationToken cancellationToken = default) =>
        await ReindexAsync(user, cancellationToken);

    /// <summary>Like <see cref="RebuildIndexAsync"/>; returns how many rows were recomputed.</summary>
    public async Task<int> ReindexAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        await store.EnsureSchemaAsync(cancellationToken);
        await using var command = dataSource.CreateCommand("""
            UPDATE memento_memories SET search = setweight(to_tsvector($2::regconfig, title), 'A')
                || setweight(to_tsvector($2::regconfig, array_to_string(tags, ' ')), 'B')
                || setweight(to_tsvector($2::regconfig, content), 'C')
            WHERE user_id = $1
            """);
        // An operator's run over a large user may take longer than a request's statement is allowed to.
        command.CommandTimeout = 0;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = postgres.TextSearchConfiguration });
        return await RunAsync(() => command.ExecuteNonQueryAsync(cancellationToken));
    }

    public Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default) => store.ListUsersAsync(cancellationToken);

    private async Task<Memory?> FindContentAsync(string user, string hash, CancellationToken cancellationToken)
    {
        await store.EnsureSchemaAsync(cancellationToken);
        await using var command = dataSource.CreateCommand(
            "SELECT id FROM memento_memories WHERE user_id = $1 AND content_hash = $2 AND deleted_at IS NULL ORDER BY id LIMIT 1");
        command.CommandTimeout = (int)Math.Ceiling(postgres.CommandTimeout.TotalSeconds);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
        return await RunAsync(() => command.ExecuteScalarAsync(cancellationToken)) is string id
            ? await store.GetAsync(user, id, cancellationToken)
            : null;
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> statement)
    {
        try
        {
            return await statement();
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new StorageUnavailableException($"The memory database cannot be reached now: {e.Message}", e);
        }
    }
}
