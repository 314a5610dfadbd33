using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>
/// The memory files under the storage root: <c>&lt;root&gt;/&lt;user&gt;/&lt;id&gt;.md</c>, written atomically,
/// deleted into the user's <c>.trash</c> folder and purged from it after the retention period.
/// </summary>
internal sealed partial class MemoryFiles(string root, StorageOptions options, TimeProvider time, ILogger logger)
{
    public const string TrashFolder = ".trash";
    private const string StampFormat = "yyyyMMdd'T'HHmmss'Z'";
    private readonly ILogger _logger = logger;

    /// <summary>The storage root as a full path.</summary>
    public string Root { get; } = root;

    public string UserDirectory(string user) => Path.Combine(Root, user);

    public static string PathOf(string directory, string id) => Path.Combine(directory, id + MemoryDocument.Extension);

    /// <summary>Every user id that has a valid folder under the root, sorted.</summary>
    public IReadOnlyList<string> ListUsers() =>
        Directory.Exists(Root)
            ? [.. Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(MemoryRules.IsValidUser).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>The memory in <paramref name="directory"/> with this id, or null when there is none or it cannot be parsed (logged).</summary>
    public Memory? Read(string directory, string id)
    {
        var path = PathOf(directory, id);
        string? text;
        DateTime written;
        try
        {
            // Waits out a replace another replica has under way on an SMB share instead of reporting the memory missing.
            text = AtomicFile.ReadAllText(options.FileSystem, path);
            if (text is null)
            {
                return null;
            }

            written = options.FileSystem.GetLastWriteTimeUtc(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return MemoryDocument.Parse(id, text, new DateTimeOffset(written, TimeSpan.Zero), options.MaxTitleLength);
        }
        catch (FormatException e)
        {
            LogMalformed(path, e.Message);
            return null;
        }
    }

    /// <summary>Reads and parses a file found by a scan; the error instead when it cannot (the caller decides what to log).</summary>
    public (Memory? Memory, string? Hash, Exception? Error) Load(string id, string path, (long Ticks, long Length) stamp)
    {
        try
        {
            // Small files: a synchronous read is several times cheaper than an async one, and scans read thousands.
            var text = AtomicFile.ReadAllText(options.FileSystem, path) ?? throw new FileNotFoundException("The memory file is gone.", path);
            var memory = MemoryDocument.Parse(id, text, new DateTimeOffset(stamp.Ticks, TimeSpan.Zero), options.MaxTitleLength);
            return (memory, MemoryDocument.ContentHash(memory.Content, memory.Title, memory.Tags), null);
        }
        catch (Exception e) when (e is FormatException or IOException or DecoderFallbackException or UnauthorizedAccessException)
        {
            return (null, null, e);
        }
    }

    /// <summary>Writes the memory's file (atomically, flushed when configured); returns its stamp for the index.</summary>
    /// <exception cref="StorageUnavailableException">The file could not be written.</exception>
    public (long Ticks, long Length) Write(string directory, Memory memory)
    {
        var path = PathOf(directory, memory.Id);
        try
        {
            Directory.CreateDirectory(directory);
            AtomicFile.WriteAllText(options.FileSystem, path, MemoryDocument.Serialize(memory), options.FlushToDisk);
            var info = new FileInfo(path);
            return (info.LastWriteTimeUtc.Ticks, info.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The memory could not be written: {e.Message}", e);
        }
    }

    /// <summary>Removes a memory file that lost a race to an older twin.</summary>
    public static void Delete(string directory, string id) => File.Delete(PathOf(directory, id));

    /// <summary>Moves the memory's file into the trash, named after the instant of deletion; false when there was no such file.</summary>
    /// <exception cref="StorageUnavailableException">The file could not be moved.</exception>
    public bool MoveToTrash(string directory, string id, DateTimeOffset now)
    {
        var path = PathOf(directory, id);
        if (!File.Exists(path))
        {
            return false;
        }

        var trash = Path.Combine(directory, TrashFolder);
        var trashed = Path.Combine(trash, $"{now.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture)}~{id}{MemoryDocument.Extension}");
        try
        {
            Directory.CreateDirectory(trash);
            File.Move(path, trashed, overwrite: true);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The memory could not be moved to the trash: {e.Message}", e);
        }
    }

    /// <summary>The user's trash files: name without extension (<c>&lt;deleted stamp&gt;~&lt;id&gt;</c>), id and path.</summary>
    public static IEnumerable<(string Key, string Id, string Path)> TrashFiles(string directory)
    {
        var trash = Path.Combine(directory, TrashFolder);
        if (!Directory.Exists(trash))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(trash, "*" + MemoryDocument.Extension))
        {
            var key = Path.GetFileName(file)[..^MemoryDocument.Extension.Length];
            if (key.Split('~', 2) is [{ Length: > 0 }, var id] && MemoryRules.IsValidId(id))
            {
                yield return (key, id, file);
            }
        }
    }

    /// <summary>A trashed copy of a memory, or null when it is gone or cannot be parsed (logged).</summary>
    public Memory? ReadTrashed(string id, string path)
    {
        try
        {
            return MemoryDocument.Parse(id, File.ReadAllText(path, Encoding.UTF8), new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), options.MaxTitleLength);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (FormatException e)
        {
            LogMalformed(path, e.Message);
            return null;
        }
    }

    /// <summary>When a trash file was deleted: the stamp in its name, else its last write.</summary>
    public static DateTimeOffset DeletedAt(string key, string path) =>
        DateTimeOffset.TryParseExact(key.Split('~', 2)[0], StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);

    /// <summary>
    /// Moves the most recently deleted copy of the memory back; false when another replica restored it a
    /// moment ago (the file is there again).
    /// </summary>
    /// <exception cref="MemoryNotFoundException">No trashed copy and no live file.</exception>
    /// <exception cref="StorageUnavailableException">The file could not be moved.</exception>
    public bool MoveOutOfTrash(string directory, string id)
    {
        var newest = TrashFiles(directory).Where(f => f.Id == id).OrderByDescending(f => f.Key, StringComparer.Ordinal).Select(f => f.Path).FirstOrDefault()
            ?? throw new MemoryNotFoundException(id);
        var path = PathOf(directory, id);
        try
        {
            File.Move(newest, path, overwrite: false);
            return true;
        }
        catch (FileNotFoundException)
        {
            // Another replica restored (or purged) it a moment ago.
            return File.Exists(path) ? false : throw new MemoryNotFoundException(id);
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"The memory could not be moved out of the trash: {e.Message}", e);
        }
    }

    public static int TrashCount(string directory)
    {
        var trash = Path.Combine(directory, TrashFolder);
        return Directory.Exists(trash) ? Directory.EnumerateFiles(trash, "*" + MemoryDocument.Extension).Count() : 0;
    }

    /// <summary>
    /// The memory files of a folder, in id order (ids follow creation time, so row ids, which break ties
    /// between equal search scores, follow it too, the same way on every replica). Files whose names are not
    /// memory ids are skipped, and warned about once.
    /// </summary>
    public List<(string Id, string Path, (long Ticks, long Length) Stamp)> Scan(string directory, HashSet<string> warned, CancellationToken cancellationToken)
    {
        var found = new List<(string, string, (long, long))>();
        if (!Directory.Exists(directory))
        {
            return found;
        }

        var files = new DirectoryInfo(directory).GetFiles("*" + MemoryDocument.Extension);
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
                if (warned.Add(name))
                {
                    LogBadFileName(file.FullName);
                }

                continue;
            }

            found.Add((id, file.FullName, (file.LastWriteTimeUtc.Ticks, file.Length)));
        }

