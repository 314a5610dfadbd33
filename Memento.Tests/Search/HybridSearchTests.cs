using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Storage;
using Microsoft.Extensions.AI;

namespace Memento.Tests.Search;

public sealed class HybridSearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_embeddings_a_query_finds_a_memory_by_meaning_that_shares_no_word_with_it()
    {
        using var env = new TestStore();
        var generator = new ConceptEmbeddingGenerator();
        var hybrid = env.Open(search: new SearchOptions { Embeddings = Memento.McpServer.Embeddings.EmbeddingProvider.Local }, embeddings: generator);
        var plain = env.Open(search: new SearchOptions { Embeddings = Memento.McpServer.Embeddings.EmbeddingProvider.Off }, embeddings: generator);
        var car = (await hybrid.StoreAsync("alice", new NewMemory("My car needs new tyres before the trip."), Ct)).Memory;
        await hybrid.StoreAsync("alice", new NewMemory("The doctor said to rest for a week."), Ct);
        await hybrid.StoreAsync("alice", new NewMemory("Automobile club newsletter about the physician's talk."), Ct);
        await hybrid.Embeddings.WhenVectorsReadyAsync(Ct);

        var byMeaning = await hybrid.SearchAsync("alice", new SearchQuery("vehicle maintenance"), Ct);
        var lexicalOnly = await plain.SearchAsync("alice", new SearchQuery("vehicle maintenance"), Ct);

        Assert.True(hybrid.HybridSearch);
        Assert.False(plain.HybridSearch);
        Assert.Equal(car.Id, byMeaning.Items[0].Memory.Id);
        Assert.Empty(lexicalOnly.Items);
        Assert.True(generator.Calls >= 4);
    }

    [Fact]
    public async Task Hybrid_ranking_keeps_exact_word_matches_first_and_respects_filters()
    {
        using var env = new TestStore();
        var hybrid = env.Open(search: new SearchOptions { Embeddings = Memento.McpServer.Embeddings.EmbeddingProvider.Local }, embeddings: new ConceptEmbeddingGenerator());
        var exact = (await hybrid.StoreAsync("alice", new NewMemory("Physician appointment on Monday", Tags: ["health"]), Ct)).Memory;
        await hybrid.StoreAsync("alice", new NewMemory("Doctor visit notes", Tags: ["archive"]), Ct);
        await hybrid.Embeddings.WhenVectorsReadyAsync(Ct);

        var hits = await hybrid.SearchAsync("alice", new SearchQuery("physician appointment"), Ct);
        var filtered = await hybrid.SearchAsync("alice", new SearchQuery("physician", Tags: ["archive"]), Ct);

        Assert.Equal(exact.Id, hits.Items[0].Memory.Id);
        Assert.Equal(2, hits.Items.Count);
        Assert.All(filtered.Items, h => Assert.Contains("archive", h.Memory.Tags));
    }

    /// <summary>A deterministic embedding: one dimension per concept, set when any of its words occurs.</summary>
    private sealed class ConceptEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private static readonly string[][] Concepts =
        [
            ["car", "automobile", "vehicle", "tyres", "tires"],
            ["doctor", "physician", "health", "appointment"],
            ["trip", "travel", "journey"],
            ["maintenance", "repair", "service", "tyres"],
            ["rest", "week", "monday"],
        ];

        public int Calls { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (var value in values)
            {
                Calls++;
                var words = value.ToLowerInvariant().Split([' ', '.', ',', '\'', '\n'], StringSplitOptions.RemoveEmptyEntries);
                var vector = new float[Concepts.Length + 1];
                vector[^1] = 0.01f;
                for (var i = 0; i < Concepts.Length; i++)
                {
                    vector[i] = words.Count(w => Concepts[i].Contains(w));
                }

                result.Add(new Embedding<float>(vector));
            }

            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
