using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>
/// Imports the original layout: <c>&lt;user&gt;/&lt;yyyyMMdd_HHmmss&gt;_memory.txt</c> with an optional JSON
/// sidecar (<c>…_memory.txt.meta</c> or <c>…_memory.meta</c>) holding tags, metadata and a timestamp.
/// The creation time comes from the sidecar or else the file name. Importing twice creates nothing new.
/// The <c>import</c> command takes Markdown folders and zips as well (see <see cref="ImportSources"/>).
/// </summary>
public sealed class SeedImporter(IMemoryCorpus store, ILogger<SeedImporter> logger)
{
    public Task<ImportReport> ImportAsync(string sourceRoot, CancellationToken cancellationToken = default)
    {
        var skipped = new List<string>();
        var items = ImportSources.SeedLayout(sourceRoot, skipped);
        return new MemoryImporter(store, logger).ImportAsync(items, skipped, progress: null, cancellationToken);
    }
}
