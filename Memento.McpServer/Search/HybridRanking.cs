namespace Memento.McpServer.Search;

/// <summary>
/// Reciprocal rank fusion of the BM25 ranking and the embedding ranking: score = 1/(k + word rank) +
/// w/(k + similarity rank), a term only for the rankings a memory is in.
/// </summary>
internal static class HybridRanking
{
    public static IEnumerable<SearchHit> Fuse(
        IReadOnlyList<SearchHit> lexical,
        IReadOnlyList<(MemorySummary Summary, double Similarity)> semantic,
        int k,
        double semanticWeight = 1.0)
    {
        var fused = new Dictionary<string, (MemorySummary Summary, string Snippet, double Score)>(StringComparer.Ordinal);
        for (var i = 0; i < lexical.Count; i++)
        {
            var hit = lexical[i];
            fused[hit.Memory.Id] = (hit.Memory, hit.Snippet, 1.0 / (k + i + 1));
        }

        for (var i = 0; i < semantic.Count; i++)
        {
            var (summary, _) = semantic[i];
            var score = semanticWeight / (k + i + 1);
            fused[summary.Id] = fused.TryGetValue(summary.Id, out var existing)
                ? existing with { Score = existing.Score + score }
                : (summary, summary.Preview, score);
        }

        return fused.Values
            .OrderByDescending(f => f.Score)
            .ThenByDescending(f => f.Summary.Id, StringComparer.Ordinal)
            .Select(f => new SearchHit(f.Summary, f.Score, f.Snippet));
    }
}
