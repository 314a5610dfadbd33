using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// Moves memories between the file provider's layout (<c>&lt;root&gt;/&lt;user&gt;/&lt;id&gt;.md</c>, trash in
/// <c>&lt;user&gt;/.trash/&lt;deleted&gt;~&lt;id&gt;.md</c>) and the PostgreSQL provider, in either direction and
/// without loss: ids, times, titles, tags, metadata, source, content byte for byte and the trash travel
/// as they are, through the same <see cref="MemoryDocument"/> serialisation the file provider writes.
/// Both directions may be repeated: what is already there (same user and id) is left alone.
/// </summary>
public sealed partial class LayoutTransfer(PostgresMemoryStore store, StorageOptions options, ILogger<LayoutTransfer> logger)
{
    private const string TrashStamp = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// Imports every user folder under <paramref name="layoutRoot"/> into the database. Memories the database already
    /// holds (same user and id) count as already present; invalid user folders and unreadable files are skipped, each with why.
    /// </summary>
    public async Task<ImportReport> ImportAsync(string layoutRoot, IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var skipped = new List<string>();
        var files = new List<(string User, string File, string Id, DateTimeOffset? DeletedAt)>();
        foreach (var userDirectory in Directory.EnumerateDirectories(layoutRoot).Order(StringComparer.Ordinal))
        {
            var user = Path.GetFileName(userDirectory);
            if (!MemoryRules.IsValidUser(user))
            {
                skipped.Add($"{userDirectory}: '{user}' is not a valid user id");
                continue;
            }

            var userFiles = Directory.EnumerateFiles(userDirectory, "*" + MemoryDocument.Extension)
                .Select(f => (File: f, DeletedAt: (DateTimeOffset?)null))
                .Concat(TrashFiles(Path.Combine(userDirectory, MemoryFiles.TrashFolder)));
            foreach (var (file, deletedAt) in userFiles.OrderBy(f => f.File, StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                var id = deletedAt is null ? name : name[(name.IndexOf('~', StringComparison.Ordinal) + 1)..];
                if (!name.StartsWith('.') && MemoryRules.IsValidId(id))
                {
                    files.Add((user, file, id, deletedAt));
                }
            }
        }

        var imported = 0;
        var present = 0;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < files.Count; i++)
        {
            var (user, file, id, deletedAt) = files[i];
            try
            {
                var text = await File.ReadAllTextAsync(file, new UTF8Encoding(false, throwOnInvalidBytes: true), cancellationToken);
                var memory = MemoryDocument.Parse(id, text, new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero), options.MaxTitleLength);
                if (await store.ImportAsync(user, memory, deletedAt, cancellationToken))
                {
                    imported++;
                }
                else
                {
                    present++;
                }
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or DecoderFallbackException or MemoryValidationException)
            {
                skipped.Add($"{file}: {e.Message}");
                LogSkipped(file, e.Message);
            }

            progress?.Report(new RunProgress(i + 1, files.Count, Stopwatch.GetElapsedTime(started)));
        }

        LogImported(layoutRoot, imported, present, skipped.Count);
        return new ImportReport(imported, present, skipped);
    }

    /// <summary>
    /// Writes every user's memories and trash from the database into the layout under <paramref name="layoutRoot"/>.
    /// A file already there with the same bytes counts as already present; one with other bytes is left as it is and
    /// reported as skipped, so nothing in the target is overwritten.
    /// </summary>
    public async Task<ImportReport> ExportAsync(string layoutRoot, IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var users = await store.ListUsersAsync(cancellationToken);
        var total = 0;
        foreach (var user in users)
        {
            var stats = await store.GetStatsAsync(user, cancellationToken);
            total += stats.MemoryCount + stats.TrashedCount;
        }

        var written = 0;
        var present = 0;
        var skipped = new List<string>();
        var started = Stopwatch.GetTimestamp();
        foreach (var user in users)
        {
            var userDirectory = Path.Combine(layoutRoot, user);
            Directory.CreateDirectory(userDirectory);
            await foreach (var (memory, deletedAt) in store.ReadAllAsync(user, cancellationToken))
            {
                string path;
                if (deletedAt is { } at)
                {
                    var trash = Path.Combine(userDirectory, MemoryFiles.TrashFolder);
                    Directory.CreateDirectory(trash);
                    path = Path.Combine(trash, $"{at.UtcDateTime.ToString(TrashStamp, CultureInfo.InvariantCulture)}~{memory.Id}{MemoryDocument.Extension}");
                }
                else
                {
                    path = Path.Combine(userDirectory, memory.Id + MemoryDocument.Extension);
                }

                var text = MemoryDocument.Serialize(memory);
                if (!File.Exists(path))
                {
                    AtomicFile.WriteAllText(path, text, options.FlushToDisk);
                    written++;
                }
                else if (File.ReadAllBytes(path).AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(text)))
                {
                    present++;
                }
                else
                {
                    skipped.Add($"{path}: a different file is already there; left as it is");
                }

                progress?.Report(new RunProgress(written + present + skipped.Count, Math.Max(total, written + present + skipped.Count), Stopwatch.GetElapsedTime(started)));
            }
        }

        LogExported(layoutRoot, written, present, skipped.Count);
        return new ImportReport(written, present, skipped);
    }

    private static IEnumerable<(string File, DateTimeOffset? DeletedAt)> TrashFiles(string trash)
    {
        if (!Directory.Exists(trash))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(trash, "*" + MemoryDocument.Extension))
        {
            var stamp = Path.GetFileName(file).Split('~', 2)[0];
            yield return (file, DateTimeOffset.TryParseExact(stamp, TrashStamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import skipped {File}: {Reason}")]
    private partial void LogSkipped(string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Source} into PostgreSQL: {Imported} memories, {Present} already present, {Skipped} skipped")]
    private partial void LogImported(string source, int imported, int present, int skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exported PostgreSQL into {Target}: {Written} files written, {Present} already there, {Skipped} skipped")]
    private partial void LogExported(string target, int written, int present, int skipped);
}
