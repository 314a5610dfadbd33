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

    /// <summary>Imports every user folder under <paramref name="layoutRoot"/> into the database.</summary>
    public async Task<ImportReport> ImportAsync(string layoutRoot, CancellationToken cancellationToken = default)
    {
        var imported = 0;
        var present = 0;
        var skipped = new List<string>();
        foreach (var userDirectory in Directory.EnumerateDirectories(layoutRoot).Order(StringComparer.Ordinal))
        {
            var user = Path.GetFileName(userDirectory);
            if (!MemoryRules.IsValidUser(user))
            {
                skipped.Add($"{userDirectory}: '{user}' is not a valid user id");
                continue;
            }

            var files = Directory.EnumerateFiles(userDirectory, "*" + MemoryDocument.Extension)
                .Select(f => (File: f, DeletedAt: (DateTimeOffset?)null))
                .Concat(TrashFiles(Path.Combine(userDirectory, MemoryFiles.TrashFolder)));
            foreach (var (file, deletedAt) in files.OrderBy(f => f.File, StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                var id = deletedAt is null ? name : name[(name.IndexOf('~', StringComparison.Ordinal) + 1)..];
                if (name.StartsWith('.') || !MemoryRules.IsValidId(id))
                {
                    continue;
                }

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
                catch (Exception e) when (e is FormatException or IOException or DecoderFallbackException or MemoryValidationException)
                {
                    skipped.Add($"{file}: {e.Message}");
                    LogSkipped(file, e.Message);
                }
            }
        }

        LogImported(layoutRoot, imported, present, skipped.Count);
        return new ImportReport(imported, present, skipped);
    }

    /// <summary>Writes every user's memories and trash from the database into the layout under <paramref name="layoutRoot"/>; returns how many files were written.</summary>
    public async Task<int> ExportAsync(string layoutRoot, CancellationToken cancellationToken = default)
    {
        var written = 0;
        foreach (var user in await store.ListUsersAsync(cancellationToken))
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

                if (File.Exists(path))
                {
                    continue;
                }

                AtomicFile.WriteAllText(path, MemoryDocument.Serialize(memory), options.FlushToDisk);
                written++;
            }
        }

        LogExported(layoutRoot, written);
        return written;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Exported PostgreSQL into {Target}: {Written} files")]
    private partial void LogExported(string target, int written);
}
