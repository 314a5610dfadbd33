namespace Memento.McpServer.Storage;

/// <summary>
/// The users this replica holds open, each opened on first use and closed again when idle: beyond
/// <see cref="StorageOptions.MaxOpenUsers"/> the least recently used idle user is closed, and so is any
/// user unused for <see cref="StorageOptions.UserIdleTimeout"/>. A user in use (leased) is never closed.
/// Closing loses nothing: the files are the truth, and a user opened again rescans its folder and reads
/// the other replicas' change logs from their start, and its vectors are loaded again from where they
/// are persisted (a closed user's vectors leave memory with it).
/// </summary>
internal sealed class UserShards : IDisposable
{
    private readonly string _root;
    private readonly string? _indexDirectory;
    private readonly string _instanceId;
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<Embeddings.VectorSet?>? _newVectorSet;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    // Most recently leased or released first; exactly the entries in _open.
    private readonly LinkedList<Entry> _recency = new();
    private bool _disposed;

    public UserShards(string root, string? indexDirectory, string instanceId, StorageOptions options, TimeProvider time, Func<Embeddings.VectorSet?>? newVectorSet = null)
    {
        _newVectorSet = newVectorSet;
        _root = root;
        _indexDirectory = indexDirectory;
        _instanceId = instanceId;
        _options = options;
        _time = time;
    }

    public bool Disposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>How many users are open now.</summary>
    public int OpenCount
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>The user's shard, opened now when it is not open, held open until the lease is disposed. The user id is validated by the caller.</summary>
    public Lease Get(string user)
    {
        Entry entry;
        List<Entry> closing;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open.TryGetValue(user, out var known))
            {
                entry = known;
                _recency.Remove(entry.Node);
            }
            else
            {
                entry = new Entry(user, this);
                _open.Add(user, entry);
            }

            _recency.AddFirst(entry.Node);
            entry.Leases++;
            entry.LastUsed = _time.GetUtcNow();
            closing = TakeClosable();
        }

        Close(closing);
        try
        {
            // Opened outside the lock (a SQLite open, a file index may be recreated); others leasing it wait here.
            _ = entry.Shard;
        }
        catch
        {
            Release(entry, forget: true);
            throw;
        }

        return new Lease(this, entry);
    }

    /// <summary>Closes the users unused for longer than the idle timeout (also done on every lease).</summary>
    public void CloseIdle()
    {
        List<Entry> closing;
        lock (_gate)
        {
            closing = TakeClosable();
        }

        Close(closing);
    }

    public void Dispose()
    {
        List<Entry> all;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _open.Values];
            _open.Clear();
            _recency.Clear();
        }

        Close(all);
    }

    private void Release(Entry entry, bool forget = false)
    {
        List<Entry> closing;
        lock (_gate)
        {
            entry.Leases--;
            entry.LastUsed = _time.GetUtcNow();
            if (_open.TryGetValue(entry.User, out var current) && current == entry)
            {
                _recency.Remove(entry.Node);
                if (forget && entry.Leases == 0)
                {
                    _open.Remove(entry.User);
                }
                else
                {
                    _recency.AddFirst(entry.Node);
                }
            }

            closing = TakeClosable();
        }

        Close(closing);
    }

    /// <summary>Removes the users to close from the table (under the lock): idle ones past the bound, and any unused past the timeout.</summary>
    private List<Entry> TakeClosable()
    {
        var closing = new List<Entry>();
        var idleBefore = _options.UserIdleTimeout > TimeSpan.Zero ? _time.GetUtcNow() - _options.UserIdleTimeout : DateTimeOffset.MinValue;
        var node = _recency.Last;
        while (node is not null)
        {
            var entry = node.Value;
            var previous = node.Previous;
            var overBound = _open.Count > _options.MaxOpenUsers;
            if (!overBound && entry.LastUsed >= idleBefore)
            {
                // Everything before this one was used more recently.
                break;
            }

            if (entry.Leases == 0 && !entry.Busy)
            {
                _open.Remove(entry.User);
                _recency.Remove(node);
                closing.Add(entry);
            }

            node = previous;
        }

        return closing;
    }

    private static void Close(List<Entry> entries)
    {
        foreach (var entry in entries)
        {
            entry.Close();
        }
    }

    private UserShard Open(string user)
    {
        var directory = Path.Combine(_root, user);
        var indexFile = _indexDirectory is null ? null : Path.Combine(_indexDirectory, user + ".db");
        return new UserShard(user, directory, indexFile, new ChangeLog.Writer(directory, _instanceId, _options.ChangeLogRewriteAt, _options.FileSystem), _newVectorSet?.Invoke());
    }

    /// <summary>A user held open for one operation: dispose it when the operation is done.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly UserShards _owner;
        private readonly Entry _entry;
        private int _released;

        internal Lease(UserShards owner, Entry entry)
        {
            _owner = owner;
            _entry = entry;
        }

        public UserShard Shard => _entry.Shard;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Release(_entry);
            }
        }
    }

    internal sealed class Entry
    {
        // Lazy: the shard owns SQLite connections, so it is opened once, outside the table's lock.
        private readonly Lazy<UserShard> _shard;

        public Entry(string user, UserShards owner)
        {
            User = user;
            Node = new LinkedListNode<Entry>(this);
            LastUsed = owner._time.GetUtcNow();
            _shard = new Lazy<UserShard>(() => owner.Open(user));
        }

        public string User { get; }

        public LinkedListNode<Entry> Node { get; }

        /// <summary>Operations holding the user open now (changed under the table's lock).</summary>
        public int Leases { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public UserShard Shard => _shard.Value;

        /// <summary>
        /// Its index is changing with nobody leasing it: a scan whose caller stopped waiting runs to its end
        /// (<see cref="ReplicaFreshness"/>), and the user is closed after it, not under it.
        /// </summary>
        public bool Busy => _shard.IsValueCreated && _shard.Value.Gate.CurrentCount == 0;

        public void Close()
        {
            if (_shard.IsValueCreated)
            {
                _shard.Value.Dispose();
            }
        }
    }
}
