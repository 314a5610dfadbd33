using Microsoft.Extensions.AI;

namespace Memento.McpServer.Embeddings;

/// <summary>
/// Whether a text is a search query or a memory. Retrieval models such as arctic-embed are trained
/// with a prefix on queries only; a generator that makes no such difference ignores it.
/// </summary>
public static class EmbeddingPurpose
{
    /// <summary>The key in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>.</summary>
    public const string Key = "memento.purpose";

    /// <summary>Options that mark the texts as search queries.</summary>
    public static EmbeddingGenerationOptions Query { get; } = new() { AdditionalProperties = new() { [Key] = "query" } };

    public static bool IsQuery(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(Key, out var value) == true && value is "query";
}
