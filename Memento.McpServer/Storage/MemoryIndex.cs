using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Memento.McpServer.Search;
using Microsoft.Data.Sqlite;

namespace Memento.McpServer.Storage;

/// <summary>What the index keeps about one memory file.</summary>
internal sealed record IndexEntry(Memory Memory, string Hash, long FileTicks, long FileLength);

/// <summary>
/// One user's search index: SQLite with FTS5 (porter stemming, BM25 over title, tags and content),
/// in memory or in a local file. A cache of the files, rebuilt from them at any time.
/// <para>
/// This connection writes; the store calls the write methods one at a time (under the user's lock).
/// Searches, lists and stats run on reader connections lent by <see cref="ReadAsync"/>, several at once,
/// and never while a write is applied: a write waits for the reads in progress and holds back new ones
/// until it is done, so SQLite never sees a reader and a writer at the same time. The in-memory index
/// is an in-memory database shared by its connections (SQLite's <c>memdb</c>); every connection keeps
/// only a small page cache, since the pages are in memory already.
/// </para>
/// </summary>
internal sealed class MemoryIndex : IndexReader, IDisposable
{
    private const int SchemaVersion = 4;
    private const int PreviewLength = 160;

    private readonly string _connectionString;
    private readonly int _readerCount;
    private readonly SemaphoreSlim _slots;
    // Held by a writer while it gathers the slots: reads that arrive meanwhile wait, so writes are not starved.
    private readonly SemaphoreSlim _turnstile = new(1, 1);
    private readonly Stack<IndexReader> _idle = new();
    private readonly List<SqliteConnection> _readers = [];
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _insertFts;
    private readonly SqliteCommand _insertTag;
    private readonly SqliteCommand _rowidOf;
    private int _exclusive;
    private int _writersWaiting;
    private bool _disposed;

    private MemoryIndex(SqliteConnection connection, string connectionString)
        : base(connection)
    {
        _connectionString = connectionString;
        _readerCount = Math.Clamp(Environment.ProcessorCount, 2, 8);
        _slots = new SemaphoreSlim(_readerCount, _readerCount);
        _insert = Command("""
            INSERT INTO memories(id, title, tags, created, updated, length, bytes, preview, hash, file_ticks, file_length)
            VALUES ($id, $title, $tags, $created, $updated, $length, $bytes, $preview, $hash, $ticks, $flen)
            RETURNING rowid
            """, "$id", "$title", "$tags", "$created", "$updated", "$length", "$bytes", "$preview", "$hash", "$ticks", "$flen");
        _insertFts = Command("INSERT INTO fts(rowid, title, tags, content) VALUES ($rowid, $title, $tags, $content)", "$rowid", "$title", "$tags", "$content");
        _insertTag = Command("INSERT OR IGNORE INTO tags(tag, mem) VALUES ($tag, $mem)", "$tag", "$mem");
        _rowidOf = Command("SELECT rowid FROM memories WHERE id = $id", "$id");
    }

