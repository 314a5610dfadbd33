using System.Globalization;
using System.Text;

namespace Memento.McpServer.Storage;

/// <summary>
/// How replicas tell each other what they wrote, without locks or a shared database. Each store instance
/// owns one log per user, <c>&lt;user&gt;/.changes/&lt;instance&gt;</c>, that only it writes. A write appends
/// one line to it (no new file, no rename: creating and deleting a file per write is what costs most on
/// a local file system, and SMB is no cheaper). A reader keeps its position in each other replica's log,
/// reads only what was appended since (one open, one small read and one stat per log when nothing changed),
/// re-reads from the memory files only the ids that changed, and rescans the folder when it missed more
/// than a log holds.
/// <para>
/// A log starts with a header naming its generation. Once it holds <see cref="RewriteAt"/> entries, or
/// after an append failed, the writer replaces it (temporary file and rename) with a new generation that
/// keeps the last <see cref="Capacity"/> entries; a reader that sees a new generation reads it whole.
/// Lines are <c>&lt;sequence&gt; &lt;s|d|c&gt; &lt;id&gt;[ &lt;hash&gt;]</c>: stored (or updated), deleted, and
/// claimed, which a store appends before it writes the memory file (see <see cref="Kind.Claimed"/>).
/// A reader only takes complete lines, so an append it reads half-way is taken at its next request.
/// </para>
/// </summary>
internal static class ChangeLog
{
    public const string FolderName = ".changes";

    /// <summary>Entries a rewritten log keeps: a replica that missed more than this rescans the user's folder.</summary>
    public const int Capacity = 256;

    /// <summary>Entries after which a log is rewritten to its last <see cref="Capacity"/>.</summary>
    public const int RewriteAt = 4096;

    private const string HeaderPrefix = "memento-changes 2 ";
    private const int HeaderMax = 64;

    public static string Folder(string userDirectory) => Path.Combine(userDirectory, FolderName);

    public enum Kind
    {
        /// <summary>The memory file was written (created or updated).</summary>
        Stored,

        /// <summary>The memory file was moved to the trash.</summary>
        Deleted,

        /// <summary>
        /// Appended before a new memory file is written: which id the content hash is being stored under.
        /// A replica stopped between writing the file and logging <see cref="Stored"/> leaves a file the
        /// others do not know of until their next full rescan; when the caller retries the store through
        /// another replica, that replica finds the claim, finds the file it names, and returns it instead
        /// of storing a twin. A claim is a hint, never the truth: it counts only when the file exists
        /// and holds the same content.
        /// </summary>
        Claimed,
    }

    public sealed record Change(long Sequence, Kind Kind, string Id, string? Hash = null);

    /// <summary>Where a reader is in one replica's log: the generation, the byte offset after the last whole line, and its sequence.</summary>
    public readonly record struct Position(long Generation, long Offset, long Sequence);

    /// <summary>
    /// What was appended to a log since <c>from</c>. <see cref="Gap"/> means the reader missed entries
    /// (a new generation that does not reach back to them, or an unreadable line) and must rescan.
    /// </summary>
    public sealed record Update(Position Next, IReadOnlyList<Change> Changes, bool Gap);

    /// <summary>
    /// Reads what was appended to the log at <paramref name="path"/> since <paramref name="from"/>
    /// (<c>default</c>: the whole log). Null when the log vanished or is not a log in this format.
    /// </summary>
    public static Update? Read(string path, Position from) => Read(PhysicalFileSystem.Instance, path, from);

