namespace Memento.McpServer.Embeddings;

/// <summary>
/// Where memories' vectors are kept so that every replica and every restart finds them: keyed by the
/// user, the memory's content hash and the model id, so an edit or a model change asks for a new vector
/// and an unchanged memory never gets one twice. The file provider keeps them beside the memories on
/// the shared volume (<c>Storage.FileVectorStore</c>); a database provider keeps them in its tables.
/// </summary>
public interface IVectorStore
{
    /// <summary>The stored vector, or null when none was stored for this content and model.</summary>
    ValueTask<float[]?> GetAsync(string user, string contentHash, string modelId, CancellationToken cancellationToken = default);

    /// <summary>Stores a vector; storing the same key again replaces it (all replicas compute the same vector).</summary>
    ValueTask PutAsync(string user, string contentHash, string modelId, ReadOnlyMemory<float> vector, CancellationToken cancellationToken = default);
}
