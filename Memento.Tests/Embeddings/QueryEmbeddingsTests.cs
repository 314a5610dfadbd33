using Memento.McpServer.Embeddings;
using Microsoft.Extensions.AI;

namespace Memento.Tests.Embeddings;

public sealed class QueryEmbeddingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_repeated_query_is_embedded_once_even_when_searched_side_by_side()
    {
        var generator = new CountingGenerator();
        var cache = new QueryEmbeddings(generator);

        var vectors = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cache.GetAsync("budget for the phone app", Ct)));
        await cache.GetAsync("budget for the phone app", Ct);
        await cache.GetAsync("another question", Ct);

        Assert.Equal(2, generator.Calls);
        Assert.Equal(2, cache.Computed);
        Assert.All(vectors, v => Assert.Same(vectors[0], v));
        Assert.True(generator.SawQueryPurpose);
    }

    [Fact]
    public async Task A_failed_embedding_is_not_kept_and_old_queries_make_room()
    {
        var generator = new CountingGenerator { FailNext = true };
        var cache = new QueryEmbeddings(generator, capacity: 2);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("q1", Ct));
        await cache.GetAsync("q1", Ct);
        await cache.GetAsync("q2", Ct);
        await cache.GetAsync("q3", Ct);
        await cache.GetAsync("q1", Ct);

        Assert.Equal(5, generator.Calls);
    }

    private sealed class CountingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;

        public int Calls => _calls;

        public bool FailNext { get; set; }

        public bool SawQueryPurpose { get; private set; }

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            SawQueryPurpose |= EmbeddingPurpose.IsQuery(options);
            await Task.Yield();
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("scripted failure");
            }

            return [.. values.Select(v => new Embedding<float>(new float[] { v.Length, 1 }))];
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
