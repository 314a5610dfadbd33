using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Memento.McpServer.Embeddings;

/// <summary>
/// Query vectors by text, computed once: a repeated query (the same text, by any user) does not embed
/// again, and concurrent searches for the same text share one call. Bounded: past
/// <see cref="Capacity"/> entries the oldest are dropped.
/// </summary>
public sealed class QueryEmbeddings(IEmbeddingGenerator<string, Embedding<float>> generator, int capacity = 4096)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<float[]>>> _vectors = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private long _computed;

    public int Capacity { get; } = capacity;

    /// <summary>How many queries were embedded (not served from the cache).</summary>
    public long Computed => Interlocked.Read(ref _computed);

    public IEmbeddingGenerator<string, Embedding<float>> Generator => generator;

    public async Task<float[]> GetAsync(string text, CancellationToken cancellationToken)
    {
        var entry = _vectors.GetOrAdd(text, key => new Lazy<Task<float[]>>(() => ComputeAsync(key)));
        if (!entry.IsValueCreated)
        {
            _order.Enqueue(text);
            Trim();
        }

        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (entry.Value.IsFaulted || entry.Value.IsCanceled)
        {
            // A failed call is not cached: the next search for the text tries again.
            _vectors.TryRemove(new KeyValuePair<string, Lazy<Task<float[]>>>(text, entry));
            throw;
        }
    }

    private async Task<float[]> ComputeAsync(string text)
    {
        Interlocked.Increment(ref _computed);
        // Not the caller's token: the call is shared with the other searches for the same text.
        var embeddings = await generator.GenerateAsync([text], EmbeddingPurpose.Query, CancellationToken.None);
        return embeddings[0].Vector.ToArray();
    }

    private void Trim()
    {
        while (_vectors.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _vectors.TryRemove(oldest, out _);
        }
    }
}
