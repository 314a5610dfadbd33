using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Memento.McpServer.Embeddings;
using Memento.McpServer.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>
/// <see cref="IMemoryStore"/> over Markdown files under a root folder that several processes may share,
/// with a per-instance SQLite FTS5 index that is a cache of those files. See <c>docs/storage.md</c>.
/// <para>
/// This class checks each call and puts the parts together: <see cref="MemoryFiles"/> (the files and the
/// trash), <see cref="UserShards"/> (each user's index and locks), <see cref="ReplicaFreshness"/> (what the
/// other replicas changed), <see cref="ContentClaims"/> (storing the same content twice),
/// <see cref="ShardIndexer"/> (index updates) and <see cref="MemorySearch"/> (ranking and paging).
/// </para>
/// </summary>
public sealed class FileMemoryStore : IMemoryStore, IMemoryCorpus, IStorageMaintenance, IDisposable
{
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly MemoryFiles _files;
    private readonly UserShards _shards;
    private readonly ShardIndexer _indexer;
    private readonly ReplicaFreshness _freshness;
    private readonly ContentClaims _claims;
    private readonly MemorySearch _search;
    private readonly MemoryEmbeddings _embeddings;

    public FileMemoryStore(
        StorageOptions options,
        SearchOptions search,
        ILogger<FileMemoryStore> logger,
        TimeProvider? time = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null,
        IVectorStore? vectorStore = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        Root = options.ResolveRoot();
        IndexDirectory = string.IsNullOrWhiteSpace(search.IndexPath) ? null : Path.GetFullPath(search.IndexPath);
        if (IndexDirectory is not null && IsUnder(IndexDirectory, Root))
        {
            throw new InvalidOperationException(
                $"{SearchOptions.SectionName}:IndexPath ({IndexDirectory}) is inside {StorageOptions.SectionName}:Root ({Root}); the index is a per-replica cache and must be on a local path.");
        }

        Directory.CreateDirectory(Root);
        InstanceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

        _embeddings = new MemoryEmbeddings(
            search.Embeddings != EmbeddingProvider.Off ? embeddings : null, vectorStore ?? new FileVectorStore(Root), search, _time, logger);
        var vectors = _embeddings;
        _files = new MemoryFiles(Root, options, _time, logger);
        _shards = new UserShards(Root, IndexDirectory, InstanceId, options, _time, vectors.NewVectorSet);
        _indexer = new ShardIndexer(_files, vectors, logger);
        _freshness = new ReplicaFreshness(options, _time, InstanceId, _files, _indexer, () => _shards.Disposed);
        _claims = new ContentClaims(_files, _freshness, _indexer);
        _search = new MemorySearch(search, vectors);
    }

    /// <summary>The storage root as a full path.</summary>
    public string Root { get; }

    /// <summary>The folder of the index files, or null when the index lives in memory.</summary>
    public string? IndexDirectory { get; }

    /// <summary>This instance's name in the change logs other replicas read.</summary>
    public string InstanceId { get; }

    /// <summary>Whether searches fuse BM25 with embeddings.</summary>
    public bool HybridSearch => _search.Hybrid;

    /// <summary>The embedding side: the model id, query cache and the background worker that makes memory vectors.</summary>
    public MemoryEmbeddings Embeddings => _embeddings;

    public string Description => $"files at {Root} (search index: {IndexDirectory ?? "memory"}, ranking: {(HybridSearch ? "BM25 + embeddings" : "BM25")})";

    public Task<StoreResult> StoreAsync(string user, NewMemory memory, CancellationToken cancellationToken = default) =>
        StoreAsync(user, memory, original: null, cancellationToken);

    public Task<StoreResult> ImportAsync(string user, Memory memory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        MemoryRules.ValidateId(memory.Id);
        return StoreAsync(user, new NewMemory(memory.Content, memory.Title, memory.Tags, memory.Metadata, memory.Source), memory, cancellationToken);
    }

    public async IAsyncEnumerable<Memory> ExportAsync(string user, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        var directory = _files.UserDirectory(user);
        foreach (var (id, _, _) in _files.Scan(directory, new HashSet<string>(StringComparer.Ordinal), cancellationToken))
        {
            if (_files.Read(directory, id) is { } memory)
            {
                yield return memory;
            }
        }

        await Task.CompletedTask;
    }

