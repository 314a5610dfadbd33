using System.Collections.Concurrent;

namespace Memento.McpServer.Storage;

/// <summary>The users this replica has opened, each opened on first use.</summary>
internal sealed class UserShards(string root, string? indexDirectory, string instanceId, StorageOptions options, Func<Embeddings.VectorSet?>? newVectorSet = null) : IDisposable
{
    // Lazy: GetOrAdd may run its factory twice under a race, and a shard owns a SQLite connection.
    private readonly ConcurrentDictionary<string, Lazy<UserShard>> _users = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public bool Disposed => _disposed;

    /// <summary>The user's shard, opened now when it is not open yet. The user id is validated by the caller.</summary>
    public UserShard Get(string user)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _users.GetOrAdd(user, u => new Lazy<UserShard>(() => Open(u))).Value;
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

    private UserShard Open(string user)
    {
        var directory = Path.Combine(root, user);
        var indexFile = indexDirectory is null ? null : Path.Combine(indexDirectory, user + ".db");
        return new UserShard(user, directory, indexFile, new ChangeLog.Writer(directory, instanceId, options.ChangeLogRewriteAt, options.FileSystem), newVectorSet?.Invoke());
    }
}
