using Memento.McpServer.Search;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>
/// Keeps a user's local index in step with the files: the memories this replica writes (announced in its
/// change log for the others) and the files a scan finds changed.
/// </summary>
internal sealed partial class ShardIndexer(MemoryFiles files, MemoryEmbeddings embeddings, ILogger logger)
{
    private readonly ILogger _logger = logger;

    /// <summary>Where the vector work stands as a scan begins.</summary>
    public Embeddings.VectorProgress? CurrentVectorProgress() => embeddings.Progress();

    /// <summary>Logs when the vectors of the <paramref name="count"/> memories a scan found are ready, for a scan of at least 1,000.</summary>
    public void ReportVectorsWhenReady(UserShard shard, int count, Embeddings.VectorProgress? since)
    {
        if (shard.Vectors is not null && count >= 1000 && since is { } started)
        {
            embeddings.ReportWhenReady(shard.User, count, started);
        }
    }

    /// <summary>
    /// Indexes a memory this instance just wrote and tells the other replicas. Writes that finish their
    /// files at the same time are applied together: whoever gets the user's lock first applies every
    /// index update waiting then, in one transaction, so a busy user's writes do not queue one by one
    /// behind the reads each index update has to wait for.
    /// </summary>
    public async Task IndexWrittenAsync(UserShard shard, Memory memory, string hash, (long Ticks, long Length) file, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(new IndexEntry(memory, hash, file.Ticks, file.Length));
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
        // Findable by words from now on, by meaning once the background worker has made its vector.
        if (shard.Vectors is { } vectors)
        {
            embeddings.Schedule(vectors, shard.User, memory.Id, hash, memory.Title, memory.Content, writtenHere: true, memory.Updated);
        }
    }

    /// <summary>Tells the other replicas that a memory was stored or deleted here; a failure costs them only a later rescan.</summary>
    public void RecordChange(UserShard shard, string id, bool deleted)
    {
        try
        {
            shard.Append(deleted ? ChangeLog.Kind.Deleted : ChangeLog.Kind.Stored, id);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The memory itself is safe; other replicas pick it up at their next full rescan.
            LogChangeLogFailed(shard.User, e.Message);
        }
    }

    /// <summary>
    /// Asks for the vector of a memory the index holds already and the user's vectors lack: it is read
    /// back from the vector store, and made from the file (read only then) when nobody has made it.
    /// </summary>
    public bool ScheduleVectorOf(UserShard shard, string id, string path, IndexedFile indexed)
    {
        if (shard.Vectors is not { } vectors || vectors.Has(id, indexed.Hash))
        {
            return false;
        }

        embeddings.Schedule(vectors, shard.User, id, indexed.Hash, () =>
            {
                // The file changed since (the next scan gives it its own job) or is gone: nothing to embed.
                var loaded = files.Load(id, path, indexed.Stamp);
                return loaded.Memory is { } memory && loaded.Hash == indexed.Hash ? MemoryEmbeddings.TextOf(memory.Title, memory.Content) : null;
            },
            new DateTimeOffset(indexed.Stamp.Ticks, TimeSpan.Zero));
        return true;
    }

    /// <summary>Indexes the memory's file as it is now, or drops it from the index when the file is gone (under the user's lock).</summary>
    public void Reindex(UserShard shard, string id, CancellationToken cancellationToken)
    {
        var info = new FileInfo(MemoryFiles.PathOf(shard.Directory, id));
        if (!info.Exists)
        {
            shard.Forget(id);
            return;
        }

        var stamp = (info.LastWriteTimeUtc.Ticks, info.Length);
        if (shard.Index.FileStamp(id) != stamp)
        {
            Apply(shard, id, info.FullName, stamp, files.Load(id, info.FullName, stamp), cancellationToken);
        }
    }

    /// <summary>Reads and parses files on every core (the expensive part of a scan), then indexes them in order.</summary>
    public void IndexFiles(UserShard shard, IReadOnlyList<(string Id, string Path, (long Ticks, long Length) Stamp)> found, CancellationToken cancellationToken)
    {
        var loaded = new (Memory? Memory, string? Hash, Exception? Error)[found.Count];
        if (found.Count >= 64)
        {
            Parallel.For(0, found.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => loaded[i] = files.Load(found[i].Id, found[i].Path, found[i].Stamp));
        }
        else
        {
            for (var i = 0; i < found.Count; i++)
            {
                loaded[i] = files.Load(found[i].Id, found[i].Path, found[i].Stamp);
            }
        }

        for (var i = 0; i < found.Count; i++)
        {
            Apply(shard, found[i].Id, found[i].Path, found[i].Stamp, loaded[i], cancellationToken);
        }
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
                    shard.Index.Upsert(write.Entry);
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

    private void Apply(UserShard shard, string id, string path, (long Ticks, long Length) stamp, (Memory? Memory, string? Hash, Exception? Error) loaded, CancellationToken cancellationToken)
    {
        if (loaded.Memory is null)
        {
            shard.Forget(id);
            if (loaded.Error is not (FileNotFoundException or DirectoryNotFoundException) && shard.Warned.Add($"{id}@{stamp.Ticks}"))
            {
                files.LogMalformed(path, loaded.Error?.Message ?? "unreadable");
            }

            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        shard.Index.Upsert(new IndexEntry(loaded.Memory, loaded.Hash!, stamp.Ticks, stamp.Length));
        if (shard.Vectors is { } vectors)
        {
            // Another replica, an earlier run or a hand edit wrote this file: its vector is looked up
            // in the background (and made only when nobody has made it).
            embeddings.Schedule(vectors, shard.User, id, loaded.Hash!, loaded.Memory.Title, loaded.Memory.Content,
                writtenHere: false, new DateTimeOffset(stamp.Ticks, TimeSpan.Zero));
        }
    }

    /// <summary>A written memory's index update, waiting for whoever applies the batch it is in.</summary>
    public sealed record PendingWrite(IndexEntry Entry)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the change log of user {User}: {Reason}")]
    private partial void LogChangeLogFailed(string user, string reason);
}