    /// <summary>Stores a new memory, or (imports) <paramref name="original"/> with its id and times.</summary>
    private async Task<StoreResult> StoreAsync(string user, NewMemory memory, Memory? original, CancellationToken cancellationToken)
    {
        MemoryRules.ValidateUser(user);
        var normalized = MemoryRules.Normalize(memory, _options);
        var hash = MemoryDocument.ContentHash(normalized.Content, normalized.Title, normalized.Tags);
        using var activity = StorageTelemetry.Source.StartActivity("memento.store");
        activity?.SetTag("memento.user", user);

        using var lease = _shards.Get(user);
        var shard = lease.Shard;
        // Stores of the same content run one at a time (so the second finds the first); others look up,
        // write and flush side by side, and meet only to apply their index updates, together.
        var writes = shard.WriteLock(hash);
        await writes.WaitAsync(cancellationToken);
        try
        {
            if (await _claims.FindAsync(shard, hash, cancellationToken) is { } existing)
            {
                activity?.SetTag("memento.created", false);
                return new StoreResult(existing, Created: false);
            }

            if (original is not null && _files.Read(shard.Directory, original.Id) is { } sameId)
            {
                activity?.SetTag("memento.created", false);
                return new StoreResult(sameId, Created: false);
            }

            var now = original is null ? Now() : DateTimeOffset.FromUnixTimeMilliseconds(original.Created.ToUnixTimeMilliseconds());
            var updated = original is null || original.Updated < now ? now : DateTimeOffset.FromUnixTimeMilliseconds(original.Updated.ToUnixTimeMilliseconds());
            var stored = new Memory(original?.Id ?? MemoryIds.New(now), normalized.Title, normalized.Tags, now, updated, normalized.Content, normalized.Source, normalized.Metadata);
            ContentClaims.Claim(shard, hash, stored.Id);
            var file = _files.Write(shard.Directory, stored);
            await _indexer.IndexWrittenAsync(shard, stored, hash, file, cancellationToken);

            if (await _claims.ResolveTwinsAsync(shard, stored, hash, cancellationToken) is { } earlier)
            {
                activity?.SetTag("memento.created", false);
                return new StoreResult(earlier, Created: false);
            }

            StorageTelemetry.MemoriesStored.Add(1);
            activity?.SetTag("memento.created", true);
            activity?.SetTag("memento.memory_id", stored.Id);
            return new StoreResult(stored, Created: true);
        }
        finally
        {
            writes.Release();
        }
    }