        return found;
    }

    /// <summary>Writes every memory file of the user, verbatim, into a zip archive (<c>&lt;id&gt;.md</c> entries); returns how many.</summary>
    public async Task<int> ExportAsync(string user, Stream destination, CancellationToken cancellationToken)
    {
        var directory = UserDirectory(user);
        var count = 0;
        using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
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

            var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
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
        var cutoff = time.GetUtcNow() - options.TrashRetention;
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
                if (DeletedAt(Path.GetFileName(file), file) < cutoff && TryDelete(file))
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
        var cutoff = time.GetUtcNow().UtcDateTime - options.TempFileMaxAge;
        var removed = 0;
        foreach (var userDirectory in UserDirectories())
        {
            foreach (var folder in new[] { userDirectory, ChangeLog.Folder(userDirectory) }.Concat(FileVectorStore.ModelFolders(userDirectory)))
            {
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(folder, AtomicFile.TempPrefix + "*"))
                {
                    if (AtomicFile.CleanUp(options.FileSystem, file, cutoff))
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

    public static bool TryDelete(string path)
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

    private IEnumerable<string> UserDirectories() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Where(d => MemoryRules.IsValidUser(Path.GetFileName(d)))
            : [];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the memory file {Path}: {Reason}")]
    public partial void LogMalformed(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Path}: the file name is not a valid memory id (A-Z, a-z, 0-9, '.', '_', '-').")]
    private partial void LogBadFileName(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} memories from the trash")]
    private partial void LogTrashPurged(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} temporary files left by an interrupted write")]
    private partial void LogTempFilesRemoved(int count);
}
