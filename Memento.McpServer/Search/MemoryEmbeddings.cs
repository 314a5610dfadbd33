using Microsoft.Extensions.AI;

namespace Memento.McpServer.Search;

/// <summary>The embedding calls of hybrid ranking: one vector per memory, one per query. Off (null vectors) without a generator.</summary>
public sealed class MemoryEmbeddings(IEmbeddingGenerator<string, Embedding<float>>? generator)
{
    /// <summary>Whether vectors are made at all.</summary>
    public bool Enabled => generator is not null;

    /// <summary>The vector of a memory, from its title and content; null when embeddings are off.</summary>
    public Task<float[]?> ForMemoryAsync(Memory memory, CancellationToken cancellationToken) =>
        EmbedAsync(memory.Title + "\n" + memory.Content, cancellationToken);

    /// <summary>The vector of a query's text; null when embeddings are off.</summary>
    public Task<float[]?> ForQueryAsync(string text, CancellationToken cancellationToken) => EmbedAsync(text, cancellationToken);

    private async Task<float[]?> EmbedAsync(string text, CancellationToken cancellationToken)
    {
        if (generator is null)
        {
            return null;
        }

        var embeddings = await generator.GenerateAsync([text], cancellationToken: cancellationToken);
        return embeddings[0].Vector.ToArray();
    }
}