    public Task<Memory?> GetAsync(string user, string id, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_files.Read(_files.UserDirectory(user), id));
    }

    public async Task<Memory> UpdateAsync(string user, string id, MemoryUpdate update, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        ArgumentNullException.ThrowIfNull(update);
        using var activity = StorageTelemetry.Source.StartActivity("memento.update");
        activity?.SetTag("memento.user", user);

        using var lease = _shards.Get(user);
        var shard = lease.Shard;
        var writes = shard.WriteLock(id);
        await writes.WaitAsync(cancellationToken);
        try
        {
            var current = _files.Read(shard.Directory, id) ?? throw new MemoryNotFoundException(id);
            var changed = MemoryRules.Apply(current, update, Now(), _options);
            var file = _files.Write(shard.Directory, changed);
            await _indexer.IndexWrittenAsync(shard, changed, MemoryDocument.ContentHash(changed.Content, changed.Title, changed.Tags), file, cancellationToken);
            return changed;
        }
        finally
        {
            writes.Release();
        }
    }

    public async Task<bool> DeleteAsync(string user, string id, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        using var activity = StorageTelemetry.Source.StartActivity("memento.delete");
        activity?.SetTag("memento.user", user);

        using var lease = _shards.Get(user);
        var shard = lease.Shard;
        var writes = shard.WriteLock(id);
        await writes.WaitAsync(cancellationToken);
        try
        {
            if (!_files.MoveToTrash(shard.Directory, id, Now()))
            {
                return false;
            }

            await shard.Gate.WaitAsync(cancellationToken);
            try
            {
                shard.Forget(id);
                _indexer.RecordChange(shard, id, deleted: true);
            }
            finally
            {
                shard.Gate.Release();
            }

            return true;
        }
        finally
        {
            writes.Release();
        }
    }

    public Task<Page<TrashedMemory>> ListTrashAsync(string user, int limit = 20, string? cursor = null, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        QueryRules.CheckLimit(limit);
        var after = TrashCursor.Parse(cursor);
        cancellationToken.ThrowIfCancellationRequested();
        var directory = _files.UserDirectory(user);
        var items = new List<TrashedMemory>(limit + 1);
        string? last = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Newest deletion first; an id deleted, restored and deleted again shows once (its newest copy),
        // and an id that is back among the memories does not show at all: what is listed can be restored.
        foreach (var (key, id, path) in MemoryFiles.TrashFiles(directory).OrderByDescending(f => f.Key, StringComparer.Ordinal))
        {
            if (!seen.Add(id) || File.Exists(MemoryFiles.PathOf(directory, id)))
            {
                continue;
            }

            if (after is not null && string.CompareOrdinal(key, after) >= 0)
            {
                continue;
            }

            if (items.Count == limit)
            {
                return Task.FromResult(new Page<TrashedMemory>(items, TrashCursor.For(last!)));
            }

            if (_files.ReadTrashed(id, path) is { } memory)
            {
                var deleted = MemoryFiles.DeletedAt(key, path);
                var summary = new MemorySummary(memory.Id, memory.Title, memory.Tags, memory.Created, memory.Updated, memory.Content.Length, MemoryIndex.Preview(memory.Content));
                items.Add(new TrashedMemory(summary, deleted, deleted + _options.TrashRetention));
                last = key;
            }
        }

        return Task.FromResult(new Page<TrashedMemory>(items, null));
    }

    public async Task<RestoreResult> RestoreAsync(string user, string id, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        using var activity = StorageTelemetry.Source.StartActivity("memento.restore");
        activity?.SetTag("memento.user", user);

        using var lease = _shards.Get(user);
        var shard = lease.Shard;
        var writes = shard.WriteLock(id);
        await writes.WaitAsync(cancellationToken);
        try
        {
            if (_files.Read(shard.Directory, id) is { } live)
            {
                return new RestoreResult(live, Restored: false);
            }

            if (!_files.MoveOutOfTrash(shard.Directory, id))
            {
                return _files.Read(shard.Directory, id) is { } restoredElsewhere ? new RestoreResult(restoredElsewhere, Restored: false) : throw new MemoryNotFoundException(id);
            }

            var memory = _files.Read(shard.Directory, id) ?? throw new MemoryNotFoundException(id);
            var info = new FileInfo(MemoryFiles.PathOf(shard.Directory, id));
            await _indexer.IndexWrittenAsync(shard, memory, MemoryDocument.ContentHash(memory.Content, memory.Title, memory.Tags), (info.LastWriteTimeUtc.Ticks, info.Length), cancellationToken);
            activity?.SetTag("memento.memory_id", id);
            return new RestoreResult(memory, Restored: true);
        }
        finally
        {
            writes.Release();
        }
    }

    public async Task<Page<MemorySummary>> ListAsync(string user, ListQuery query, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(query);
        QueryRules.CheckLimit(query.Limit);
        QueryRules.CheckRange(query.Since, query.Until);
        using var lease = _shards.Get(user);
        return await _freshness.ReadFreshAsync(lease.Shard, index => index.List(query), cancellationToken);
    }

    public async Task<Page<SearchHit>> SearchAsync(string user, SearchQuery query, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        var plan = _search.Plan(query);
        var started = Stopwatch.GetTimestamp();
        using var activity = StorageTelemetry.Source.StartActivity("memento.search");
        activity?.SetTag("memento.user", user);
        try
        {
            using var lease = _shards.Get(user);
            var result = await _search.RunAsync(new ShardSearchIndex(lease.Shard, _freshness), plan, cancellationToken);
            activity?.SetTag("memento.hits", result.Page.Items.Count);
            activity?.SetTag("memento.search.every_word", result.EveryWord);
            return result.Page;
        }
        finally
        {
            StorageTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    public async Task<UserStats> GetStatsAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        using var lease = _shards.Get(user);
        var shard = lease.Shard;
        return await _freshness.ReadFreshAsync(shard, index =>
        {
            var (count, bytes, oldest, newest, tags) = index.Stats();
            return new UserStats(user, count, bytes, oldest, newest, tags, MemoryFiles.TrashCount(shard.Directory));
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_files.ListUsers());
    }

    /// <summary>How many users this replica holds open now (at most <see cref="StorageOptions.MaxOpenUsers"/> while idle).</summary>
    public int OpenUsers => _shards.OpenCount;

    /// <summary>Opens the user and brings its index up to date with the files: what the user's first request does.</summary>
    public async Task OpenUserAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        using var lease = _shards.Get(user);
        await _freshness.ReadFreshAsync(lease.Shard, _ => true, cancellationToken);
    }

    /// <summary>Nothing to prepare: users are opened on their first request, so a start does not wait for every user.</summary>
    Task IStorageMaintenance.WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Rebuilds one user's index from the files alone, dropping whatever it held.</summary>
    public async Task RebuildIndexAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        using var lease = _shards.Get(user);
        var shard = lease.Shard;
        await shard.Gate.WaitAsync(cancellationToken);
        try
        {
            shard.ResetIndex(delete: true);
            await _freshness.FullScanAsync(shard, cancellationToken);
        }
        finally
        {
            shard.Gate.Release();
        }
    }

    /// <summary>Writes every memory file of the user, verbatim, into a zip archive (<c>&lt;id&gt;.md</c> entries); returns how many.</summary>
    public Task<int> ExportAsync(string user, Stream destination, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(destination);
        return _files.ExportAsync(user, destination, cancellationToken);
    }

    /// <summary>Deletes trashed memories older than the retention period; returns how many.</summary>
    public int PurgeTrash() => _files.PurgeTrash();

    /// <summary>Deletes temporary files left by a crash (older than <see cref="StorageOptions.TempFileMaxAge"/>); returns how many.</summary>
    public int CleanTempFiles() => _files.CleanTempFiles();

    Task<int> IStorageMaintenance.PurgeTrashAsync(CancellationToken cancellationToken) => Task.FromResult(PurgeTrash());

    Task<int> IStorageMaintenance.CleanUpAsync(CancellationToken cancellationToken)
    {
        _shards.CloseIdle();
        return Task.FromResult(CleanTempFiles());
    }

    public void Dispose()
    {
        _embeddings.Dispose();
        _shards.Dispose();
    }

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());

    private static bool IsUnder(string path, string root)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }
}
