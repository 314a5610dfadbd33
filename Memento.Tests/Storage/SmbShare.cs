using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

/// <summary>
/// A local folder that answers like an Azure Files share mounted by the Linux SMB client (cifs.ko),
/// for the operations where SMB differs from a local disk:
/// <list type="bullet">
/// <item>A rename that replaces a target another client holds open is refused by the server
/// (STATUS_ACCESS_DENIED, <c>EACCES</c>; .NET throws <see cref="UnauthorizedAccessException"/>).</item>
/// <item>On that refusal the Linux client unlinks the target and renames again (<c>cifs_rename2</c>'s
/// <c>unlink_target</c> path). Its opens share delete, so the unlink succeeds but only marks the file
/// delete-pending: the name stays taken until the last handle closes, so the second rename is refused too,
/// and the target has vanished for everyone else (<see cref="ClientFallback.None"/> turns this off).</item>
/// <item>Opening a delete-pending file fails: <c>ENOENT</c> on older kernels, <c>EBUSY</c> since
/// STATUS_DELETE_PENDING was remapped (<see cref="DeletePendingOpen"/>).</item>
/// </list>
/// Every open handle is counted, so a test can hold a reader open while a writer replaces the file.
/// </summary>
internal sealed class SmbShare(SmbShare.ClientFallback fallback = SmbShare.ClientFallback.UnlinkThenRename, SmbShare.DeletePendingOpen deletePendingOpen = SmbShare.DeletePendingOpen.NotFound) : IFileSystem
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletePending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refusals = new(0);
    private readonly SemaphoreSlim _failedOpens = new(0);

    public enum ClientFallback
    {
        /// <summary>The client reports the refusal as is.</summary>
        None,

        /// <summary>The Linux client's fallback: unlink the target, rename again.</summary>
        UnlinkThenRename,
    }

    public enum DeletePendingOpen
    {
        NotFound,
        Busy,
    }

    /// <summary>Renames the server refused so far.</summary>
    public int RefusedRenames { get; private set; }

    /// <summary>Targets the client unlinked after a refusal.</summary>
    public int Unlinks { get; private set; }

    /// <summary>Runs before each rename, outside the share's lock (a test opens a reader there, as another replica would).</summary>
    public Action<string, string>? BeforeMove { get; set; }

    /// <summary>Waits until the server has refused a rename (one more than were awaited before).</summary>
    public async Task WaitForRefusalAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _refusals.WaitAsync(timeout.Token);
    }

    /// <summary>Waits until an open of a delete-pending file has failed (one more than were awaited before).</summary>
    public async Task WaitForFailedOpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _failedOpens.WaitAsync(timeout.Token);
    }

    public bool IsDeletePending(string path)
    {
        lock (_gate)
        {
            return _deletePending.Contains(path);
        }
    }

    public Stream CreateNew(string path)
    {
        lock (_gate)
        {
            if (_deletePending.Contains(path))
            {
                throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
            }

            return Track(path, new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0));
        }
    }

    public Stream OpenRead(string path) => Open(path, FileAccess.Read);

    public Stream OpenWrite(string path) => Open(path, FileAccess.Write);

    public void Move(string source, string destination, bool overwrite)
    {
        BeforeMove?.Invoke(source, destination);
        lock (_gate)
        {
            if (_deletePending.Contains(source))
            {
                throw new FileNotFoundException($"Could not find file '{source}'.", source);
            }

            if (_deletePending.Contains(destination))
            {
                Refuse(destination);
            }

            if (overwrite && File.Exists(destination) && _open.ContainsKey(destination))
            {
                if (fallback == ClientFallback.UnlinkThenRename)
                {
                    // The open handles keep reading the old bytes (Linux lets a file be removed while open).
                    File.Delete(destination);
                    _deletePending.Add(destination);
                    Unlinks++;
                }

                Refuse(destination);
            }

            File.Move(source, destination, overwrite);
        }
    }

    public void Delete(string path)
    {
        lock (_gate)
        {
            if (_deletePending.Contains(path))
            {
                return;
            }

            File.Delete(path);
            if (_open.ContainsKey(path))
            {
                _deletePending.Add(path);
            }
        }
    }

    public bool FileExists(string path)
    {
        lock (_gate)
        {
            return !_deletePending.Contains(path) && File.Exists(path);
        }
    }

    public string[] GetFiles(string directory, string pattern)
    {
        lock (_gate)
        {
            return [.. Directory.GetFiles(directory, pattern).Where(p => !_deletePending.Contains(p))];
        }
    }

    public DateTime GetLastWriteTimeUtc(string path) => File.GetLastWriteTimeUtc(path);

    private Stream Open(string path, FileAccess access)
    {
        lock (_gate)
        {
            if (_deletePending.Contains(path))
            {
                _failedOpens.Release();
                throw deletePendingOpen == DeletePendingOpen.NotFound
                    ? new FileNotFoundException($"Could not find file '{path}'.", path)
                    : new IOException($"The process cannot access the file '{path}' because it is being deleted (EBUSY).");
            }

            return Track(path, new FileStream(path, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0));
        }
    }

    private TrackedStream Track(string path, FileStream stream)
    {
        _open[path] = _open.GetValueOrDefault(path) + 1;
        return new TrackedStream(stream, () => Release(path));
    }

    private void Release(string path)
    {
        lock (_gate)
        {
            if (--_open[path] == 0)
            {
                _open.Remove(path);
                // The last handle closed: a delete-pending file is gone for good and its name is free.
                _deletePending.Remove(path);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Refuse(string path)
    {
        RefusedRenames++;
        _refusals.Release();
        throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
    }

    /// <summary>A file stream that tells the share when it is closed.</summary>
    private sealed class TrackedStream(FileStream inner, Action closed) : Stream
    {
        private bool _closed;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                inner.Dispose();
                closed();
            }

            base.Dispose(disposing);
        }
    }
}
