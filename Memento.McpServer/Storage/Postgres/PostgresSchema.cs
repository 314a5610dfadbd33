using Microsoft.Extensions.Logging;
using Npgsql;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// The provider's tables and their migrations. Every replica applies the missing migrations at start-up,
/// one replica at a time (a session advisory lock per schema), each migration in its own transaction and
/// recorded in <c>memento_schema_migrations</c>, so starting several replicas at once, or again, is safe.
/// </summary>
internal static partial class PostgresSchema
{
    /// <summary>How vectors for hybrid ranking are kept: pgvector's <c>vector</c>, or a <c>real[]</c> array when the extension is unavailable.</summary>
    public enum VectorKind
    {
        Array,
        PgVector,
    }

    private sealed record Migration(int Version, string Description, Func<NpgsqlConnection, NpgsqlTransaction, ILogger, CancellationToken, Task> Apply);

    private static readonly Migration[] Migrations =
    [
        new(1, "memories, users, full-text and tag indexes", (c, t, _, ct) => ExecuteAsync(c, t, """
            CREATE TABLE IF NOT EXISTS memento_users (
                user_id text PRIMARY KEY,
                created timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE IF NOT EXISTS memento_memories (
                user_id text NOT NULL,
                id text NOT NULL,
                title text NOT NULL,
                tags text[] NOT NULL DEFAULT '{}',
                created timestamptz NOT NULL,
                updated timestamptz NOT NULL,
                content text NOT NULL,
                source text,
                metadata jsonb NOT NULL DEFAULT '{}',
                content_hash text NOT NULL,
                content_length integer NOT NULL,
                content_bytes integer NOT NULL,
                preview text NOT NULL,
                search tsvector NOT NULL,
                deleted_at timestamptz,
                PRIMARY KEY (user_id, id)
            );
            CREATE INDEX IF NOT EXISTS memento_memories_live ON memento_memories (user_id, created DESC, id DESC) WHERE deleted_at IS NULL;
            CREATE INDEX IF NOT EXISTS memento_memories_hash ON memento_memories (user_id, content_hash) WHERE deleted_at IS NULL;
            CREATE INDEX IF NOT EXISTS memento_memories_search ON memento_memories USING gin (search);
            CREATE INDEX IF NOT EXISTS memento_memories_tags ON memento_memories USING gin (tags);
            CREATE INDEX IF NOT EXISTS memento_memories_trash ON memento_memories (deleted_at) WHERE deleted_at IS NOT NULL;
            """, ct)),
        new(2, "vectors for hybrid ranking (pgvector when available, else real[])", AddVectorsAsync),
        new(3, "cosine similarity of real[] vectors in double precision", (c, t, _, ct) => ExecuteAsync(c, t, CosineFunction, ct)),
        new(4, "each vector's model, so a model change re-embeds in the background", (c, t, _, ct) => ExecuteAsync(c, t, """
            ALTER TABLE memento_memories ADD COLUMN IF NOT EXISTS embedding_model text;
            CREATE INDEX IF NOT EXISTS memento_memories_embedding_model ON memento_memories (embedding_model) WHERE deleted_at IS NULL;
            """, ct)),
        // A GIN index adds new entries to a pending list that every search through the index reads in
        // full until it is merged. PostgreSQL lets it reach 4 MB (512 pages, a few thousand memories):
        // with 244 pages pending, a one-word search of 1,000 memories took 2.3 ms instead of 1.1 ms. At
        // 128 kB a store merges it now and then, and a search reads at most 16 pages. What is pending
        // now is merged once.
        new(5, "short pending lists for the full-text and tag indexes", (c, t, _, ct) => ExecuteAsync(c, t, """
            ALTER INDEX memento_memories_search SET (gin_pending_list_limit = 128);
            ALTER INDEX memento_memories_tags SET (gin_pending_list_limit = 128);
            SELECT gin_clean_pending_list('memento_memories_search'::regclass);
            SELECT gin_clean_pending_list('memento_memories_tags'::regclass);
            """, ct)),
        // The full-text index held every user's memories in one posting list per word, so a search read
        // the list of all users' memories with that word (16,380 for "birthday" at 100,000 memories over
        // 100 users) to keep its own 166: its cost grew with the other users. Keys of user and word give
        // each user lists of their own. Building it holds writes back while it runs (17 s at 100,000
        // memories here); the index it replaces goes.
        new(6, "full-text index keyed by user and word", (c, t, _, ct) => ExecuteAsync(c, t, """
            CREATE OR REPLACE FUNCTION memento_user_lexemes(user_id text, search tsvector) RETURNS text[]
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT coalesce(array_agg(user_id || ' ' || lexeme), '{}') FROM unnest(tsvector_to_array(search)) AS lexeme
                $$;
            CREATE INDEX IF NOT EXISTS memento_memories_user_lexemes ON memento_memories
                USING gin (memento_user_lexemes(user_id, search)) WITH (gin_pending_list_limit = 128);
            DROP INDEX IF EXISTS memento_memories_search;
            """, ct)),
    ];

