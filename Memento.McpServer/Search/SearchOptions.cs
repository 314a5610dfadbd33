using System.ComponentModel.DataAnnotations;
using Memento.McpServer.Embeddings;

namespace Memento.McpServer.Search;

/// <summary>Where each replica keeps its search index, and optional semantic ranking. Bound from <c>Memento:Search</c>.</summary>
public sealed record SearchOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Memento:Search";

    /// <summary>
    /// A local folder for the index files (one SQLite file per user). Unset: the index lives in memory
    /// and is rebuilt from the files at start. Never put it on the shared storage root: SQLite over SMB
    /// is unsafe, and the index is a per-replica cache.
    /// </summary>
    public string? IndexPath { get; init; }

    /// <summary>
    /// Which embedding model ranks by meaning beside BM25: <c>local</c> (default: a model shipped in the
    /// server's packages, run in process), <c>azure</c> (an Azure OpenAI embedding deployment from
    /// <c>ConnectionStrings:openai</c>) or <c>off</c> (BM25 only).
    /// </summary>
    public EmbeddingProvider Embeddings { get; init; } = EmbeddingProvider.Local;

    /// <summary>The local model: <c>all-minilm-l6-v2</c> (default) or <c>snowflake-arctic-embed-xs</c> (when its package is in the build).</summary>
    public string LocalModel { get; init; } = Memento.McpServer.Embeddings.LocalModel.MiniLM.Id;

    /// <summary>The Azure OpenAI embedding deployment with <c>Embeddings=azure</c> (default <c>text-embedding-3-small</c>).</summary>
    public string AzureDeployment { get; init; } = "text-embedding-3-small";

    /// <summary>How many candidates each ranking contributes to the fusion (default 50).</summary>
    [Range(1, 1000, ErrorMessage = "Memento:Search:HybridCandidates must be between {1} and {2}.")]
    public int HybridCandidates { get; init; } = 50;

    /// <summary>The constant k of reciprocal rank fusion, w/(k + rank) (default 60).</summary>
    [Range(1, 1000, ErrorMessage = "Memento:Search:FusionK must be between {1} and {2}.")]
    public int FusionK { get; init; } = 60;

    /// <summary>The weight w of the similarity ranking in the fusion; the word ranking's is 1 (default 1).</summary>
    [Range(0.0, 100.0, ErrorMessage = "Memento:Search:SemanticWeight must be between {1} and {2}.")]
    public double SemanticWeight { get; init; } = 1.0;

    /// <summary>Memories less similar than this (cosine) to the query are not candidates by meaning (default 0: any positive similarity).</summary>
    [Range(-1.0, 1.0, ErrorMessage = "Memento:Search:MinSimilarity must be between {1} and {2}.")]
    public double MinSimilarity { get; init; }

    /// <summary>
    /// Which word matches take part in the fusion: <c>true</c> (default), the memories holding every word
    /// of the query; <c>false</c>, those holding any. Any-word matches of a question put in other words are
    /// mostly noise that pushes the memories found by meaning down (docs/benchmarks.md).
    /// </summary>
    public bool FuseEveryWordOnly { get; init; } = true;

    /// <summary>
    /// How long a replica waits for the vector of a memory another replica wrote before it computes the
    /// vector itself (the writer may have stopped, or the file was edited by hand). Default 30 s.
    /// </summary>
    public TimeSpan PeerVectorGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a search waits for its query's embedding before it ranks by words alone (default 5 s).</summary>
    public TimeSpan QueryEmbeddingTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
