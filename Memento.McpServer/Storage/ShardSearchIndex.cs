using Memento.McpServer.Search;

namespace Memento.McpServer.Storage;

/// <summary>One user's local SQLite FTS5 index as the search orchestration sees it, brought up to date with the files before each read.</summary>
internal sealed class ShardSearchIndex(UserShard shard, ReplicaFreshness freshness) : ISearchIndex
{
    public async Task<IReadOnlyList<SearchHit>> MatchAsync(IReadOnlyList<string> terms, bool everyWord, SearchQuery filters, int offset, int take, CancellationToken cancellationToken)
    {
        var match = FtsQuery.Build(terms, everyWord) ?? throw new ArgumentException("A search needs at least one term.", nameof(terms));
        return await freshness.ReadFreshAsync(shard, index => index.Search(match, terms, filters, offset, take), cancellationToken);
    }

    /// <summary>
    /// The nearest memories among the vectors this replica has in memory (exact search; see <see cref="Embeddings.VectorSet"/>),
    /// the tag and time filters applied first, so nothing outside them is returned and nothing inside them is crowded out.
    /// </summary>
    public async Task<IReadOnlyList<(MemorySummary Summary, double Similarity)>> NearestAsync(float[] vector, SearchQuery filters, int take, CancellationToken cancellationToken)
    {
        if (shard.Vectors is not { } vectors)
        {
            return [];
        }

        return await freshness.ReadFreshAsync(shard, index =>
        {
            var filtered = filters.Since is not null || filters.Until is not null || filters.Tags is { Count: > 0 };
            var allowed = filtered ? index.IdsMatching(filters) : null;
            var nearest = vectors.Nearest(vector, take, allowed is null ? null : allowed.Contains);
            var summaries = index.Summaries(nearest.Select(n => n.Id));
            return (IReadOnlyList<(MemorySummary, double)>)[.. nearest
                .Where(n => summaries.ContainsKey(n.Id))
                .Select(n => (summaries[n.Id], (double)n.Similarity))];
        }, cancellationToken);
    }
}
