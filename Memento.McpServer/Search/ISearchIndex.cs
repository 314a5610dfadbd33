namespace Memento.McpServer.Search;

/// <summary>
/// What a storage provider offers <see cref="MemorySearch"/> over one user's memories: full-text matches
/// ranked by the provider's engine and, for hybrid ranking, the memories nearest to a vector. Both apply
/// the query's tag and time filters. Which words to ask for, the fallback from every word to any word,
/// fusion and cursors are the orchestration's, the same for every provider.
/// </summary>
public interface ISearchIndex
{
    /// <summary>
    /// Memories holding every one of <paramref name="terms"/> (<paramref name="everyWord"/>) or any of them, best first,
    /// skipping <paramref name="offset"/> and taking at most <paramref name="take"/>, each with a snippet marking the terms.
    /// </summary>
    Task<IReadOnlyList<SearchHit>> MatchAsync(IReadOnlyList<string> terms, bool everyWord, SearchQuery filters, int offset, int take, CancellationToken cancellationToken);

    /// <summary>The memories closest to <paramref name="vector"/> by cosine similarity, most similar first, at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<(MemorySummary Summary, double Similarity)>> NearestAsync(float[] vector, SearchQuery filters, int take, CancellationToken cancellationToken);
}