    // Products of two small components underflow real ("value out of range: underflow" from any real
    // model's 384 components): the sums are taken in double precision.
    private const string CosineFunction = """
        CREATE OR REPLACE FUNCTION memento_cosine(a real[], b real[]) RETURNS double precision
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT CASE WHEN sum(x * x) = 0 OR sum(y * y) = 0 THEN 0
                            ELSE sum(x * y) / (sqrt(sum(x * x)) * sqrt(sum(y * y))) END
                FROM unnest(a::double precision[], b::double precision[]) AS v(x, y)
            $$;
        """;

    /// <summary>The highest migration this code knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the missing migrations; returns how many were applied by this call.</summary>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Held by this session until unlocked (or the connection drops): replicas starting together queue here.
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(hashtextextended('memento-migrations:' || current_schema(), 0))", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS memento_schema_migrations (
                    version integer PRIMARY KEY,
                    description text NOT NULL,
                    applied timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);
            var applied = new HashSet<int>();
            await using (var command = new NpgsqlCommand("SELECT version FROM memento_schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            if (applied.Count > 0 && applied.Max() > LatestVersion)
            {
                LogNewerSchema(logger, applied.Max(), LatestVersion);
            }

            var count = 0;
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await migration.Apply(connection, transaction, logger, cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO memento_schema_migrations (version, description) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.AddWithValue(migration.Version);
                    record.Parameters.AddWithValue(migration.Description);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                LogMigrationApplied(logger, migration.Version, migration.Description);
                count++;
            }

            return count;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(hashtextextended('memento-migrations:' || current_schema(), 0))", CancellationToken.None);
        }
    }

    /// <summary>Which kind of vector column the schema holds.</summary>
    public static async Task<VectorKind> ReadVectorKindAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = 'memento_memories'::regclass AND attname = 'embedding' AND NOT attisdropped
            """);
        var type = await command.ExecuteScalarAsync(cancellationToken) as string;
        return type is not null && type.StartsWith("vector", StringComparison.Ordinal) ? VectorKind.PgVector : VectorKind.Array;
    }

    private static async Task AddVectorsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ILogger logger, CancellationToken cancellationToken)
    {
        await using (var available = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector')", connection, transaction))
        {
            if ((bool)(await available.ExecuteScalarAsync(cancellationToken))!)
            {
                await transaction.SaveAsync("vector", cancellationToken);
                try
                {
                    await ExecuteAsync(connection, transaction, "CREATE EXTENSION IF NOT EXISTS vector", cancellationToken);
                    await ExecuteAsync(connection, transaction, "ALTER TABLE memento_memories ADD COLUMN IF NOT EXISTS embedding vector", cancellationToken);
                    LogVectors(logger, "pgvector");
                    return;
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.FeatureNotSupported or PostgresErrorCodes.UndefinedFile)
                {
                    // Azure allows an extension only when azure.extensions lists it; without it, fall back.
                    await transaction.RollbackAsync("vector", cancellationToken);
                    LogVectorExtensionRefused(logger, e.MessageText);
                }
            }
        }

        await ExecuteAsync(connection, transaction, "ALTER TABLE memento_memories ADD COLUMN IF NOT EXISTS embedding real[]", cancellationToken);
        await ExecuteAsync(connection, transaction, CosineFunction, cancellationToken);
        LogVectors(logger, "real[] arrays (cosine similarity computed in SQL)");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied storage schema migration {Version}: {Description}")]
    private static partial void LogMigrationApplied(ILogger logger, int version, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database holds schema version {Found}, newer than this server's {Known}; a newer replica migrated it. Serving with the known part of the schema.")]
    private static partial void LogNewerSchema(ILogger logger, int found, int known);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vectors for hybrid ranking are stored as {Kind}")]
    private static partial void LogVectors(ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The vector extension is available but could not be created ({Reason}); vectors are stored as real[] arrays instead")]
    private static partial void LogVectorExtensionRefused(ILogger logger, string reason);
}
