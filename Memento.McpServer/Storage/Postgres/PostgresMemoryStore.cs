using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Memento.McpServer.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// <see cref="IMemoryStore"/> on PostgreSQL: the database is the source of truth for memories, tags,
/// metadata, trash and content hashes, and ranks full-text searches itself (a weighted <c>tsvector</c>
/// with a GIN index). Replicas keep no index of their own, so every replica reads every other's writes
/// at once. Limits, ids, cursors and snippets are the file provider's, and so is the search orchestration
/// (<see cref="MemorySearch"/>: word modes, fusion with the vectors, cursors) over this provider's
/// <see cref="ISearchIndex"/>. Vectors are made in the background (<see cref="PostgresEmbeddingWorker"/>).
/// See <c>docs/storage.md</c>.
/// </summary>
public sealed partial class PostgresMemoryStore : IMemoryStore, IDisposable
{
    private const string SummaryColumns = "id, title, tags, created, updated, content_length, preview";
    private const string MemoryColumns = "id, title, tags, created, updated, content, source, metadata";

    private readonly NpgsqlDataSource _dataSource;
    private readonly StorageOptions _options;
    private readonly PostgresStorageOptions _postgres;
    private readonly SearchOptions _search;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MemoryEmbeddings _embeddings;
    private readonly MemorySearch _searcher;
    private readonly PostgresEmbeddingWorker? _worker;
    private readonly int _commandTimeout;
    private readonly SemaphoreSlim _readyGate = new(1, 1);
    private volatile bool _ready;
    private PostgresSchema.VectorKind _vectors;

    public PostgresMemoryStore(
        NpgsqlDataSource dataSource,
        StorageOptions options,
        PostgresStorageOptions postgres,
        SearchOptions search,
        ILogger<PostgresMemoryStore> logger,
        TimeProvider? time = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
    {
        _dataSource = dataSource;
        _options = options;
        _postgres = postgres;
        _search = search;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _commandTimeout = (int)Math.Ceiling(postgres.CommandTimeout.TotalSeconds);
        // The query side (cache, timeout) and the fusion are the file provider's; the memory vectors live in the rows.
        _embeddings = new MemoryEmbeddings(search.Embeddings != Memento.McpServer.Embeddings.EmbeddingProvider.Off ? embeddings : null, vectors: null, search, _time, logger);
        _searcher = new MemorySearch(search, _embeddings);
        if (_embeddings.Generator is { } generator)
        {
            _worker = new PostgresEmbeddingWorker(dataSource, EnsureSchemaAsync, () => _vectors, generator, _embeddings.ModelId!, _commandTimeout, _time, logger).Start();
        }
    }

    /// <summary>Whether searches fuse full-text ranking with embeddings.</summary>
    public bool HybridSearch => _searcher.Hybrid;

    /// <summary>The embedding side: the model id and the query cache.</summary>
    public MemoryEmbeddings Embeddings => _embeddings;

    /// <summary>The background worker that fills the rows' vectors, when embeddings are on.</summary>
    internal PostgresEmbeddingWorker? EmbeddingWorker => _worker;

    /// <summary>Completes when every live memory has a vector of the current model.</summary>
    public Task WhenVectorsReadyAsync(CancellationToken cancellationToken) => _worker?.WhenIdleAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Whether this process has brought the schema up to date.</summary>
    internal bool SchemaReady => _ready;

    /// <summary>How this database keeps vectors (known once the schema is ready).</summary>
    internal PostgresSchema.VectorKind Vectors => _vectors;

    /// <summary>Applies missing schema migrations (once per process; safe with other replicas doing the same).</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (_ready)
        {
            return;
        }

        await _readyGate.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }

            try
            {
                await PostgresSchema.MigrateAsync(_dataSource, _logger, cancellationToken);
                _vectors = await PostgresSchema.ReadVectorKindAsync(_dataSource, cancellationToken);
            }
            catch (NpgsqlException e)
            {
                throw Unavailable(e);
            }