    /// <inheritdoc cref="Read(string, Position)"/>
    public static Update? Read(IFileSystem fileSystem, string path, Position from)
    {
        // A log being compacted on an SMB share can be missing for a moment: wait for it rather than miss what it holds.
        using var stream = AtomicFile.OpenRead(fileSystem, path);
        if (stream is null || !TryReadHeader(stream, out var generation, out var newline))
        {
            return null;
        }

        var length = stream.Length;
        var sameGeneration = generation == from.Generation && length >= from.Offset;
        if (sameGeneration && length == from.Offset)
        {
            return new Update(from, [], Gap: false);
        }

        var start = sameGeneration ? from.Offset : newline + 1;
        var bytes = new byte[length - start];
        stream.Position = start;
        var total = 0;
        while (total < bytes.Length && stream.Read(bytes.AsSpan(total)) is var n && n > 0)
        {
            total += n;
        }

        var whole = bytes.AsSpan(0, total).LastIndexOf((byte)'\n') + 1;
        var changes = new List<Change>();
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, whole).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ParseLine(line) is not { } change)
            {
                return new Update(new Position(generation, start + whole, from.Sequence), [], Gap: true);
            }

            changes.Add(change);
        }

        var last = changes.Count > 0 ? changes[^1].Sequence : from.Sequence;
        // Entries follow each other without holes: whatever the reader has not seen must still be in the log.
        var gap = (changes.Count > 0 && changes[0].Sequence > from.Sequence + 1) || last < from.Sequence;
        var next = new Position(generation, start + whole, Math.Max(last, from.Sequence));
        return new Update(next, [.. changes.Where(c => c.Sequence > from.Sequence)], gap);
    }

    /// <summary>
    /// Whether the log at <paramref name="path"/> holds anything past <paramref name="at"/> (another generation
    /// or more bytes): one open, one small read and one stat. A log that vanished has nothing new to apply.
    /// </summary>
    public static bool HasMoved(string path, Position at) => HasMoved(PhysicalFileSystem.Instance, path, at);

    /// <inheritdoc cref="HasMoved(string, Position)"/>
    public static bool HasMoved(IFileSystem fileSystem, string path, Position at)
    {
        using var stream = AtomicFile.OpenRead(fileSystem, path);
        if (stream is null)
        {
            return false;
        }

        return TryReadHeader(stream, out var generation, out _)
            ? generation != at.Generation || stream.Length != at.Offset
            : at != default;
    }

    /// <summary>This instance's log for one user. Not thread-safe: the store appends under the user's lock.</summary>
    public sealed class Writer(string userDirectory, string instance, int rewriteAt = RewriteAt, IFileSystem? fileSystem = null)
    {
        private readonly IFileSystem _fileSystem = fileSystem ?? PhysicalFileSystem.Instance;
        private readonly Queue<Change> _recent = new();
        private long _generation;
        private int _entriesInFile;
        private bool _rewrite = true;

        public string Path { get; } = System.IO.Path.Combine(Folder(userDirectory), instance);

        public long Sequence { get; private set; }

        /// <summary>Logs a change. Throws when the log cannot be written; the change is then kept and published with the next one.</summary>
        public Change Append(Kind kind, string id, string? hash = null)
        {
            if (_generation == 0)
            {
                Resume();
            }

            var change = new Change(++Sequence, kind, id, hash);
            _recent.Enqueue(change);
            while (_recent.Count > Capacity)
            {
                _recent.Dequeue();
            }

            if (!_rewrite && _entriesInFile < rewriteAt && TryAppend(change))
            {
                _entriesInFile++;
                return change;
            }

            Rewrite();
            return change;
        }

        /// <summary>
        /// Continues the log this instance wrote before, when there is one (the user was closed while idle and
        /// opened again): same generation, next sequence, so the other replicas' positions in it stay valid.
        /// </summary>
        private void Resume()
        {
            // Only a log of whole, readable lines is continued; anything else starts a new one (readers then rescan once).
            if (Read(Path, default) is not { Next.Generation: > 0, Changes.Count: > 0 } log || log.Next.Offset != LengthOf(Path))
            {
                return;
            }

            foreach (var change in log.Changes.TakeLast(Capacity))
            {
                _recent.Enqueue(change);
            }

            _generation = log.Next.Generation;
            Sequence = log.Next.Sequence;
            _entriesInFile = log.Changes.Count;
            _rewrite = false;
        }

        private static long LengthOf(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? info.Length : -1;
        }

        private bool TryAppend(Change change)
        {
            var bytes = Encoding.UTF8.GetBytes(Line(change));
            try
            {
                using var stream = _fileSystem.OpenWrite(Path);
                stream.Seek(0, SeekOrigin.End);
                stream.Write(bytes);
                return true;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Removed while this instance was idle (another replica pruned it): start a new generation.
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A failed append may have left part of a line: the next change rewrites the log whole.
                _rewrite = true;
                throw;
            }
        }

        private void Rewrite()
        {
            _rewrite = true;
            var builder = new StringBuilder(HeaderPrefix).Append((_generation + 1).ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var change in _recent)
            {
                builder.Append(Line(change));
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            // The log is a cache hint, not the truth: a replica that loses it after a power cut rescans. No flush.
            // On an SMB share another replica reading the log makes the server refuse the replace; AtomicFile retries.
            AtomicFile.WriteAllText(_fileSystem, Path, builder.ToString(), flushToDisk: false);
            _generation++;
            _entriesInFile = _recent.Count;
            _rewrite = false;
        }
    }

    private static string Line(Change change)
    {
        var kind = change.Kind switch
        {
            Kind.Stored => 's',
            Kind.Deleted => 'd',
            _ => 'c',
        };
        var line = $"{change.Sequence.ToString(CultureInfo.InvariantCulture)} {kind} {change.Id}";
        return change.Hash is null ? line + "\n" : $"{line} {change.Hash}\n";
    }

    private static Change? ParseLine(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length is < 3 or > 4
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            || !MemoryRules.IsValidId(parts[2]))
        {
            return null;
        }

        Kind? kind = parts[1] switch
        {
            "s" => Kind.Stored,
            "d" => Kind.Deleted,
            "c" when parts.Length == 4 => Kind.Claimed,
            _ => null,
        };
        return kind is { } k ? new Change(sequence, k, parts[2], parts.Length == 4 ? parts[3] : null) : null;
    }

    /// <summary>The generation named by a log's first line, and where that line ends; false when it is not a log in this format.</summary>
    private static bool TryReadHeader(Stream stream, out long generation, out int newline)
    {
        generation = 0;
        Span<byte> head = stackalloc byte[HeaderMax];
        var read = 0;
        while (read < head.Length && stream.Read(head[read..]) is var n && n > 0)
        {
            read += n;
        }

        newline = head[..read].IndexOf((byte)'\n');
        if (newline < 0)
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(head[..newline]);
        return text.StartsWith(HeaderPrefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(HeaderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out generation)
            && generation > 0;
    }
}
