using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>
/// The operator commands of the server over whichever provider is configured: <c>import</c>, <c>export</c>
/// and <c>reindex</c>. Progress (count, rate, time left) goes to <c>error</c>, at most once a second; the
/// summary to <c>output</c>. Export then import moves a corpus between providers or roots, ids and times kept.
/// </summary>
public sealed class StorageCommands(IMemoryCorpus corpus, StorageOptions options, ILogger logger, TextWriter output, TextWriter error, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public const string Usage = """
        usage:
          import <folder|file.zip> [--user <id>]   seed layout (<user>/*_memory.txt + .meta), Markdown folders (<user>/*.md), or a zip of either;
                                                   files directly in the folder need --user. Ids and times of Memento's own files are kept.
          export --to <folder|file.zip> [--user <id>]  every user (or one) as <user>/<id>.md
          reindex [--user <id>]                    rebuild the search index of every user (or one) from the memories
        storage settings come from the usual configuration (Memento__Storage__Root=..., appsettings.json).
        """;

    /// <summary>Imports <paramref name="path"/>; exit code 0, or 1 when anything was skipped (listed in the summary).</summary>
    public async Task<int> ImportAsync(string path, string? user, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "memento-import-" + Guid.NewGuid().ToString("N"));
        try
        {
            var skipped = new List<string>();
            var items = ImportSources.Find(Path.GetFullPath(path), user, scratch, options.MaxTitleLength, skipped);
            error.WriteLine($"import: {items.Count:N0} files from {path}");
            var report = await new MemoryImporter(corpus, logger, _time).ImportAsync(items, skipped, Progress("import"), cancellationToken);
            output.WriteLine($"imported {report.Imported:N0}, already present {report.Duplicates:N0}, skipped {report.Skipped.Count:N0}");
            foreach (var reason in report.Skipped)
            {
                output.WriteLine("  skipped " + reason);
            }

            return report.Skipped.Count == 0 ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>Writes every memory of every user (or one) as <c>&lt;user&gt;/&lt;id&gt;.md</c> into a folder or a zip.</summary>
    public async Task<int> ExportAsync(string destination, string? user, CancellationToken cancellationToken)
    {
        var users = user is null ? await corpus.ListUsersAsync(cancellationToken) : [MemoryRules.ValidateUser(user)];
        var zip = destination.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
        await using var file = zip ? new FileStream(destination, FileMode.Create, FileAccess.Write) : null;
        using var archive = file is null ? null : new ZipArchive(file, ZipArchiveMode.Create);
        var progress = Progress("export");
        var started = _time.GetTimestamp();
        var count = 0;
        for (var i = 0; i < users.Count; i++)
        {
            await foreach (var memory in corpus.ExportAsync(users[i], cancellationToken))
            {
                var text = MemoryDocument.Serialize(memory);
                var name = $"{users[i]}/{memory.Id}{MemoryDocument.Extension}";
                if (archive is not null)
                {
                    var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                    entry.LastWriteTime = memory.Updated;
                    await using var stream = await entry.OpenAsync(cancellationToken);
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
                }
                else
                {
                    var target = Path.Combine(destination, name);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await File.WriteAllTextAsync(target, text, cancellationToken);
                }

                count++;
            }

            progress.Report(new RunProgress(i + 1, users.Count, _time.GetElapsedTime(started)));
        }

        output.WriteLine($"exported {count:N0} memories of {users.Count:N0} users to {destination}");
        return 0;
    }

    /// <summary>Rebuilds the search index of every user (or one) from the memories.</summary>
    public async Task<int> ReindexAsync(string? user, CancellationToken cancellationToken)
    {
        var users = user is null ? await corpus.ListUsersAsync(cancellationToken) : [MemoryRules.ValidateUser(user)];
        var progress = Progress("reindex");
        var started = _time.GetTimestamp();
        for (var i = 0; i < users.Count; i++)
        {
            await corpus.RebuildIndexAsync(users[i], cancellationToken);
            progress.Report(new RunProgress(i + 1, users.Count, _time.GetElapsedTime(started)));
        }

        output.WriteLine($"reindexed {users.Count:N0} users");
        return 0;
    }

    private Throttled Progress(string what) => new(what, error, _time);

    /// <summary>Writes progress lines at most once a second, and the last one always.</summary>
    private sealed class Throttled(string what, TextWriter error, TimeProvider time) : IProgress<RunProgress>
    {
        private long _last = long.MinValue;

        public void Report(RunProgress value)
        {
            var now = time.GetTimestamp();
            if (value.Done < value.Total && _last != long.MinValue && time.GetElapsedTime(_last, now) < TimeSpan.FromSeconds(1))
            {
                return;
            }

            _last = now;
            error.WriteLine($"{what}: {value}");
        }
    }
}
