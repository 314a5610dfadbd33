using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Memento.McpServer.Storage;

/// <summary>
/// Atomic replacement of a file that is safe on an SMB share as well as on a local disk. The bytes go to a
/// temporary file in the same folder (a name readers ignore), are flushed, and the temporary file is
/// renamed over the target. A crash at any instant leaves the old file or the new one, never a torn one.
/// <para>
/// SMB refuses to rename over a target another client holds open (another replica reading it), and the
/// Linux SMB client then unlinks the target and renames again, which the server refuses as well while
/// that reader's handle lasts: for that moment the target is gone and the temporary file is the only copy.
/// So a replace that is refused is retried with backoff, and the temporary file is deleted only while the
/// old target can still be opened. Its name carries the target's name and a hash of its bytes, so a
/// reader that finds the target missing knows a replace is under way, waits for it, and completes it
/// itself from a copy that checks out if the writer does not (<see cref="OpenRead"/>).
/// </para>
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of temporary files; anything starting with '.' is ignored by readers.</summary>
    public const string TempPrefix = ".tmp-";

    /// <summary>How long a writer retries a replace the share refuses before it gives up.</summary>
    public static readonly TimeSpan DefaultReplaceBudget = TimeSpan.FromSeconds(5);

    /// <summary>How long a reader waits for a replace under way before it completes the replace itself.</summary>
    public static readonly TimeSpan DefaultReadWait = TimeSpan.FromSeconds(2);

    /// <summary>Suffix of a temporary file whose writer gave up after the target was removed: it is the only copy.</summary>
    private const string KeptSuffix = ".kept";
    private const int RandomChars = 12;
    private const int HashChars = 16;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(100);

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static long s_flushTicks;

    /// <summary>Total time this process has spent flushing writes to the disk (the benchmark reports it separately).</summary>
    public static TimeSpan TotalFlushTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_flushTicks));

    public static void WriteAllText(string path, string text, bool flushToDisk) =>
        WriteAllText(PhysicalFileSystem.Instance, path, text, flushToDisk);

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="text"/>. Throws when the replace did not happen
    /// within <paramref name="replaceBudget"/>; the old file is then in place, or, when the share's client
    /// had already removed it, the new one is kept under a temporary name and put in place by the next
    /// reader or the cleanup.
    /// </summary>
    public static void WriteAllText(IFileSystem fileSystem, string path, string text, bool flushToDisk, TimeSpan? replaceBudget = null) =>
        WriteAllBytes(fileSystem, path, Utf8NoBom.GetBytes(text), flushToDisk, replaceBudget);

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>, as <see cref="WriteAllText(IFileSystem, string, string, bool, TimeSpan?)"/> does.</summary>
    public static void WriteAllBytes(IFileSystem fileSystem, string path, byte[] bytes, bool flushToDisk, TimeSpan? replaceBudget = null)
    {
        var hash = Hash(bytes);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $"{TempPrefix}{Path.GetFileName(path)}.{RandomSuffix()}.{hash}");
        try
        {
            using var stream = fileSystem.CreateNew(temp);
            stream.Write(bytes);
            if (flushToDisk)
            {
                var start = Stopwatch.GetTimestamp();
                Flush(stream);
                Interlocked.Add(ref s_flushTicks, Stopwatch.GetTimestamp() - start);
            }
        }
        catch
        {
            // Nothing was replaced yet: the target, if any, is untouched and the partial temporary file is worthless.
            TryDelete(fileSystem, temp);
            throw;
        }

        Replace(fileSystem, temp, path, hash, replaceBudget ?? DefaultReplaceBudget);
    }

    /// <summary>
    /// Opens a file written by <see cref="WriteAllText(IFileSystem, string, string, bool, TimeSpan?)"/> for
    /// reading, riding out a replace under way: while the target is missing or cannot be opened and a
    /// complete copy waits under a temporary name, waits up to <paramref name="wait"/> for the writer,
    /// then puts that copy in place itself, or reads that copy when the name stays held. Null when the file does
    /// not exist and no replace of it is under way.
    /// </summary>
    public static Stream? OpenRead(IFileSystem fileSystem, string path, TimeSpan? wait = null)
    {
        var budget = wait ?? DefaultReadWait;
        var started = Stopwatch.GetTimestamp();
        var delay = FirstDelay;
        var promoted = false;
        while (true)
        {
            try
            {
                return fileSystem.OpenRead(path);
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
            catch (FileNotFoundException)
            {
                if (NewestCompleteCopy(fileSystem, path) is not { } copy)
                {
                    // No copy waits, or its writer has just put it in place: the target answers which.
                    return OpenIfThere(fileSystem, path);
                }

                if (Stopwatch.GetElapsedTime(started) >= budget)
                {
                    if (!promoted && TryPromote(fileSystem, copy, path))
                    {
                        promoted = true;
                        continue;
                    }

                    // The name is still held (the old file, delete-pending, is open on another client): the
                    // complete copy is the file's newest content, so read that rather than report it missing.
                    if (OpenCopy(fileSystem, copy) is { } stream)
                    {
                        return stream;
                    }

                    if (Stopwatch.GetElapsedTime(started) >= budget * 4)
                    {
                        return null;
                    }
                }
            }
            catch (IOException) when (Stopwatch.GetElapsedTime(started) < budget)
            {
                // A sharing violation, or (newer Linux SMB clients) EBUSY on a target that is delete-pending.
            }

            Thread.Sleep(Jitter(delay));
            delay = Backoff.Next(delay, MaxDelay);
        }
    }

    /// <summary>The text of a file written by <see cref="WriteAllText(IFileSystem, string, string, bool, TimeSpan?)"/>, read as <see cref="OpenRead"/> does; null when it does not exist.</summary>
    public static string? ReadAllText(IFileSystem fileSystem, string path, TimeSpan? wait = null)
    {
        using var stream = OpenRead(fileSystem, path, wait);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    public static bool IsTempName(string fileName) => fileName.StartsWith(TempPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Cleans up a temporary file older than <paramref name="cutoff"/>: one its writer kept as the only copy
    /// of a replace is put in place when the target is still missing; any other is a leftover of a crash
    /// before its rename and is deleted. Returns whether the temporary file is gone.
    /// </summary>
    public static bool CleanUp(IFileSystem fileSystem, string temp, DateTime cutoff)
    {
        try
        {
            if (fileSystem.GetLastWriteTimeUtc(temp) >= cutoff)
            {
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        if (Parse(Path.GetFileName(temp)) is { Kept: true } name)
        {
            var target = Path.Combine(Path.GetDirectoryName(temp)!, name.Target);
            if (!fileSystem.FileExists(target) && Holds(fileSystem, temp, name.Hash))
            {
                return TryPromote(fileSystem, temp, target) && !fileSystem.FileExists(temp);
            }
        }

        return TryDelete(fileSystem, temp);
    }

    private static void Replace(IFileSystem fileSystem, string temp, string path, string hash, TimeSpan budget)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = FirstDelay;
        while (true)
        {
            try
            {
                fileSystem.Move(temp, path, overwrite: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!fileSystem.FileExists(temp))
                {
                    // A reader completed the replace (see OpenRead), or the rename happened and still reported an error.
                    if (Holds(fileSystem, path, hash))
                    {
                        return;
                    }

                    throw;
                }

                if (Stopwatch.GetElapsedTime(started) >= budget)
                {
                    GiveUp(fileSystem, temp);
                    throw;
                }
            }

            Thread.Sleep(Jitter(delay));
            delay = Backoff.Next(delay, MaxDelay);
        }
    }

    private static void GiveUp(IFileSystem fileSystem, string temp)
    {
        var target = Path.Combine(Path.GetDirectoryName(temp)!, Parse(Path.GetFileName(temp))!.Value.Target);
        if (CanOpen(fileSystem, target))
        {
            // The old version is still in place: the update failed as a whole. A temporary file left now
            // could later be taken for the only copy and bring back an outdated version.
            TryDelete(fileSystem, temp);
            return;
        }

        // The client removed the target before its rename was refused: this file is the only copy of the memory.
        try
        {
            fileSystem.Move(temp, temp + KeptSuffix, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left under its first name, it is still found by readers of the target.
        }
    }

    /// <summary>The newest temporary copy of <paramref name="path"/> whose bytes match the hash in its name.</summary>
    private static string? NewestCompleteCopy(IFileSystem fileSystem, string path)
    {
        string[] temps;
        try
        {
            temps = fileSystem.GetFiles(Path.GetDirectoryName(path)!, $"{TempPrefix}{Path.GetFileName(path)}.*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var target = Path.GetFileName(path);
        return temps
            .Select(t => (Path: t, Name: Parse(Path.GetFileName(t))))
            .Where(t => t.Name is { } n && n.Target == target && Holds(fileSystem, t.Path, n.Hash))
            .OrderByDescending(t => LastWrite(fileSystem, t.Path))
            .Select(t => t.Path)
            .FirstOrDefault();
    }

    // Null when the copy is gone meanwhile: its writer has put it in place, and the next open finds the target.
    private static Stream? OpenCopy(IFileSystem fileSystem, string copy)
    {
        try
        {
            return fileSystem.OpenRead(copy);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    // Null when the target is missing (or still held while delete-pending) and no replace of it waits.
    private static Stream? OpenIfThere(IFileSystem fileSystem, string path)
    {
        try
        {
            return fileSystem.OpenRead(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool TryPromote(IFileSystem fileSystem, string temp, string path)
    {
        try
        {
            // Never over an existing target: if one appeared meanwhile, the writer finished and it wins.
            fileSystem.Move(temp, path, overwrite: false);
            return true;
        }
        catch (FileNotFoundException)
        {
            // The writer renamed it first.
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return fileSystem.FileExists(path);
        }
    }

    /// <summary>A temporary file's name: <c>.tmp-&lt;target&gt;.&lt;random&gt;.&lt;hash&gt;[.kept]</c>.</summary>
    private static (string Target, string Hash, bool Kept)? Parse(string fileName)
    {
        if (!IsTempName(fileName))
        {
            return null;
        }

        var rest = fileName[TempPrefix.Length..];
        var kept = rest.EndsWith(KeptSuffix, StringComparison.Ordinal);
        if (kept)
        {
            rest = rest[..^KeptSuffix.Length];
        }

        var hashAt = rest.LastIndexOf('.');
        if (hashAt <= RandomChars + 1 || rest.Length - hashAt - 1 != HashChars || rest[hashAt - RandomChars - 1] != '.')
        {
            return null;
        }

        var target = rest[..(hashAt - RandomChars - 1)];
        return target.Length > 0 ? (target, rest[(hashAt + 1)..], kept) : null;
    }

    private static bool Holds(IFileSystem fileSystem, string path, string hash)
    {
        try
        {
            using var stream = fileSystem.OpenRead(path);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return Hash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) == hash;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool CanOpen(IFileSystem fileSystem, string path)
    {
        try
        {
            using var stream = fileSystem.OpenRead(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static DateTime LastWrite(IFileSystem fileSystem, string path)
    {
        try
        {
            return fileSystem.GetLastWriteTimeUtc(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DateTime.MinValue;
        }
    }

    private static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..HashChars];

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(RandomChars / 2));

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.5 + Random.Shared.NextDouble());

    private static void Flush(Stream stream)
    {
        if (stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            stream.Flush();
        }
    }

    private static bool TryDelete(IFileSystem fileSystem, string path)
    {
        try
        {
            fileSystem.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
