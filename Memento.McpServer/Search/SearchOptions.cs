using System.ComponentModel.DataAnnotations;

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
    /// Rank with BM25 and embeddings together (reciprocal rank fusion) when an
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> is registered. Default false.
    /// </summary>
    public bool Embeddings { get; init; }

    /// <summary>How many candidates each ranking contributes to the fusion (default 50).</summary>
    [Range(1, 1000)]
    public int HybridCandidates { get; init; } = 50;

    /// <summary>The constant k of reciprocal rank fusion, 1/(k + rank) (default 60).</summary>
    [Range(1, 1000)]
    public int FusionK { get; init; } = 60;
}
