namespace Memento.McpServer.Search;

/// <summary>
/// Search over any provider's <see cref="ISearchIndex"/>. Memories holding every word are what a person
/// means; any word is the fallback when none does. With embeddings on, the provider's full-text ranking
/// and vector similarity are fused (reciprocal rank fusion). Cursors carry the offset and the word mode,
/// so the next page continues the same ranking.
/// </summary>
public sealed class MemorySearch(SearchOptions options, MemoryEmbeddings embeddings)
{
    /// <summary>Whether searches fuse full-text ranking with embeddings.</summary>
    public bool Hybrid => embeddings.Enabled;

    /// <summary>Checks a query before any memory is touched: limit, time range, words to search for, cursor.</summary>
    /// <exception cref="MemoryValidationException">The query cannot be run; the message says what to change.</exception>
    public SearchPlan Plan(SearchQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        QueryRules.CheckLimit(query.Limit);
        QueryRules.CheckRange(query.Since, query.Until);
        var terms = FtsQuery.Terms(query.Text);
        if (terms.Count == 0)
        {
            throw new MemoryValidationException("The query has no words to search for.");
        }

        var (offset, everyWord) = PageCursor.ParseSearch(query.Cursor, query.Text);
        return new SearchPlan(query, terms, offset, everyWord);
    }

    /// <summary>Runs a checked query against one user's index; <see cref="SearchResult.EveryWord"/> tells which mode answered.</summary>
    public async Task<SearchResult> RunAsync(ISearchIndex index, SearchPlan plan, CancellationToken cancellationToken)
    {
        var (query, terms, offset, cursorMode) = plan;
        var take = query.Limit + 1;
        List<SearchHit> hits;
        bool everyWord;
        if (await embeddings.ForQueryAsync(query.Text, cancellationToken) is { } vector)
        {
            var depth = Math.Max(options.HybridCandidates, offset + take);
            var lexical = await index.MatchAsync(terms, everyWord: options.FuseEveryWordOnly, query, 0, depth, cancellationToken);
            var semantic = (await index.NearestAsync(vector, query, depth, cancellationToken)).Where(s => s.Similarity >= options.MinSimilarity).ToList();
            hits = [.. HybridRanking.Fuse(lexical, semantic, options.FusionK, options.SemanticWeight).Skip(offset).Take(take)];
            everyWord = false;
        }
        else
        {
            everyWord = cursorMode ?? true;
            hits = [.. await index.MatchAsync(terms, everyWord, query, offset, take, cancellationToken)];
            if (cursorMode is null && hits.Count == 0)
            {
                hits = [.. await index.MatchAsync(terms, everyWord: false, query, offset, take, cancellationToken)];
                everyWord = false;
            }
        }

        var next = hits.Count > query.Limit ? PageCursor.ForSearch(offset + query.Limit, query.Text, everyWord) : null;
        if (next is not null)
        {
            hits.RemoveAt(hits.Count - 1);
        }

        return new SearchResult(new Page<SearchHit>(hits, next), everyWord);
    }
}

/// <summary>A checked query: its words, the offset to start at and the word mode a cursor fixed (null on the first page).</summary>
public sealed record SearchPlan(SearchQuery Query, IReadOnlyList<string> Terms, int Offset, bool? EveryWord);

/// <summary>A page of hits, and whether they hold every word of the query (false: any word, or hybrid ranking).</summary>
public sealed record SearchResult(Page<SearchHit> Page, bool EveryWord);
