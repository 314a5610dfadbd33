using System.Numerics.Tensors;
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
        // The recipe is part of the key: vectors made another way are not mixed with these, they are made again.
        ModelId = (metadata?.DefaultModelId ?? generator.GetType().Name) + Recipe;
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

    /// <summary>
    /// How much of the title's own vector is added to the whole memory's (<see cref="EmbedMemoriesAsync"/>).
    /// A question usually names what a memory is about, which its title says in a few words that the
    /// whole text's vector dilutes. Measured on the labelled set (docs/benchmarks.md): paraphrase recall@5
    /// 0.792 without, 0.861 with any weight from 0.25 to 0.75 (on each half of the queries alike), 0.833 at 1.
    /// </summary>
    internal const float TitleWeight = 0.5f;

    /// <summary>Names the way memory vectors are made (<see cref="TitleWeight"/>), after the model's id in their key.</summary>
    internal const string Recipe = "+title";

    /// <summary>The model and recipe whose vectors these are (each persisted vector's key); null when off.</summary>
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
    /// its text (<see cref="TextOf"/>) only if the vector has to be made (<paramref name="readText"/> returns
    /// null when the memory is gone or changed).
    /// </summary>
    public void Schedule(VectorSet target, string user, string id, string contentHash, Func<string?> readText, DateTimeOffset writtenAt) =>
        _worker?.Enqueue(target, user, id, contentHash, readText, writtenAt);

    /// <summary>Where the vector work stands now (null when vectors are not persisted), for <see cref="ReportWhenReady"/>.</summary>
    public VectorProgress? Progress() => _worker?.Progress();

    /// <summary>Logs when the vectors asked for so far, <paramref name="count"/> of them found by a scan of <paramref name="user"/> that began at <paramref name="since"/>, are ready.</summary>
    public void ReportWhenReady(string user, int count, VectorProgress since) => _worker?.ReportWhenReady(user, count, since);

    /// <summary>A new, empty set for one user's vectors, or null when embeddings are off.</summary>
    public VectorSet? NewVectorSet() => _generator is null ? null : new VectorSet(Dimensions ?? 0);

    /// <summary>Completes when every memory vector asked for so far is made or loaded.</summary>
    public Task WhenVectorsReadyAsync(CancellationToken cancellationToken) => _worker?.WhenIdleAsync(cancellationToken) ?? Task.CompletedTask;

    public void Dispose() => _worker?.Dispose();

    /// <summary>The text a memory's vector is made from, the same for every provider: its title (one line), then its content.</summary>
    internal static string TextOf(string title, string content) => title + "\n" + content;

    /// <summary>
    /// The vectors of memories, each given as <see cref="TextOf"/>, in one call to the model: the whole text's
    /// vector and the title's, each of unit length, added with the title weighted by <see cref="TitleWeight"/>,
    /// and the sum scaled to unit length. One vector a memory, so a search costs what it would without.
    /// </summary>
    internal static async Task<float[][]> EmbedMemoriesAsync(IEmbeddingGenerator<string, Embedding<float>> generator, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var inputs = new List<string>(texts.Count * 2);
        foreach (var text in texts)
        {
            inputs.Add(text);
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            inputs.Add(newline < 0 ? text : text[..newline]);
        }

        var embeddings = await generator.GenerateAsync(inputs, cancellationToken: cancellationToken);
        if (embeddings.Count != inputs.Count)
        {
            throw new InvalidOperationException($"The model returned {embeddings.Count} vectors for {inputs.Count} texts.");
        }

        var vectors = new float[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            vectors[i] = Combine(embeddings[2 * i].Vector.Span, embeddings[(2 * i) + 1].Vector.Span, TitleWeight);
        }

        return vectors;
    }

    /// <summary>A memory's vector from its whole text's and its title's: each at unit length, the title's weighted, the sum at unit length.</summary>
    internal static float[] Combine(ReadOnlySpan<float> whole, ReadOnlySpan<float> title, float titleWeight)
    {
        if (whole.Length != title.Length)
        {
            throw new InvalidOperationException($"The model returned vectors of {whole.Length} and {title.Length} dimensions for one memory.");
        }

        var vector = new float[whole.Length];
        var wholeNorm = TensorPrimitives.Norm(whole);
        var titleNorm = TensorPrimitives.Norm(title);
        if (wholeNorm > 0)
        {
            TensorPrimitives.Multiply(whole, 1 / wholeNorm, vector);
        }

        if (titleNorm > 0)
        {
            TensorPrimitives.MultiplyAdd(title, titleWeight / titleNorm, vector, vector);
        }

        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The query could not be embedded ({Type}: {Reason}); this search ranks by words only")]
    private partial void LogQueryEmbeddingFailed(string type, string reason);
}
