using Memento.McpServer.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.McpServer.Search;

/// <summary>
/// The embedding side of hybrid ranking, the same for every provider: query vectors (cached, so a
/// repeated query does not embed twice, and never waited for longer than <see cref="SearchOptions.QueryEmbeddingTimeout"/>:
/// without one the search ranks by words), memory vectors made in the background and kept in an
/// <see cref="IVectorStore"/>, and the model's id that keys them. Off (null vectors) without a generator.
/// </summary>
public sealed partial class MemoryEmbeddings : IDisposable
{
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _generator;
    private readonly QueryEmbeddings? _queries;
    private readonly EmbeddingWorker? _worker;
    private readonly TimeSpan _queryTimeout;
    private readonly ILogger _logger;

    public MemoryEmbeddings(
        IEmbeddingGenerator<string, Embedding<float>>? generator,
        IVectorStore? vectors = null,
        SearchOptions? options = null,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        _generator = generator;
        _logger = logger ?? NullLogger.Instance;
        options ??= new SearchOptions();
        _queryTimeout = options.QueryEmbeddingTimeout;
        if (generator is null)
        {
            return;
        }

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        ModelId = metadata?.DefaultModelId ?? generator.GetType().Name;
        Dimensions = metadata?.DefaultModelDimensions;
        _queries = new QueryEmbeddings(generator);
        if (vectors is not null)
        {
            _worker = new EmbeddingWorker(generator, vectors, ModelId, time ?? TimeProvider.System, _logger) { PeerGrace = options.PeerVectorGrace };
        }

        // Loading the local model takes a second or two of CPU: start it now, off the request path.
        (generator as LocalEmbeddingGenerator)?.LoadAsync();
    }

    /// <summary>Whether vectors are made at all.</summary>
    public bool Enabled => _generator is not null;

    /// <summary>The model whose vectors these are (part of each persisted vector's key); null when off.</summary>
    public string? ModelId { get; }

    /// <summary>The model's dimensions when it says them in advance (the local model does; Azure's are learnt from the first vector).</summary>
    public int? Dimensions { get; }

    /// <summary>Memory vectors waiting to be made or loaded.</summary>
    public long PendingVectors => _worker?.Pending ?? 0;

    /// <summary>The model, for a provider that makes its memory vectors itself; null when off.</summary>
    internal IEmbeddingGenerator<string, Embedding<float>>? Generator => _generator;

    /// <summary>The background worker, when vectors are persisted.</summary>
    internal EmbeddingWorker? Worker => _worker;

    /// <summary>Query embeddings computed so far (a repeated query is served from the cache).</summary>
    public long QueriesEmbedded => _queries?.Computed ?? 0;

    /// <summary>
    /// The vector of a query's text, or null: embeddings off, the local model still loading, the model
    /// failing or slower than the timeout. A search then ranks by words alone rather than wait.
    /// </summary>
    public async Task<float[]?> ForQueryAsync(string text, CancellationToken cancellationToken)
    {
        if (_queries is null)
        {
            return null;
        }

        if (_generator is LocalEmbeddingGenerator { IsLoaded: false })
        {
            return null;
        }

        try
        {
            return await _queries.GetAsync(text, cancellationToken).WaitAsync(_queryTimeout, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogQueryEmbeddingFailed(e.GetType().Name, e.Message);
            return null;
        }
    }

    /// <summary>Asks, in the background, for the vector of a memory's current content to be put in <paramref name="target"/>.</summary>
    public void Schedule(VectorSet target, string user, string id, string contentHash, string title, string content, bool writtenHere, DateTimeOffset writtenAt) =>
        _worker?.Enqueue(target, user, id, contentHash, TextOf(title, content), writtenHere, writtenAt);

    /// <summary>
    /// Asks, in the background, for the vector of a memory another replica or an earlier run wrote, reading
    /// its text only if the vector has to be made (<paramref name="read"/> returns null when it is gone).
    /// </summary>
    public void Schedule(VectorSet target, string user, string id, string contentHash, Func<(string Title, string Content)?> read, DateTimeOffset writtenAt) =>
        _worker?.Enqueue(target, user, id, contentHash, () => read() is { } memory ? TextOf(memory.Title, memory.Content) : null, writtenAt);

    /// <summary>Where the vector work stands now (null when vectors are not persisted), for <see cref="ReportWhenReady"/>.</summary>
    public VectorProgress? Progress() => _worker?.Progress();

    /// <summary>Logs when the vectors asked for so far, <paramref name="count"/> of them found by a scan of <paramref name="user"/> that began at <paramref name="since"/>, are ready.</summary>
    public void ReportWhenReady(string user, int count, VectorProgress since) => _worker?.ReportWhenReady(user, count, since);

    /// <summary>A new, empty set for one user's vectors, or null when embeddings are off.</summary>
    public VectorSet? NewVectorSet() => _generator is null ? null : new VectorSet(Dimensions ?? 0);

    /// <summary>Completes when every memory vector asked for so far is made or loaded.</summary>
    public Task WhenVectorsReadyAsync(CancellationToken cancellationToken) => _worker?.WhenIdleAsync(cancellationToken) ?? Task.CompletedTask;

    public void Dispose() => _worker?.Dispose();

    /// <summary>The text a memory's vector is made from, the same for every provider.</summary>
    internal static string TextOf(string title, string content) => title + "\n" + content;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The query could not be embedded ({Type}: {Reason}); this search ranks by words only")]
    private partial void LogQueryEmbeddingFailed(string type, string reason);
}
