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

    public async Task<IReadOnlyList<(MemorySummary Summary, double Similarity)>> NearestAsync(float[] vector, SearchQuery filters, int take, CancellationToken cancellationToken) =>
        await freshness.ReadFreshAsync(shard, index => index.Nearest(vector, filters, take), cancellationToken);
}