            _ready = true;
        }
        finally
        {
            _readyGate.Release();
        }
    }

    public Task<StoreResult> StoreAsync(string user, NewMemory memory, CancellationToken cancellationToken = default) =>
        StoreAsync(user, memory, created: null, cancellationToken);

    /// <summary>Stores a memory with a given creation instant (imports); <paramref name="created"/> null means now.</summary>
    internal async Task<StoreResult> StoreAsync(string user, NewMemory memory, DateTimeOffset? created, CancellationToken cancellationToken)
    {
        MemoryRules.ValidateUser(user);
        var normalized = MemoryRules.Normalize(memory, _options);
        var hash = MemoryDocument.ContentHash(normalized.Content, normalized.Title, normalized.Tags);
        using var activity = StorageTelemetry.Source.StartActivity("memento.store");
        activity?.SetTag("memento.user", user);
        await EnsureSchemaAsync(cancellationToken);

        var now = created is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()) : Now();
        var candidate = new Memory(MemoryIds.New(now), normalized.Title, normalized.Tags, now, now, normalized.Content, normalized.Source, normalized.Metadata);
        var (stored, isNew) = await InsertAsync(user, candidate, hash, deletedAt: null, dedupe: true, cancellationToken);

        if (isNew)
        {
            // Findable by words now, by meaning once the worker has made its vector.
            _worker?.Wake();
            StorageTelemetry.MemoriesStored.Add(1);
            activity?.SetTag("memento.memory_id", stored.Id);
        }

        activity?.SetTag("memento.created", isNew);
        return new StoreResult(stored, isNew);
    }

    /// <summary>
    /// Writes a memory as it is, keeping its id and times (imports from the file layout, moves between
    /// providers); <paramref name="deletedAt"/> puts it in the trash. False when the user already has that id.
    /// </summary>
    internal async Task<bool> ImportAsync(string user, Memory memory, DateTimeOffset? deletedAt, CancellationToken cancellationToken)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(memory.Id);
        await EnsureSchemaAsync(cancellationToken);
        var hash = MemoryDocument.ContentHash(memory.Content, memory.Title, memory.Tags);
        var (_, isNew) = await InsertAsync(user, memory, hash, deletedAt, dedupe: false, cancellationToken);
        if (isNew && deletedAt is null)
        {
            _worker?.Wake();
        }

        return isNew;
    }

    private async Task<(Memory Memory, bool Created)> InsertAsync(string user, Memory memory, string hash, DateTimeOffset? deletedAt, bool dedupe, CancellationToken cancellationToken)
    {
        // One round trip, one implicit transaction. Stores of the same content for the same user take the
        // same transaction-scoped advisory lock first, so across every replica the second one waits, then
        // (READ COMMITTED takes a fresh snapshot per statement) finds the first one's row and returns it.
        await using var connection = await OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection) { Timeout = _commandTimeout };
        if (dedupe)
        {
            batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", user + ":" + hash));
        }

        batch.BatchCommands.Add(Command("INSERT INTO memento_users (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user));
        var insert = new NpgsqlBatchCommand($"""
            WITH existing AS (
                SELECT {MemoryColumns} FROM memento_memories
                WHERE user_id = $1 AND content_hash = $10 AND deleted_at IS NULL AND $16
                ORDER BY id LIMIT 1
            ), inserted AS (
                INSERT INTO memento_memories (user_id, id, title, tags, created, updated, content, source, metadata,
                    content_hash, content_length, content_bytes, preview, search, deleted_at)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                    setweight(to_tsvector($14::regconfig, $3), 'A')
                        || setweight(to_tsvector($14::regconfig, array_to_string($4, ' ')), 'B')
                        || setweight(to_tsvector($14::regconfig, $7), 'C'),
                    $15
                WHERE NOT EXISTS (SELECT 1 FROM existing)
                ON CONFLICT (user_id, id) DO NOTHING
                RETURNING {MemoryColumns}
            )
            SELECT true, * FROM inserted
            UNION ALL
            SELECT false, * FROM existing
            """);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = memory.Id });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = memory.Title });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. memory.Tags] });
        insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = memory.Created.UtcDateTime });
        insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = memory.Updated.UtcDateTime });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = memory.Content });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)memory.Source ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(memory.Metadata), NpgsqlDbType = NpgsqlDbType.Jsonb });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = memory.Content.Length });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Encoding.UTF8.GetByteCount(memory.Content) });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MemoryIndex.Preview(memory.Content) });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _postgres.TextSearchConfiguration });
        insert.Parameters.Add(new NpgsqlParameter { Value = deletedAt is { } d ? d.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = dedupe });
        batch.BatchCommands.Add(insert);

        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (!reader.HasRows || reader.FieldCount < 9)
            {
                if (!await reader.NextResultAsync(cancellationToken))
                {
                    break;
                }
            }

            if (await reader.ReadAsync(cancellationToken))
            {
                return (ReadMemory(reader, 1), reader.GetBoolean(0));
            }

            // Only an import of an id the user already has gets here.
            return (memory, false);
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public async Task<Memory?> GetAsync(string user, string id, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        await EnsureSchemaAsync(cancellationToken);
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT {MemoryColumns} FROM memento_memories WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL");
            command.CommandTimeout = _commandTimeout;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? ReadMemory(reader, 0) : null;
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public async Task<Memory> UpdateAsync(string user, string id, MemoryUpdate update, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        ArgumentNullException.ThrowIfNull(update);
        using var activity = StorageTelemetry.Source.StartActivity("memento.update");
        activity?.SetTag("memento.user", user);
        await EnsureSchemaAsync(cancellationToken);
        if (update.Content is not null)
        {
            MemoryRules.CheckContent(update.Content, _options);
        }

        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            Memory current;
            await using (var read = new NpgsqlCommand($"SELECT {MemoryColumns} FROM memento_memories WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE", connection, transaction))
            {
                read.CommandTimeout = _commandTimeout;
                read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
                read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                current = await reader.ReadAsync(cancellationToken) ? ReadMemory(reader, 0) : throw new MemoryNotFoundException(id);
            }

            var content = update.Content ?? current.Content;
            // A title that was derived from the content follows the new content; one the user gave stays.
            var automaticTitle = current.Title == MemoryRules.DeriveTitle(current.Content, _options.MaxTitleLength);
            var title = update.Title is not null ? MemoryRules.NormalizeTitle(update.Title, content, _options)
                : update.Content is not null && automaticTitle ? MemoryRules.DeriveTitle(content, _options.MaxTitleLength)
                : current.Title;
            var tags = update.Tags is null ? current.Tags : MemoryRules.NormalizeTags(update.Tags, _options);
            var metadata = update.Metadata is null ? current.Metadata : MemoryRules.NormalizeMetadata(update.Metadata, _options);
            var now = Now();
            var changed = current with
            {
                Content = content,
                Title = title,
                Tags = tags,
                Metadata = metadata,
                Updated = now > current.Created ? now : current.Created,
            };
            await using (var write = new NpgsqlCommand($"""
                UPDATE memento_memories SET title = $3, tags = $4, updated = $5, content = $6, metadata = $7,
                    content_hash = $8, content_length = $9, content_bytes = $10, preview = $11,
                    search = setweight(to_tsvector($12::regconfig, $3), 'A')
                        || setweight(to_tsvector($12::regconfig, array_to_string($4, ' ')), 'B')
                        || setweight(to_tsvector($12::regconfig, $6), 'C'),
                    embedding = CASE WHEN title = $3 AND content = $6 THEN embedding END,
                    embedding_model = CASE WHEN title = $3 AND content = $6 THEN embedding_model END
                WHERE user_id = $1 AND id = $2
                """, connection, transaction))
            {
                write.CommandTimeout = _commandTimeout;
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = title });
                write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. tags] });
                write.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = changed.Updated.UtcDateTime });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = content });
                write.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(metadata), NpgsqlDbType = NpgsqlDbType.Jsonb });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MemoryDocument.ContentHash(content, title, tags) });
                write.Parameters.Add(new NpgsqlParameter<int> { TypedValue = content.Length });
                write.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Encoding.UTF8.GetByteCount(content) });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MemoryIndex.Preview(content) });
                write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _postgres.TextSearchConfiguration });
                await write.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            // An edit of title or content left the row without a vector: the worker makes the new one.
            _worker?.Wake();
            return changed;
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public async Task<bool> DeleteAsync(string user, string id, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        using var activity = StorageTelemetry.Source.StartActivity("memento.delete");
        activity?.SetTag("memento.user", user);
        await EnsureSchemaAsync(cancellationToken);
        try
        {
            await using var command = _dataSource.CreateCommand("UPDATE memento_memories SET deleted_at = $3 WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL");
            command.CommandTimeout = _commandTimeout;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = Now().UtcDateTime });
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public async Task<Page<TrashedMemory>> ListTrashAsync(string user, int limit = 20, string? cursor = null, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        QueryRules.CheckLimit(limit);
        // The file provider's trash cursor names "<deletion>~<id>"; here the deletion is in milliseconds.
        var after = TrashCursor.Parse(cursor) is { } key
            ? (long.TryParse(key.Split('~', 2)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? (Ms: ms, Id: key.Split('~', 2)[1]) : throw new MemoryValidationException("The cursor is not valid; pass the nextCursor of a previous page unchanged, or drop it to start again."))
            : ((long Ms, string Id)?)null;
        await EnsureSchemaAsync(cancellationToken);

        await using var command = _dataSource.CreateCommand();
        command.CommandTimeout = _commandTimeout;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        var sql = new StringBuilder($"SELECT {SummaryColumns}, deleted_at FROM memento_memories WHERE user_id = $1 AND deleted_at IS NOT NULL");
        if (after is { } position)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND (deleted_at, id) < ({Add(command, DateTimeOffset.FromUnixTimeMilliseconds(position.Ms).UtcDateTime)}, {Add(command, position.Id)})");
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY deleted_at DESC, id DESC LIMIT {Add(command, limit + 1)}");
        command.CommandText = sql.ToString();
        var items = new List<TrashedMemory>(limit + 1);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var deleted = Instant(reader.GetDateTime(7));
                items.Add(new TrashedMemory(ReadSummary(reader, 0), deleted, deleted + _options.TrashRetention));
            }
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }

        if (items.Count <= limit)
        {
            return new Page<TrashedMemory>(items, null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new Page<TrashedMemory>(items, TrashCursor.For($"{last.Deleted.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}~{last.Memory.Id}"));
    }

    public async Task<RestoreResult> RestoreAsync(string user, string id, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        using var activity = StorageTelemetry.Source.StartActivity("memento.restore");
        activity?.SetTag("memento.user", user);
        await EnsureSchemaAsync(cancellationToken);
        try
        {
            // One row per memory: restoring clears its deletion time; a concurrent restore finds it live.
            await using var command = _dataSource.CreateCommand($"UPDATE memento_memories SET deleted_at = NULL WHERE user_id = $1 AND id = $2 AND deleted_at IS NOT NULL RETURNING {MemoryColumns}");
            command.CommandTimeout = _commandTimeout;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    activity?.SetTag("memento.memory_id", id);
                    return new RestoreResult(ReadMemory(reader, 0), Restored: true);
                }
            }
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }

        return await GetAsync(user, id, cancellationToken) is { } live
            ? new RestoreResult(live, Restored: false)
            : throw new MemoryNotFoundException(id);
    }

    public async Task<Page<MemorySummary>> ListAsync(string user, ListQuery query, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(query);
        QueryRules.CheckLimit(query.Limit);
        QueryRules.CheckRange(query.Since, query.Until);
        var after = ListCursor.Parse(query.Cursor);
        await EnsureSchemaAsync(cancellationToken);

        await using var command = _dataSource.CreateCommand();
        command.CommandTimeout = _commandTimeout;
        var sql = new StringBuilder($"SELECT {SummaryColumns} FROM memento_memories WHERE user_id = $1 AND deleted_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
        if (after is { } position)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND (created, id) < ({Add(command, DateTimeOffset.FromUnixTimeMilliseconds(position.CreatedMs).UtcDateTime)}, {Add(command, position.Id)})");
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY created DESC, id DESC LIMIT {Add(command, query.Limit + 1)}");
        command.CommandText = sql.ToString();
        var items = new List<MemorySummary>(query.Limit + 1);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadSummary(reader, 0));
            }
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }

        if (items.Count <= query.Limit)
        {
            return new Page<MemorySummary>(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new Page<MemorySummary>(items, ListCursor.For(items[^1].Created.ToUnixTimeMilliseconds(), items[^1].Id));
    }

    public async Task<Page<SearchHit>> SearchAsync(string user, SearchQuery query, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        var plan = _searcher.Plan(query);
        var started = Stopwatch.GetTimestamp();
        using var activity = StorageTelemetry.Source.StartActivity("memento.search");
        activity?.SetTag("memento.user", user);
        await EnsureSchemaAsync(cancellationToken);

        try
        {
            var result = await _searcher.RunAsync(new UserSearchIndex(this, user), plan, cancellationToken);
            activity?.SetTag("memento.hits", result.Page.Items.Count);
            activity?.SetTag("memento.search.every_word", result.EveryWord);
            return result.Page;
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
        finally
        {
            StorageTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private async Task<IReadOnlyList<SearchHit>> RankAsync(string user, IReadOnlyList<string> terms, bool everyWord, SearchQuery query, int offset, int take, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand();
        command.CommandTimeout = _commandTimeout;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        var config = Add(command, _postgres.TextSearchConfiguration);
        // Each word is its own parameter, so nothing the user types is ever read as tsquery syntax.
        var words = terms.Select(t => $"plainto_tsquery({config}::regconfig, {Add(command, t)})");
        var tsquery = string.Join(everyWord ? " && " : " || ", words);
        // The index of user-and-word keys (migration 6) finds the candidates among this user's memories
        // only: with every word, rows holding all the query's words; with any word, rows holding one.
        // The tsquery then decides, exactly as before.
        var keys = $"memento_user_lexemes($1, to_tsvector({config}::regconfig, {Add(command, string.Join(' ', terms))}))";
        var sql = new StringBuilder($"""
            SELECT {SummaryColumns}, content, ts_rank(search, q, 1) AS score
            FROM memento_memories, (SELECT {tsquery}) AS query(q)
            WHERE user_id = $1 AND deleted_at IS NULL
              AND memento_user_lexemes(user_id, search) {(everyWord ? "@>" : "&&")} {keys}
              AND search @@ q
            """);
        AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY score DESC, created DESC, id DESC LIMIT {Add(command, take)} OFFSET {Add(command, offset)}");
        command.CommandText = sql.ToString();

        var hits = new List<SearchHit>(Math.Min(take, 128));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var summary = ReadSummary(reader, 0);
            hits.Add(new SearchHit(summary, reader.GetFloat(8), Snippets.Build(summary.Title, reader.GetString(7), terms)));
        }

        return hits;
    }

    /// <summary>
    /// The memories nearest the query's vector among those with a vector of the current model, the tag
    /// and time filters in the same WHERE clause, so they apply before the ranking (exact: no approximate index).
    /// </summary>
    private async Task<IReadOnlyList<(MemorySummary Summary, double Similarity)>> NearestAsync(string user, float[] vector, SearchQuery query, int take, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand();
        command.CommandTimeout = _commandTimeout;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        var model = Add(command, _embeddings.ModelId!);
        var dims = Add(command, vector.Length);
        if (_vectors != PostgresSchema.VectorKind.PgVector)
        {
            return await NearestOfArraysAsync(command, model, dims, vector, query, take, cancellationToken);
        }

        var q = Add(command, vector);
        var sql = new StringBuilder($"""
            SELECT {SummaryColumns}, 1 - (embedding <=> {q}::real[]::vector) AS similarity
            FROM memento_memories
            WHERE user_id = $1 AND deleted_at IS NULL AND embedding_model = {model} AND vector_dims(embedding) = {dims}
            """);
        AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY similarity DESC, id DESC LIMIT {Add(command, take)}");
        command.CommandText = sql.ToString();

        var nearest = new List<(MemorySummary, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            nearest.Add((ReadSummary(reader, 0), reader.GetDouble(7)));
        }

        return nearest;
    }

    /// <summary>
    /// Without pgvector: the rows' <c>real[]</c> vectors come back and the cosine is taken here. In SQL
    /// (<c>memento_cosine</c>, an <c>unnest</c> of both arrays per row) it cost the database 105–121 ms
    /// for 1,155 memories of 384 dimensions; the database is what every replica shares.
    /// </summary>
    private async Task<IReadOnlyList<(MemorySummary Summary, double Similarity)>> NearestOfArraysAsync(
        NpgsqlCommand command, string model, string dims, float[] vector, SearchQuery query, int take, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"""
            SELECT {SummaryColumns}, embedding
            FROM memento_memories
            WHERE user_id = $1 AND deleted_at IS NULL AND embedding_model = {model} AND cardinality(embedding) = {dims}
            """);
        AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
        command.CommandText = sql.ToString();

        // The best `take` so far, the least similar on top (ties: the smaller id goes first, as ORDER BY id DESC keeps the larger).
        var best = new PriorityQueue<(MemorySummary Summary, double Similarity), (double, string)>(take, NearestOrder.Instance);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var order = (Cosine(vector, reader.GetFieldValue<float[]>(7)), reader.GetString(0));
            if (best.Count < take)
            {
                best.Enqueue((ReadSummary(reader, 0), order.Item1), order);
            }
            else if (best.TryPeek(out _, out var worst) && NearestOrder.Instance.Compare(order, worst) > 0)
            {
                // Only a row that enters the best is read whole.
                best.EnqueueDequeue((ReadSummary(reader, 0), order.Item1), order);
            }
        }

        var nearest = new List<(MemorySummary, double)>(best.Count);
        while (best.TryDequeue(out var item, out _))
        {
            nearest.Add(item);
        }

        nearest.Reverse();
        return nearest;
    }

    /// <summary>The cosine similarity in double precision, 0 when either vector is all zeros (as <c>memento_cosine</c>).</summary>
    internal static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return aa == 0 || bb == 0 ? 0 : dot / (Math.Sqrt(aa) * Math.Sqrt(bb));
    }

    /// <summary>Least similar first; of equal similarity, the smaller id first.</summary>
    private sealed class NearestOrder : IComparer<(double Similarity, string Id)>
    {
        public static readonly NearestOrder Instance = new();

        public int Compare((double Similarity, string Id) x, (double Similarity, string Id) y)
        {
            var bySimilarity = x.Similarity.CompareTo(y.Similarity);
            return bySimilarity != 0 ? bySimilarity : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    /// <summary>One user's memories as <see cref="MemorySearch"/> asks for them.</summary>
    private sealed class UserSearchIndex(PostgresMemoryStore store, string user) : ISearchIndex
    {
        public Task<IReadOnlyList<SearchHit>> MatchAsync(IReadOnlyList<string> terms, bool everyWord, SearchQuery filters, int offset, int take, CancellationToken cancellationToken) =>
            store.RankAsync(user, terms, everyWord, filters, offset, take, cancellationToken);

        public Task<IReadOnlyList<(MemorySummary Summary, double Similarity)>> NearestAsync(float[] vector, SearchQuery filters, int take, CancellationToken cancellationToken) =>
            store.NearestAsync(user, vector, filters, take, cancellationToken);
    }

    public async Task<UserStats> GetStatsAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        await EnsureSchemaAsync(cancellationToken);
        try
        {
            await using var batch = _dataSource.CreateBatch();
            batch.Timeout = _commandTimeout;
            batch.BatchCommands.Add(Command("""
                SELECT count(*) FILTER (WHERE deleted_at IS NULL),
                       coalesce(sum(content_bytes) FILTER (WHERE deleted_at IS NULL), 0),
                       min(created) FILTER (WHERE deleted_at IS NULL),
                       max(created) FILTER (WHERE deleted_at IS NULL),
                       count(*) FILTER (WHERE deleted_at IS NOT NULL)
                FROM memento_memories WHERE user_id = $1
                """, user));
            batch.BatchCommands.Add(Command("""
                SELECT tag, count(*) FROM memento_memories, unnest(tags) AS tag
                WHERE user_id = $1 AND deleted_at IS NULL GROUP BY tag ORDER BY tag COLLATE "C"
                """, user));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var count = (int)reader.GetInt64(0);
            var bytes = reader.GetInt64(1);
            DateTimeOffset? oldest = reader.IsDBNull(2) ? null : Instant(reader.GetDateTime(2));
            DateTimeOffset? newest = reader.IsDBNull(3) ? null : Instant(reader.GetDateTime(3));
            var trashed = (int)reader.GetInt64(4);
            await reader.NextResultAsync(cancellationToken);
            var tags = new Dictionary<string, int>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken))
            {
                tags[reader.GetString(0)] = (int)reader.GetInt64(1);
            }

            return new UserStats(user, count, bytes, oldest, newest, tags, trashed);
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public async Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT user_id FROM memento_users ORDER BY user_id COLLATE \"C\"");
            command.CommandTimeout = _commandTimeout;
            var users = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                users.Add(reader.GetString(0));
            }

            return users;
        }
        catch (NpgsqlException e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Every memory of the user, live ones with a null deletion time and trashed ones with theirs, oldest first.</summary>
    internal async IAsyncEnumerable<(Memory Memory, DateTimeOffset? DeletedAt)> ReadAllAsync(string user, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"SELECT {MemoryColumns}, deleted_at FROM memento_memories WHERE user_id = $1 ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (ReadMemory(reader, 0), reader.IsDBNull(8) ? null : Instant(reader.GetDateTime(8)));
        }
    }

    /// <summary>Deletes trashed memories older than the retention period; returns how many.</summary>
    public async Task<int> PurgeTrashAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("DELETE FROM memento_memories WHERE deleted_at IS NOT NULL AND deleted_at < $1");
        command.CommandTimeout = _commandTimeout;
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (_time.GetUtcNow() - _options.TrashRetention).UtcDateTime });
        var purged = await command.ExecuteNonQueryAsync(cancellationToken);
        if (purged > 0)
        {
            LogTrashPurged(purged);
        }

        return purged;
    }

    public void Dispose()
    {
        _worker?.Dispose();
        _embeddings.Dispose();
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw Unavailable(e);
        }
    }

    private static void AddFilters(NpgsqlCommand command, StringBuilder sql, IReadOnlyList<string>? tags, TagMatch match, DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } s)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND created >= {Add(command, s.UtcDateTime)}");
        }

        if (until is { } u)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND created < {Add(command, u.UtcDateTime)}");
        }

        var wanted = tags?.Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToArray() ?? [];
        if (wanted.Length > 0)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND tags {(match == TagMatch.All ? "@>" : "&&")} {Add(command, wanted)}");
        }
    }

    private static string Add<T>(NpgsqlCommand command, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
    }

    private static NpgsqlBatchCommand Command(string sql, string parameter)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        return command;
    }

    private static Memory ReadMemory(NpgsqlDataReader reader, int first)
    {
        var metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(first + 7)) ?? [];
        return new Memory(
            reader.GetString(first),
            reader.GetString(first + 1),
            reader.GetFieldValue<string[]>(first + 2),
            Instant(reader.GetDateTime(first + 3)),
            Instant(reader.GetDateTime(first + 4)),
            reader.GetString(first + 5),
            reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
            new SortedDictionary<string, string>(metadata, StringComparer.Ordinal));
    }

    private static MemorySummary ReadSummary(NpgsqlDataReader reader, int first) => new(
        reader.GetString(first),
        reader.GetString(first + 1),
        reader.GetFieldValue<string[]>(first + 2),
        Instant(reader.GetDateTime(first + 3)),
        Instant(reader.GetDateTime(first + 4)),
        reader.GetInt32(first + 5),
        reader.GetString(first + 6));

    private static DateTimeOffset Instant(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());

    // Connection failures and a database that refuses writes are the provider's "storage unavailable";
    // anything else (a bug in a statement) stays an error the logs show as such.
    private static bool IsUnavailable(NpgsqlException e) =>
        e is not PostgresException pg
        || pg.SqlState.StartsWith("08", StringComparison.Ordinal)   // connection exception
        || pg.SqlState.StartsWith("53", StringComparison.Ordinal)   // insufficient resources (disk full)
        || pg.SqlState.StartsWith("57", StringComparison.Ordinal)   // operator intervention (shutdown)
        || pg.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction;

    private static StorageUnavailableException Unavailable(NpgsqlException e) =>
        new($"The memory database cannot be reached or cannot take writes now: {(e as PostgresException)?.MessageText ?? e.Message}", e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} memories from the trash")]
    private partial void LogTrashPurged(int count);
}
