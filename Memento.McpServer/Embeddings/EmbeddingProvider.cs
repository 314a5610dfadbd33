namespace Memento.McpServer.Embeddings;

/// <summary>Which embedding model ranks searches by meaning (<c>Memento:Search:Embeddings</c>).</summary>
public enum EmbeddingProvider
{
    /// <summary>BM25 only: searches rank by words.</summary>
    Off,

    /// <summary>The model shipped in the server's packages, run in process (the default).</summary>
    Local,

    /// <summary>An Azure OpenAI embedding deployment, from <c>ConnectionStrings:openai</c>.</summary>
    Azure,
}
