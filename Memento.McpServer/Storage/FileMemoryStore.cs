using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Memento.McpServer.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>
/// <see cref="IMemoryStore"/> over Markdown files under a root folder that several processes may share,
/// with a per-instance SQLite FTS5 index that is a cache of those files. See <c>docs/storage.md</c>.
/// </summary>
public sealed partial class FileMemoryStore : IMemoryStore, IDisposable
{
    internal const string TrashFolder = ".trash";
    private const int ScanChunk = 1024;

    private readonly StorageOptions _options;
    private readonly SearchOptions _search;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddings;
    // Lazy: GetOrAdd may run its factory twice under a race, and a shard owns a SQLite connection.
    private readonly ConcurrentDictionary<string, Lazy<UserShard>> _users = new(StringComparer.Ordinal);
    private bool _disposed;

    public FileMemoryStore(
        StorageOptions options,
        SearchOptions search,
        ILogger<FileMemoryStore> logger,
        TimeProvider? time = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
    {
        _options = options;
        _search = search;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _embeddings = search.Embeddings != Embeddings.EmbeddingProvider.Off ? embeddings : null;
        Root = options.ResolveRoot();
        IndexDirectory = string.IsNullOrWhiteSpace(search.IndexPath) ? null : Path.GetFullPath(search.IndexPath);
        if (IndexDirectory is not null && IsUnder(IndexDirectory, Root))
        {
            throw new InvalidOperationException(
                $"{SearchOptions.SectionName}:IndexPath ({IndexDirectory}) is inside {StorageOptions.SectionName}:Root ({Root}); the index is a per-replica cache and must be on a local path.");
        }

        Directory.CreateDirectory(Root);
        InstanceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    }

    /// <summary>The storage root as a full path.</summary>
    public string Root { get; }

    /// <summary>The folder of the index files, or null when the index lives in memory.</summary>
    public string? IndexDirectory { get; }

    /// <summary>This instance's name in the change logs other replicas read.</summary>
    public string InstanceId { get; }

    /// <summary>Whether searches fuse BM25 with embeddings.</summary>
    public bool HybridSearch => _embeddings is not null;

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

        var shard = Shard(user);
        // Stores of the same content run one at a time (so the second finds the first); others look up,
        // write and flush side by side, and meet only to apply their index updates, together.
        var writes = shard.WriteLock(hash);
        await writes.WaitAsync(cancellationToken);
        try
        {
            if (await FindByHashAsync(shard, hash, cancellationToken) is { } existing)
            {
                activity?.SetTag("memento.created", false);
                return new StoreResult(existing, Created: false);
            }

            if (shard.Claims.ContainsKey(hash))
            {
                await shard.Gate.WaitAsync(cancellationToken);
                try
                {
                    if (await FindClaimedAsync(shard, hash, cancellationToken) is { } written)
                    {
                        activity?.SetTag("memento.created", false);
                        return new StoreResult(written, Created: false);
                    }
                }
                finally
                {
                    shard.Gate.Release();
                }
            }

            var now = created is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()) : Now();
            var stored = new Memory(MemoryIds.New(now), normalized.Title, normalized.Tags, now, now, normalized.Content, normalized.Source, normalized.Metadata);
            Claim(shard, hash, stored.Id);
            var file = WriteFile(shard, stored);
            await IndexWrittenAsync(shard, stored, hash, file, cancellationToken);

            // Another replica may have stored the same memory at the same moment: the older id wins.
            var twins = await ReadFreshAsync(shard, index => index.IdsWithHash(hash), cancellationToken);
            if (twins.Count > 1 && twins[0] != stored.Id && ReadFile(shard, twins[0]) is { } earlier)
            {
                await shard.Gate.WaitAsync(cancellationToken);
                try
                {
                    File.Delete(FilePath(shard, stored.Id));
                    shard.Index.Remove(stored.Id);
                    RecordChange(shard, stored.Id, deleted: true);
                }
                finally
                {
                    shard.Gate.Release();
                }

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
        return Task.FromResult(ReadFile(Shard(user), id));
    }

    public async Task<Memory> UpdateAsync(string user, string id, MemoryUpdate update, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        MemoryRules.ValidateId(id);
        ArgumentNullException.ThrowIfNull(update);
        using var activity = StorageTelemetry.Source.StartActivity("memento.update");
        activity?.SetTag("memento.user", user);

        var shard = Shard(user);
        var writes = shard.WriteLock(id);
        await writes.WaitAsync(cancellationToken);
        try
        {
            var current = ReadFile(shard, id) ?? throw new MemoryNotFoundException(id);
            var content = current.Content;
            if (update.Content is not null)
            {
                MemoryRules.CheckContent(update.Content, _options);
                content = update.Content;
            }

            var title = update.Title is null ? current.Title : MemoryRules.NormalizeTitle(update.Title, content, _options);
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
            var file = WriteFile(shard, changed);
            await IndexWrittenAsync(shard, changed, MemoryDocument.ContentHash(content, title, tags), file, cancellationToken);

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

        var shard = Shard(user);
        var writes = shard.WriteLock(id);
        await writes.WaitAsync(cancellationToken);
        try
        {
            var path = FilePath(shard, id);
            if (!File.Exists(path))
            {
                return false;
            }

            var trash = Path.Combine(shard.Directory, TrashFolder);
            var trashed = Path.Combine(trash, $"{Now().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}~{id}{MemoryDocument.Extension}");
            try
            {
                Directory.CreateDirectory(trash);
                File.Move(path, trashed, overwrite: true);
            }
            catch (FileNotFoundException)
            {
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageUnavailableException($"The memory could not be moved to the trash: {e.Message}", e);
            }

            await shard.Gate.WaitAsync(cancellationToken);
            try
            {
                shard.Index.Remove(id);
                RecordChange(shard, id, deleted: true);
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

    public async Task<Page<MemorySummary>> ListAsync(string user, ListQuery query, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(query.Limit);
        CheckRange(query.Since, query.Until);
        var shard = Shard(user);
        return await ReadFreshAsync(shard, index => index.List(query), cancellationToken);
    }

    public async Task<Page<SearchHit>> SearchAsync(string user, SearchQuery query, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(query.Limit);
        CheckRange(query.Since, query.Until);
        var terms = FtsQuery.Terms(query.Text);
        var anyWord = FtsQuery.Build(terms) ?? throw new MemoryValidationException("The query has no words to search for.");
        var everyWord = FtsQuery.Build(terms, everyWord: true)!;
        var (offset, cursorMode) = PageCursor.ParseSearch(query.Cursor, query.Text);
        var started = Stopwatch.GetTimestamp();
        using var activity = StorageTelemetry.Source.StartActivity("memento.search");
        activity?.SetTag("memento.user", user);

        var shard = Shard(user);
        float[]? queryVector = null;
        if (_embeddings is not null)
        {
            queryVector = (await _embeddings.GenerateAsync([query.Text], cancellationToken: cancellationToken))[0].Vector.ToArray();
        }

        try
        {
            var (hits, allWords) = await ReadFreshAsync(shard, index =>
            {
                if (queryVector is null)
                {
                    // Memories holding every word are what a person means; any word is the fallback when none does.
                    var every = cursorMode ?? true;
                    var found = index.Search(every ? everyWord : anyWord, terms, query, offset, query.Limit + 1);
                    if (cursorMode is null && found.Count == 0)
                    {
                        return (index.Search(anyWord, terms, query, offset, query.Limit + 1), false);
                    }

                    return (found, every);
                }

                var depth = Math.Max(_search.HybridCandidates, offset + query.Limit + 1);
                return (HybridRanking.Fuse(index.Search(anyWord, terms, query, 0, depth), index.Nearest(queryVector, query, depth), _search.FusionK)
                    .Skip(offset).Take(query.Limit + 1).ToList(), false);
            }, cancellationToken);

            var next = hits.Count > query.Limit ? PageCursor.ForSearch(offset + query.Limit, query.Text, allWords) : null;
            if (next is not null)
            {
                hits.RemoveAt(hits.Count - 1);
            }

            activity?.SetTag("memento.hits", hits.Count);
            activity?.SetTag("memento.search.every_word", allWords);
            return new Page<SearchHit>(hits, next);
        }
        finally
        {
            StorageTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    public async Task<UserStats> GetStatsAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        var shard = Shard(user);
        return await ReadFreshAsync(shard, index =>
        {
            var (count, bytes, oldest, newest, tags) = index.Stats();
            var trash = Path.Combine(shard.Directory, TrashFolder);
            var trashed = Directory.Exists(trash) ? Directory.EnumerateFiles(trash, "*" + MemoryDocument.Extension).Count() : 0;
            return new UserStats(user, count, bytes, oldest, newest, tags, trashed);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<string> users = Directory.Exists(Root)
            ? [.. Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(MemoryRules.IsValidUser).Order(StringComparer.Ordinal)]
            : [];
        return Task.FromResult(users);
    }

    /// <summary>Brings every user's index up to date with the files (at start-up, so the first requests are fast).</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        foreach (var user in await ListUsersAsync(cancellationToken))
        {
            var shard = Shard(user);
            await ReadFreshAsync(shard, _ => true, cancellationToken);
        }
    }

    /// <summary>Rebuilds one user's index from the files alone, dropping whatever it held.</summary>
    public async Task RebuildIndexAsync(string user, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        var shard = Shard(user);
        await shard.Gate.WaitAsync(cancellationToken);
        try
        {
            shard.ResetIndex(IndexFile(user), delete: true);
            await FullScanAsync(shard, cancellationToken);
        }
        finally
        {
            shard.Gate.Release();
        }
    }

    /// <summary>Writes every memory file of the user, verbatim, into a zip archive (<c>&lt;id&gt;.md</c> entries); returns how many.</summary>
    public async Task<int> ExportAsync(string user, Stream destination, CancellationToken cancellationToken = default)
    {
        MemoryRules.ValidateUser(user);
        ArgumentNullException.ThrowIfNull(destination);
        var directory = Path.Combine(Root, user);
        var count = 0;
        using var zip = new System.IO.Compression.ZipArchive(destination, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true);
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*" + MemoryDocument.Extension).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('.') || !MemoryRules.IsValidId(name[..^MemoryDocument.Extension.Length]))
            {
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(file, cancellationToken);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            var entry = zip.CreateEntry(name, System.IO.Compression.CompressionLevel.Optimal);
            entry.LastWriteTime = File.GetLastWriteTimeUtc(file);
            await using var stream = await entry.OpenAsync(cancellationToken);
            await stream.WriteAsync(bytes, cancellationToken);
            count++;
        }

        return count;
    }

    /// <summary>Deletes trashed memories older than the retention period; returns how many.</summary>
    public int PurgeTrash()
    {
        var cutoff = _time.GetUtcNow() - _options.TrashRetention;
        var purged = 0;
        foreach (var userDirectory in UserDirectories())
        {
            var trash = Path.Combine(userDirectory, TrashFolder);
            if (!Directory.Exists(trash))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(trash))
            {
                var name = Path.GetFileName(file);
                var stamp = name.Split('~', 2)[0];
                var deleted = DateTimeOffset.TryParseExact(stamp, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                    ? at
                    : new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
                if (deleted < cutoff && TryDelete(file))
                {
                    purged++;
                }
            }
        }

        if (purged > 0)
        {
            LogTrashPurged(purged);
        }

        return purged;
    }

    /// <summary>Deletes temporary files left by a crash (older than <see cref="StorageOptions.TempFileMaxAge"/>); returns how many.</summary>
    public int CleanTempFiles()
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - _options.TempFileMaxAge;
        var removed = 0;
        foreach (var userDirectory in UserDirectories())
        {
            foreach (var folder in new[] { userDirectory, ChangeLog.Folder(userDirectory) })
            {
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(folder, AtomicFile.TempPrefix + "*"))
                {
                    if (File.GetLastWriteTimeUtc(file) < cutoff && TryDelete(file))
                    {
                        removed++;
                    }
                }
            }

            // Earlier versions kept content claims as files; they are now lines of the change logs.
            var legacyClaims = Path.Combine(userDirectory, ".claims");
            if (Directory.Exists(legacyClaims))
            {
                try
                {
                    Directory.Delete(legacyClaims, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        if (removed > 0)
        {
            LogTempFilesRemoved(removed);
        }

        return removed;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var shard in _users.Values.Where(l => l.IsValueCreated).Select(l => l.Value))
        {
            shard.Dispose();
        }
    }

    /// <summary>Writes the memory's file (atomically, flushed when configured); returns its stamp for the index.</summary>
    private (long Ticks, long Length) WriteFile(UserShard shard, Memory memory)
    {
        var path = FilePath(shard, memory.Id);
        try
        {
            Directory.CreateDirectory(shard.Directory);
            AtomicFile.WriteAllText(path, MemoryDocument.Serialize(memory), _options.FlushToDisk, memory.Id);
            var info = new FileInfo(path);
            return (info.LastWriteTimeUtc.Ticks, info.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The memory could not be written: {e.Message}", e);
        }
    }

    /// <summary>
    /// Indexes a memory this instance just wrote and tells the other replicas. Writes that finish their
    /// files at the same time are applied together: whoever gets the user's lock first applies every
    /// index update waiting then, in one transaction, so a busy user's writes do not queue one by one
    /// behind the reads each index update has to wait for.
    /// </summary>
    private async Task IndexWrittenAsync(UserShard shard, Memory memory, string hash, (long Ticks, long Length) file, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(new IndexEntry(memory, hash, file.Ticks, file.Length), await EmbedAsync(memory, cancellationToken));
        shard.Pending.Enqueue(pending);
        // Once queued the update is applied even if this caller stops waiting: its file is written.
        await shard.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (!pending.Done.Task.IsCompleted)
            {
                ApplyPending(shard);
            }
        }
        finally
        {
            shard.Gate.Release();
        }

        await pending.Done.Task;
    }

    private void ApplyPending(UserShard shard)
    {
        var writes = new List<PendingWrite>();
        while (shard.Pending.TryDequeue(out var next))
        {
            writes.Add(next);
        }

        try
        {
            using (var batch = shard.Index.BeginBatch())
            {
                foreach (var write in writes)
                {
                    shard.Index.Upsert(write.Entry, write.Vector);
                }

                batch.Commit();
            }

            foreach (var write in writes)
            {
                RecordChange(shard, write.Entry.Memory.Id, deleted: false);
                write.Done.TrySetResult();
            }
        }
        catch (Exception e)
        {
            foreach (var write in writes)
            {
                write.Done.TrySetException(e);
            }
        }
    }

    private sealed record PendingWrite(IndexEntry Entry, float[]? Vector)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void RecordChange(UserShard shard, string id, bool deleted)
    {
        try
        {
            lock (shard.Log)
            {
                shard.Log.Append(deleted ? ChangeLog.Kind.Deleted : ChangeLog.Kind.Stored, id);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The memory itself is safe; other replicas pick it up at their next full rescan.
            LogChangeLogFailed(shard.User, e.Message);
        }
    }

    /// <summary>
    /// The memory another replica claimed for this content, when its file exists with this content but the
    /// index does not know it yet: written by a replica that stopped before logging the change. It is
    /// indexed and returned.
    /// </summary>
    private async Task<Memory?> FindClaimedAsync(UserShard shard, string hash, CancellationToken cancellationToken)
    {
        if (!shard.Claims.TryGetValue(hash, out var id)
            || ReadFile(shard, id) is not { } memory
            || MemoryDocument.ContentHash(memory.Content, memory.Title, memory.Tags) != hash)
        {
            return null;
        }

        await ReindexAsync(shard, id, cancellationToken);
        RecordChange(shard, id, deleted: false);
        return memory;
    }

    /// <summary>
    /// Brings the user's index up to date with the files (under the user's lock), then runs <paramref name="read"/>
    /// on one of the index's reader connections, beside other reads of the same user.
    /// </summary>
    private async Task<T> ReadFreshAsync<T>(UserShard shard, Func<IndexReader, T> read, CancellationToken cancellationToken)
    {
        var retried = false;
        while (true)
        {
            var index = shard.Index;
            var claimedRescan = false;
            try
            {
                if (retried || !IsFresh(shard, out claimedRescan))
                {
                    await shard.Gate.WaitAsync(cancellationToken);
                    try
                    {
                        await RefreshAsync(shard, cancellationToken);
                        index = shard.Index;
                    }
                    finally
                    {
                        shard.Gate.Release();
                    }
                }
            }
            finally
            {
                if (claimedRescan)
                {
                    shard.ReleaseRescan();
                }
            }

            try
            {
                return await index.ReadAsync(read, cancellationToken);
            }
            catch (ObjectDisposedException) when (!_disposed)
            {
                // The index was rebuilt meanwhile: wait for the rebuild under the lock, then read the new one.
                retried = true;
            }
        }
    }

    private static void Claim(UserShard shard, string hash, string id)
    {
        try
        {
            lock (shard.Log)
            {
                shard.Log.Append(ChangeLog.Kind.Claimed, id, hash);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The memory could not be written: {e.Message}", e);
        }
    }

    /// <summary>The memory holding exactly this content, on an index brought up to date with the files.</summary>
    private async Task<Memory?> FindByHashAsync(UserShard shard, string hash, CancellationToken cancellationToken)
    {
        foreach (var id in await ReadFreshAsync(shard, index => index.IdsWithHash(hash), cancellationToken))
        {
            if (ReadFile(shard, id) is { } memory)
            {
                return memory;
            }
        }

        return null;
    }

    private Memory? ReadFile(UserShard shard, string id)
    {
        var path = FilePath(shard, id);
        string text;
        DateTime written;
        try
        {
            written = File.GetLastWriteTimeUtc(path);
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return MemoryDocument.Parse(id, text, new DateTimeOffset(written, TimeSpan.Zero), _options.MaxTitleLength);
        }
        catch (FormatException e)
        {
            LogMalformed(path, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Whether the user's index is known to be up to date with the files without taking the user's lock:
    /// loaded, and no other replica's log moved since it was last read. This is the steady state, so reads
    /// of a user do not queue behind each other to find out. When the periodic comparison with the folder
    /// (for files edited by hand) is due, one request makes it (<paramref name="claimedRescan"/>, to be
    /// released) while the others go on, since the change logs carry every write made through a replica;
    /// with an interval of zero every request makes it.
    /// </summary>
    private bool IsFresh(UserShard shard, out bool claimedRescan)
    {
        claimedRescan = false;
        if (!shard.Loaded)
        {
            return false;
        }

        if (RescanDue(shard))
        {
            if (_options.RescanInterval <= TimeSpan.Zero)
            {
                return false;
            }

            if (shard.TryClaimRescan())
            {
                claimedRescan = true;
                return false;
            }
        }

        var seen = shard.Seen;
        return !OtherLogs(shard).Any(log => ChangeLog.HasMoved(log.Path, seen.GetValueOrDefault(log.Instance)));
    }

    private bool RescanDue(UserShard shard) => _time.GetUtcNow() - shard.LastFullScan >= _options.RescanInterval;

    private async Task RefreshAsync(UserShard shard, CancellationToken cancellationToken)
    {
        if (!shard.Loaded || RescanDue(shard))
        {
            await FullScanAsync(shard, cancellationToken);
            return;
        }

        await SyncChangeLogsAsync(shard, cancellationToken);
    }

    /// <summary>Applies what other replicas logged since this one last looked; rescans when it missed too much.</summary>
    private async Task SyncChangeLogsAsync(UserShard shard, CancellationToken cancellationToken)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        var gap = false;
        var seen = new Dictionary<string, ChangeLog.Position>(shard.Seen, StringComparer.Ordinal);
        foreach (var (instance, path) in OtherLogs(shard))
        {
            if (ChangeLog.Read(path, seen.GetValueOrDefault(instance)) is not { } update)
            {
                continue;
            }

            gap |= update.Gap;
            foreach (var change in update.Changes)
            {
                if (change.Kind == ChangeLog.Kind.Claimed)
                {
                    shard.RememberClaim(change.Hash!, change.Id);
                }
                else
                {
                    changed.Add(change.Id);
                }
            }

            seen[instance] = update.Next;
        }

        shard.Seen = seen;

        if (gap)
        {
            await FullScanAsync(shard, cancellationToken);
            return;
        }

        if (changed.Count == 0)
        {
            return;
        }

        using (var batch = shard.Index.BeginBatch())
        {
            foreach (var id in changed)
            {
                await ReindexAsync(shard, id, cancellationToken);
            }

            batch.Commit();
        }

        StorageTelemetry.IndexRefreshes.Add(1, new KeyValuePair<string, object?>("memento.refresh.kind", "changes"));
    }

    /// <summary>Compares every memory file of the user with the index and applies the differences.</summary>
    private async Task FullScanAsync(UserShard shard, CancellationToken cancellationToken)
    {
        using var activity = StorageTelemetry.Source.StartActivity("memento.index.rescan");
        activity?.SetTag("memento.user", shard.User);

        // Sequences first: anything logged after this point is applied again at the next request.
        var positions = ReadPositions(shard);

        // Compare the folder with the index while searches go on (this runs under the user's lock, so the
        // index does not change meanwhile); only applying the differences holds the index for itself. The
        // comparison takes about 0.1 s over 13,000 unchanged files.
        var stamps = shard.Index.FileStamps();
        var changed = new List<(string Id, string Path, (long Ticks, long Length) Stamp)>();
        if (Directory.Exists(shard.Directory))
        {
            // In id order (ids follow creation time), so that row ids, which break ties between equal
            // search scores, follow it too, the same way on every replica.
            var files = new DirectoryInfo(shard.Directory).GetFiles("*" + MemoryDocument.Extension);
            Array.Sort(files, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = file.Name;
                if (name.StartsWith('.'))
                {
                    continue;
                }

                var id = name[..^MemoryDocument.Extension.Length];
                if (!MemoryRules.IsValidId(id))
                {
                    if (shard.Warned.Add(name))
                    {
                        LogBadFileName(file.FullName);
                    }

                    continue;
                }

                var stamp = (file.LastWriteTimeUtc.Ticks, file.Length);
                if (stamps.Remove(id, out var known) && known == stamp)
                {
                    continue;
                }

                changed.Add((id, file.FullName, stamp));
            }
        }

        if (changed.Count > 0 || stamps.Count > 0)
        {
            using var batch = shard.Index.BeginBatch();
            foreach (var chunk in changed.Chunk(ScanChunk))
            {
                await IndexFilesAsync(shard, chunk, cancellationToken);
            }

            foreach (var gone in stamps.Keys)
            {
                shard.Index.Remove(gone);
            }

            batch.Commit();
        }

        shard.Seen = positions;
        shard.Loaded = true;
        shard.LastFullScan = _time.GetUtcNow();
        activity?.SetTag("memento.files_indexed", changed.Count);
        StorageTelemetry.IndexRefreshes.Add(1, new KeyValuePair<string, object?>("memento.refresh.kind", "full"));
        PruneChangeLogs(shard);
    }

    private async Task ReindexAsync(UserShard shard, string id, CancellationToken cancellationToken)
    {
        var info = new FileInfo(FilePath(shard, id));
        if (!info.Exists)
        {
            shard.Index.Remove(id);
            return;
        }

        var stamp = (info.LastWriteTimeUtc.Ticks, info.Length);
        if (shard.Index.FileStamp(id) != stamp)
        {
            await IndexFileAsync(shard, id, info.FullName, stamp, cancellationToken);
        }
    }

    private Task IndexFileAsync(UserShard shard, string id, string path, (long Ticks, long Length) stamp, CancellationToken cancellationToken) =>
        ApplyAsync(shard, id, path, stamp, Load(id, path, stamp), cancellationToken);

    /// <summary>Reads and parses files on every core (the expensive part of a scan), then indexes them in order.</summary>
    private async Task IndexFilesAsync(UserShard shard, IReadOnlyList<(string Id, string Path, (long Ticks, long Length) Stamp)> files, CancellationToken cancellationToken)
    {
        var loaded = new (Memory? Memory, string? Hash, Exception? Error)[files.Count];
        if (files.Count >= 64)
        {
            Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => loaded[i] = Load(files[i].Id, files[i].Path, files[i].Stamp));
        }
        else
        {
            for (var i = 0; i < files.Count; i++)
            {
                loaded[i] = Load(files[i].Id, files[i].Path, files[i].Stamp);
            }
        }

        for (var i = 0; i < files.Count; i++)
        {
            await ApplyAsync(shard, files[i].Id, files[i].Path, files[i].Stamp, loaded[i], cancellationToken);
        }
    }

    private (Memory? Memory, string? Hash, Exception? Error) Load(string id, string path, (long Ticks, long Length) stamp)
    {
        try
        {
            // Small files: a synchronous read is several times cheaper than an async one, and scans read thousands.
            var text = File.ReadAllText(path, Encoding.UTF8);
            var memory = MemoryDocument.Parse(id, text, new DateTimeOffset(stamp.Ticks, TimeSpan.Zero), _options.MaxTitleLength);
            return (memory, MemoryDocument.ContentHash(memory.Content, memory.Title, memory.Tags), null);
        }
        catch (Exception e) when (e is FormatException or IOException or DecoderFallbackException or UnauthorizedAccessException)
        {
            return (null, null, e);
        }
    }

    private async Task ApplyAsync(UserShard shard, string id, string path, (long Ticks, long Length) stamp, (Memory? Memory, string? Hash, Exception? Error) loaded, CancellationToken cancellationToken)
    {
        if (loaded.Memory is null)
        {
            shard.Index.Remove(id);
            if (loaded.Error is not (FileNotFoundException or DirectoryNotFoundException) && shard.Warned.Add($"{id}@{stamp.Ticks}"))
            {
                LogMalformed(path, loaded.Error?.Message ?? "unreadable");
            }

            return;
        }

        var vector = await EmbedAsync(loaded.Memory, cancellationToken);
        shard.Index.Upsert(new IndexEntry(loaded.Memory, loaded.Hash!, stamp.Ticks, stamp.Length), vector);
    }

    private async Task<float[]?> EmbedAsync(Memory memory, CancellationToken cancellationToken)
    {
        if (_embeddings is null)
        {
            return null;
        }

        var embeddings = await _embeddings.GenerateAsync([memory.Title + "\n" + memory.Content], cancellationToken: cancellationToken);
        return embeddings[0].Vector.ToArray();
    }

    /// <summary>Where each other replica's log ends now, remembering the claims in them (a claimed file may be written after the scan).</summary>
    private Dictionary<string, ChangeLog.Position> ReadPositions(UserShard shard)
    {
        var result = new Dictionary<string, ChangeLog.Position>(StringComparer.Ordinal);
        foreach (var (instance, path) in OtherLogs(shard))
        {
            if (ChangeLog.Read(path, default) is { } log)
            {
                foreach (var claim in log.Changes.Where(c => c.Kind == ChangeLog.Kind.Claimed))
                {
                    shard.RememberClaim(claim.Hash!, claim.Id);
                }

                result[instance] = log.Next;
            }
        }

        return result;
    }

    private void PruneChangeLogs(UserShard shard)
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - _options.ChangeLogRetention;
        foreach (var (_, path) in OtherLogs(shard))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff)
            {
                TryDelete(path);
            }
        }
    }

    /// <summary>The other replicas' change logs of a user (not this instance's, not temporary files); none before the first write.</summary>
    private List<(string Instance, string Path)> OtherLogs(UserShard shard)
    {
        string[] paths;
        try
        {
            paths = Directory.GetFiles(ChangeLog.Folder(shard.Directory));
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        var logs = new List<(string, string)>(paths.Length);
        foreach (var path in paths)
        {
            var instance = Path.GetFileName(path);
            if (instance != InstanceId && !instance.StartsWith('.'))
            {
                logs.Add((instance, path));
            }
        }

        return logs;
    }

    private UserShard Shard(string user)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _users.GetOrAdd(user, u => new Lazy<UserShard>(() => new UserShard(u, Path.Combine(Root, u), IndexFile(u), new ChangeLog.Writer(Path.Combine(Root, u), InstanceId, _options.ChangeLogRewriteAt)))).Value;
    }

    private string? IndexFile(string user) => IndexDirectory is null ? null : Path.Combine(IndexDirectory, user + ".db");

    private static string FilePath(UserShard shard, string id) => Path.Combine(shard.Directory, id + MemoryDocument.Extension);

    private IEnumerable<string> UserDirectories() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Where(d => MemoryRules.IsValidUser(Path.GetFileName(d)))
            : [];

    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
    }

    private static void CheckLimit(int limit)
    {
        if (limit is < 1 or > 100)
        {
            throw new MemoryValidationException($"The limit is {limit}; ask for 1 to 100 results at a time and page with the cursor.");
        }
    }

    private static void CheckRange(DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } s && until is { } u && u <= s)
        {
            throw new MemoryValidationException("'until' must be later than 'since'.");
        }
    }

    private static bool IsUnder(string path, string root)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the memory file {Path}: {Reason}")]
    private partial void LogMalformed(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Path}: the file name is not a valid memory id (A-Z, a-z, 0-9, '.', '_', '-').")]
    private partial void LogBadFileName(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the change log of user {User}: {Reason}")]
    private partial void LogChangeLogFailed(string user, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} memories from the trash")]
    private partial void LogTrashPurged(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} temporary files left by an interrupted write")]
    private partial void LogTempFilesRemoved(int count);

    /// <summary>One user's index and what this instance knows about the other replicas' changes.</summary>
    private sealed class UserShard(string user, string directory, string? indexFile, ChangeLog.Writer log) : IDisposable
    {
        private const int ClaimsKept = 4096;
        private readonly Queue<string> _claimOrder = new();

        public string User { get; } = user;

        public string Directory { get; } = directory;

        private readonly SemaphoreSlim[] _writeLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

        /// <summary>
        /// Held by a store from start to end (keyed by its content hash), or by an update or delete (keyed by
        /// the memory id): the same content, or the same memory, is written by one call at a time.
        /// </summary>
        public SemaphoreSlim WriteLock(string key) => _writeLocks[(key.GetHashCode() & int.MaxValue) % _writeLocks.Length];

        /// <summary>Held while the index or what this instance knows of the other replicas changes (short).</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public MemoryIndex Index { get; private set; } = MemoryIndex.Open(indexFile);

        private volatile bool _loaded;
        private long _lastFullScanTicks;
        private int _rescanClaimed;

        /// <summary>True for the one caller that is to make the due periodic rescan, until it calls <see cref="ReleaseRescan"/>.</summary>
        public bool TryClaimRescan() => Interlocked.CompareExchange(ref _rescanClaimed, 1, 0) == 0;

        public void ReleaseRescan() => Volatile.Write(ref _rescanClaimed, 0);

        // Read without the lock by the fast freshness check; changed under it, Seen only by replacement.
        public bool Loaded { get => _loaded; set => _loaded = value; }

        public DateTimeOffset LastFullScan
        {
            get => new(Volatile.Read(ref _lastFullScanTicks), TimeSpan.Zero);
            set => Volatile.Write(ref _lastFullScanTicks, value.UtcTicks);
        }

        public IReadOnlyDictionary<string, ChangeLog.Position> Seen { get; set; } = new Dictionary<string, ChangeLog.Position>(StringComparer.Ordinal);

        public ChangeLog.Writer Log { get; } = log;

        /// <summary>Content hash to the id another replica claimed for it (the most recent claims only).</summary>
        public ConcurrentDictionary<string, string> Claims { get; } = new(StringComparer.Ordinal);

        /// <summary>Index updates of written files waiting to be applied (see <c>IndexWrittenAsync</c>).</summary>
        public ConcurrentQueue<PendingWrite> Pending { get; } = new();

        public HashSet<string> Warned { get; } = new(StringComparer.Ordinal);

        public void RememberClaim(string hash, string id)
        {
            if (Claims.TryAdd(hash, id))
            {
                _claimOrder.Enqueue(hash);
                if (_claimOrder.Count > ClaimsKept)
                {
                    Claims.TryRemove(_claimOrder.Dequeue(), out _);
                }
            }
            else
            {
                Claims[hash] = id;
            }
        }

        public void ResetIndex(string? indexFile, bool delete)
        {
            Index.Dispose();
            if (delete && indexFile is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var file in new[] { indexFile, indexFile + "-wal", indexFile + "-shm" })
                {
                    File.Delete(file);
                }
            }

            Index = MemoryIndex.Open(indexFile);
            Loaded = false;
            Seen = new Dictionary<string, ChangeLog.Position>(StringComparer.Ordinal);
            Warned.Clear();
        }

        public void Dispose()
        {
            Index.Dispose();
            Gate.Dispose();
            foreach (var writeLock in _writeLocks)
            {
                writeLock.Dispose();
            }
        }
    }
}
