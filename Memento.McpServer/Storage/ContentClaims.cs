using System.Collections.Concurrent;

namespace Memento.McpServer.Storage;

/// <summary>
/// De-duplication across replicas: storing the same content twice returns the first memory. A store
/// claims its content's hash in its change log before writing the file, finds memories already holding
/// the content in the index or in the other replicas' claims, and when two replicas stored the same
/// content at the same moment keeps the older id (its twin).
/// </summary>
internal sealed class ContentClaims(MemoryFiles files, ReplicaFreshness freshness, ShardIndexer indexer)
{
    /// <summary>The memory holding exactly this content already, if any (the caller holds the content's write lock).</summary>
    public async Task<Memory?> FindAsync(UserShard shard, string hash, CancellationToken cancellationToken)
    {
        foreach (var id in await freshness.ReadFreshAsync(shard, index => index.IdsWithHash(hash), cancellationToken))
        {
            if (files.Read(shard.Directory, id) is { } memory)
            {
                return memory;
            }
        }

        if (!shard.Claims.Contains(hash))
        {
            return null;
        }

        await shard.Gate.WaitAsync(cancellationToken);
        try
        {
            return FindClaimed(shard, hash, cancellationToken);
        }
        finally
        {
            shard.Gate.Release();
        }
    }

    /// <summary>Announces that this replica is about to write <paramref name="id"/> with this content.</summary>
    /// <exception cref="StorageUnavailableException">The change log cannot be written, so neither can the memory.</exception>
    public static void Claim(UserShard shard, string hash, string id)
    {
        try
        {
            shard.Append(ChangeLog.Kind.Claimed, id, hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The memory could not be written: {e.Message}", e);
        }
    }

    /// <summary>
    /// After <paramref name="stored"/> was written: when another replica stored the same content at the same
    /// moment with an older id, this one's file is removed and the older memory returned; else null.
    /// </summary>
    public async Task<Memory?> ResolveTwinsAsync(UserShard shard, Memory stored, string hash, CancellationToken cancellationToken)
    {
        var twins = await freshness.ReadFreshAsync(shard, index => index.IdsWithHash(hash), cancellationToken);
        if (twins.Count <= 1 || twins[0] == stored.Id || files.Read(shard.Directory, twins[0]) is not { } earlier)
        {
            return null;
        }

        await shard.Gate.WaitAsync(cancellationToken);
        try
        {
            MemoryFiles.Delete(shard.Directory, stored.Id);
            shard.Forget(stored.Id);
            indexer.RecordChange(shard, stored.Id, deleted: true);
        }
        finally
        {
            shard.Gate.Release();
        }

        return earlier;
    }

    /// <summary>
    /// The memory another replica claimed for this content, when its file exists with this content but the
    /// index does not know it yet: written by a replica that stopped before logging the change. It is
    /// indexed and returned.
    /// </summary>
    private Memory? FindClaimed(UserShard shard, string hash, CancellationToken cancellationToken)
    {
        if (!shard.Claims.TryGet(hash, out var id)
            || files.Read(shard.Directory, id) is not { } memory
            || MemoryDocument.ContentHash(memory.Content, memory.Title, memory.Tags) != hash)
        {
            return null;
        }

        indexer.Reindex(shard, id, cancellationToken);
        indexer.RecordChange(shard, id, deleted: false);
        return memory;
    }
}

/// <summary>Content hash to the id another replica claimed for it, keeping the most recent claims only.</summary>
internal sealed class RecentClaims
{
    private const int Kept = 4096;
    private readonly ConcurrentDictionary<string, string> _claims = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(string hash) => _claims.ContainsKey(hash);

    public bool TryGet(string hash, out string id) => _claims.TryGetValue(hash, out id!);

    /// <summary>Called under the user's lock (the order queue is not thread-safe).</summary>
    public void Remember(string hash, string id)
    {
        if (_claims.TryAdd(hash, id))
        {
            _order.Enqueue(hash);
            if (_order.Count > Kept)
            {
                _claims.TryRemove(_order.Dequeue(), out _);
            }
        }
        else
        {
            _claims[hash] = id;
        }
    }
}
