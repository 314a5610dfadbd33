using System.Collections.Concurrent;

namespace Memento.McpServer.Storage;

/// <summary>
/// One user as this replica holds it: the user's folder, the local index of its files, the locks that order
/// its writes, and what this replica knows of the other replicas' changes. Opened on first use.
/// </summary>
internal sealed class UserShard(string user, string directory, string? indexFile, ChangeLog.Writer log, Embeddings.VectorSet? vectors = null) : IDisposable
{
    private readonly SemaphoreSlim[] _writeLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private volatile bool _loaded;
    private long _lastFullScanTicks;
    private int _rescanClaimed;

    public string User { get; } = user;

    public string Directory { get; } = directory;

    /// <summary>The index file, or null when the index lives in memory.</summary>
    public string? IndexFile { get; } = indexFile;

    /// <summary>
    /// Held by a store from start to end (keyed by its content hash), or by an update or delete (keyed by
    /// the memory id): the same content, or the same memory, is written by one call at a time.
    /// </summary>
    public SemaphoreSlim WriteLock(string key) => _writeLocks[(key.GetHashCode() & int.MaxValue) % _writeLocks.Length];

    /// <summary>Held while the index or what this instance knows of the other replicas changes (short).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public MemoryIndex Index { get; private set; } = MemoryIndex.Open(indexFile);

    /// <summary>The vectors of the user's memories this replica has (made or loaded in the background), or null when embeddings are off.</summary>
    public Embeddings.VectorSet? Vectors { get; } = vectors;

    /// <summary>Takes a memory out of the index and its vector out of memory (under <see cref="Gate"/>).</summary>
    public void Forget(string id)
    {
        Index.Remove(id);
        Vectors?.Remove(id);
    }

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

    /// <summary>Where each other replica's change log was when this replica last applied it.</summary>
    public IReadOnlyDictionary<string, ChangeLog.Position> Seen { get; set; } = new Dictionary<string, ChangeLog.Position>(StringComparer.Ordinal);

    /// <summary>This replica's change log for the user, which the other replicas read.</summary>
    public ChangeLog.Writer Log { get; } = log;

    /// <summary>Content hash to the id another replica claimed for it (the most recent claims only).</summary>
    public RecentClaims Claims { get; } = new();

    /// <summary>Index updates of written files waiting to be applied (see <see cref="ShardIndexer.IndexWrittenAsync"/>).</summary>
    public ConcurrentQueue<ShardIndexer.PendingWrite> Pending { get; } = new();

    /// <summary>Files already warned about, so a bad file is logged once rather than at every scan.</summary>
    public HashSet<string> Warned { get; } = new(StringComparer.Ordinal);

    /// <summary>Appends a line to this replica's change log (one writer at a time).</summary>
    public void Append(ChangeLog.Kind kind, string id, string? hash = null)
    {
        lock (Log)
        {
            Log.Append(kind, id, hash);
        }
    }

    /// <summary>Drops the index (and its file, when <paramref name="delete"/>) for an empty one: the next read rescans the folder.</summary>
    public void ResetIndex(bool delete)
    {
        Index.Dispose();
        if (delete && IndexFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { IndexFile, IndexFile + "-wal", IndexFile + "-shm" })
            {
                File.Delete(file);
            }
        }

        Index = MemoryIndex.Open(IndexFile);
        Vectors?.Clear();
        Loaded = false;
        Seen = new Dictionary<string, ChangeLog.Position>(StringComparer.Ordinal);
        Warned.Clear();
    }

    public void Dispose()
    {
        Vectors?.Close();
        Index.Dispose();
        Gate.Dispose();
        foreach (var writeLock in _writeLocks)
        {
            writeLock.Dispose();
        }
    }
}
