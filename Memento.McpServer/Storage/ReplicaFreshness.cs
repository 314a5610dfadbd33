namespace Memento.McpServer.Storage;

/// <summary>
/// The cross-replica freshness protocol, beside <see cref="ChangeLog"/>: before a read, a user's index is
/// brought up to date with what the other replicas logged (one stat per replica in the steady state), and
/// compared in full with the folder when it was never loaded, when a log has a gap, or periodically (to
/// pick up files edited by hand).
/// </summary>
internal sealed class ReplicaFreshness(StorageOptions options, TimeProvider time, string instanceId, MemoryFiles files, ShardIndexer indexer, Func<bool> closed)
{
    private const int ScanChunk = 1024;

    /// <summary>
    /// Brings the user's index up to date with the files (under the user's lock), then runs <paramref name="read"/>
    /// on one of the index's reader connections, beside other reads of the same user.
    /// </summary>
    public async Task<T> ReadFreshAsync<T>(UserShard shard, Func<IndexReader, T> read, CancellationToken cancellationToken)
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
                    // Once begun, a refresh runs to its end even when this caller stops waiting: the scan that
                    // opens a user of 100,000 memories can outlast a tool call's time limit, and stopping it
                    // would throw its work away for the next request to start again.
                    await Task.Run(() => RefreshUnderLockAsync(shard), CancellationToken.None).WaitAsync(cancellationToken);
                    index = shard.Index;
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
            catch (ObjectDisposedException) when (!closed())
            {
                // The index was rebuilt meanwhile: wait for the rebuild under the lock, then read the new one.
                retried = true;
            }
        }
    }

    private async Task RefreshUnderLockAsync(UserShard shard)
    {
        await shard.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (!closed())
            {
                await RefreshAsync(shard, CancellationToken.None);
            }
        }
        catch (ObjectDisposedException) when (closed())
        {
            // The store closed under the refresh; nobody waits for it.
        }
        finally
        {
            shard.Gate.Release();
        }
    }

    /// <summary>Compares every memory file of the user with the index and applies the differences (under the user's lock).</summary>
    public async Task FullScanAsync(UserShard shard, CancellationToken cancellationToken)
    {
        using var activity = StorageTelemetry.Source.StartActivity("memento.index.rescan");
        activity?.SetTag("memento.user", shard.User);

        // Sequences first: anything logged after this point is applied again at the next request.
        var positions = ReadPositions(shard);
        var progress = indexer.CurrentVectorProgress();

        // Compare the folder with the index while searches go on (this runs under the user's lock, so the
        // index does not change meanwhile); only applying the differences holds the index for itself. The
        // comparison takes about 0.1 s over 13,000 unchanged files.
        var stamps = shard.Index.FileStamps();
        var changed = new List<(string Id, string Path, (long Ticks, long Length) Stamp)>();
        var lookups = 0;
        foreach (var file in files.Scan(shard.Directory, shard.Warned, cancellationToken))
        {
            if (stamps.Remove(file.Id, out var known) && known.Stamp == file.Stamp)
            {
                // Indexed already (an index file kept from an earlier run, or a user opened again): only
                // its vector may be missing from this process.
                lookups += indexer.ScheduleVectorOf(shard, file.Id, file.Path, known) ? 1 : 0;
                continue;
            }

            changed.Add(file);
        }

        if (changed.Count > 0 || stamps.Count > 0)
        {
            using var batch = shard.Index.BeginBatch();
            foreach (var chunk in changed.Chunk(ScanChunk))
            {
                indexer.IndexFiles(shard, chunk, cancellationToken);
            }

            foreach (var gone in stamps.Keys)
            {
                shard.Forget(gone);
            }

            batch.Commit();
        }

        indexer.ReportVectorsWhenReady(shard, changed.Count + lookups, progress);
        shard.Seen = positions;
        shard.Loaded = true;
        shard.LastFullScan = time.GetUtcNow();
        activity?.SetTag("memento.files_indexed", changed.Count);
        StorageTelemetry.IndexRefreshes.Add(1, new KeyValuePair<string, object?>("memento.refresh.kind", "full"));
        PruneChangeLogs(shard);
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
            if (options.RescanInterval <= TimeSpan.Zero)
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
        return !OtherLogs(shard).Any(log => ChangeLog.HasMoved(options.FileSystem, log.Path, seen.GetValueOrDefault(log.Instance)));
    }

    private bool RescanDue(UserShard shard) => time.GetUtcNow() - shard.LastFullScan >= options.RescanInterval;

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
            if (ChangeLog.Read(options.FileSystem, path, seen.GetValueOrDefault(instance)) is not { } update)
            {
                continue;
            }

            gap |= update.Gap;
            foreach (var change in update.Changes)
            {
                if (change.Kind == ChangeLog.Kind.Claimed)
                {
                    shard.Claims.Remember(change.Hash!, change.Id);
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
                indexer.Reindex(shard, id, cancellationToken);
            }

            batch.Commit();
        }

        StorageTelemetry.IndexRefreshes.Add(1, new KeyValuePair<string, object?>("memento.refresh.kind", "changes"));
    }

    /// <summary>Where each other replica's log ends now, remembering the claims in them (a claimed file may be written after the scan).</summary>
    private Dictionary<string, ChangeLog.Position> ReadPositions(UserShard shard)
    {
        var result = new Dictionary<string, ChangeLog.Position>(StringComparer.Ordinal);
        foreach (var (instance, path) in OtherLogs(shard))
        {
            if (ChangeLog.Read(options.FileSystem, path, default) is { } log)
            {
                foreach (var claim in log.Changes.Where(c => c.Kind == ChangeLog.Kind.Claimed))
                {
                    shard.Claims.Remember(claim.Hash!, claim.Id);
                }

                result[instance] = log.Next;
            }
        }

        return result;
    }

    private void PruneChangeLogs(UserShard shard)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - options.ChangeLogRetention;
        foreach (var (_, path) in OtherLogs(shard))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff)
            {
                MemoryFiles.TryDelete(path);
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
            if (instance != instanceId && !instance.StartsWith('.'))
            {
                logs.Add((instance, path));
            }
        }

        return logs;
    }
}