    /// <summary>Opens the index: in memory when <paramref name="file"/> is null, else that local file (recreated when unusable).</summary>
    public static MemoryIndex Open(string? file)
    {
        if (file is null)
        {
            // A named in-memory database its connections share; it goes away with the last of them.
            return Create($"Data Source=file:/memento-index-{Guid.NewGuid():N}?vfs=memdb;Pooling=False", inMemory: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString();
        try
        {
            return Create(connectionString, inMemory: false);
        }
        catch (SqliteException)
        {
            // A cache that cannot be opened is thrown away and rebuilt from the files.
            foreach (var leftover in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(leftover);
            }

            return Create(connectionString, inMemory: false);
        }
    }

    private static MemoryIndex Create(string connectionString, bool inMemory)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // memdb keeps no write-ahead log; its rollback journal stays in memory too. A small page cache:
            // the pages are in memory already.
            Execute(connection, inMemory
                ? "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-64;"
                : "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;");
            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version != SchemaVersion)
            {
                Execute(connection, """
                    DROP TABLE IF EXISTS memories; DROP TABLE IF EXISTS tags; DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS vectors;
                    CREATE TABLE memories(
                        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, tags TEXT NOT NULL,
                        created INTEGER NOT NULL, updated INTEGER NOT NULL, length INTEGER NOT NULL, bytes INTEGER NOT NULL,
                        preview TEXT NOT NULL, hash TEXT NOT NULL, file_ticks INTEGER NOT NULL, file_length INTEGER NOT NULL);
                    CREATE INDEX memories_created ON memories(created DESC, id DESC);
                    CREATE INDEX memories_hash ON memories(hash);
                    CREATE TABLE tags(tag TEXT NOT NULL, mem INTEGER NOT NULL, PRIMARY KEY(tag, mem)) WITHOUT ROWID;
                    CREATE INDEX tags_mem ON tags(mem);
                    CREATE VIRTUAL TABLE fts USING fts5(title, tags, content, tokenize='porter unicode61 remove_diacritics 2');
                    """);
                Execute(connection, $"PRAGMA user_version={SchemaVersion}");
            }

            return new MemoryIndex(connection, connectionString);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> on a reader connection, beside other reads, never beside a write.
    /// Throws <see cref="ObjectDisposedException"/> when the index was closed (rebuilt) meanwhile.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<IndexReader, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _writersWaiting) > 0)
        {
            // A writer is gathering the slots: let it go first.
            await _turnstile.WaitAsync(cancellationToken);
            _turnstile.Release();
        }

        await _slots.WaitAsync(cancellationToken);
        IndexReader? reader = null;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            lock (_idle)
            {
                _idle.TryPop(out reader);
            }

            reader ??= OpenReader();
            return read(reader);
        }
        finally
        {
            if (reader is not null)
            {
                lock (_idle)
                {
                    _idle.Push(reader);
                }
            }

            _slots.Release();
        }
    }

    /// <summary>Groups many changes into one SQLite transaction (no read runs meanwhile); disposing without <c>Commit</c> rolls back.</summary>
    public Batch BeginBatch()
    {
        EnterWrite();
        try
        {
            Execute(Connection, "BEGIN");
        }
        catch
        {
            ExitWrite();
            throw;
        }

        return new Batch(this);
    }

    public sealed class Batch(MemoryIndex index) : IDisposable
    {
        private bool _done;

        public void Commit()
        {
            Execute(index.Connection, "COMMIT");
            _done = true;
            index.ExitWrite();
        }

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                try
                {
                    Execute(index.Connection, "ROLLBACK");
                }
                finally
                {
                    index.ExitWrite();
                }
            }
        }
    }

    public void Upsert(IndexEntry entry)
    {
        EnterWrite();
        try
        {
            Insert(entry);
        }
        finally
        {
            ExitWrite();
        }
    }

    public bool Remove(string id)
    {
        EnterWrite();
        try
        {
            return Delete(id);
        }
        finally
        {
            ExitWrite();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        // Wait for the reads in progress, then close every connection.
        EnterWrite();
        _disposed = true;
        _insert.Dispose();
        _insertFts.Dispose();
        _insertTag.Dispose();
        _rowidOf.Dispose();
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }

        Connection.Dispose();
        _slots.Release(_readerCount);
    }

    /// <summary>Takes every read slot (waiting for the reads in progress); re-entrant for the one writer.</summary>
    private void EnterWrite()
    {
        if (_exclusive++ > 0)
        {
            return;
        }

        // Reads are short (a query), so the writer waits in place rather than giving up its thread.
        Interlocked.Increment(ref _writersWaiting);
        _turnstile.Wait();
        try
        {
            for (var i = 0; i < _readerCount; i++)
            {
                _slots.Wait();
            }
        }
        finally
        {
            _turnstile.Release();
            Interlocked.Decrement(ref _writersWaiting);
        }
    }

    private void ExitWrite()
    {
        if (--_exclusive == 0)
        {
            _slots.Release(_readerCount);
        }
    }

    private IndexReader OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // A small page cache: the in-memory index's pages are in memory already, a file index's are in the
            // kernel's page cache. A file index is not mapped into the process: mapped, every page a search
            // touched stayed in the replica's resident memory (measured at 100,000 memories: 113 MB of the
            // 154 MB index file after a few hundred searches), on top of the model and the vectors.
            Execute(connection, "PRAGMA query_only=1; PRAGMA cache_size=-64; PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY;");
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        lock (_idle)
        {
            _readers.Add(connection);
        }

        return new IndexReader(connection);
    }

    private void Insert(IndexEntry entry)
    {
        Delete(entry.Memory.Id);
        var memory = entry.Memory;
        var tags = string.Join('\n', memory.Tags);
        Set(_insert, memory.Id, memory.Title, tags, memory.Created.ToUnixTimeMilliseconds(), memory.Updated.ToUnixTimeMilliseconds(),
            memory.Content.Length, Encoding.UTF8.GetByteCount(memory.Content), Preview(memory.Content), entry.Hash, entry.FileTicks, entry.FileLength);
        var rowid = (long)_insert.ExecuteScalar()!;
        Set(_insertFts, rowid, memory.Title, string.Join(' ', memory.Tags), memory.Content);
        _insertFts.ExecuteNonQuery();
        foreach (var tag in memory.Tags)
        {
            Set(_insertTag, tag, rowid);
            _insertTag.ExecuteNonQuery();
        }

    }

    private bool Delete(string id)
    {
        _rowidOf.Parameters["$id"].Value = id;
        if (_rowidOf.ExecuteScalar() is not long rowid)
        {
            return false;
        }

        using var command = Connection.CreateCommand();
        command.CommandText = """
            DELETE FROM fts WHERE rowid = $r; DELETE FROM tags WHERE mem = $r;
            DELETE FROM memories WHERE rowid = $r;
            """;
        command.Parameters.AddWithValue("$r", rowid);
        command.ExecuteNonQuery();
        return true;
    }

    /// <summary>The one-line preview lists show: whitespace folded, cut at the preview length.</summary>
    internal static string Preview(string content)
    {
        var builder = new StringBuilder(PreviewLength + 1);
        var space = false;
        foreach (var c in content)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
            if (builder.Length >= PreviewLength)
            {
                builder.Append('…');
                break;
            }
        }

        return builder.ToString();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void Set(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
