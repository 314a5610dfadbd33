using Memento.McpServer.Embeddings;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Storage;

/// <summary>Hybrid ranking on the PostgreSQL provider, with the packaged local model.</summary>
public sealed class PostgresHybridSearchTests(PostgresServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_question_put_in_other_words_finds_its_note_by_meaning_with_the_local_model()
    {
        await using var env = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        using var model = new LocalEmbeddingGenerator();
        var store = env.Open(new SearchOptions(), model);
        var budget = await store.StoreAsync("alice", new NewMemory("We agreed to cut the mobile budget by 15%."), Ct);
        await store.StoreAsync("alice", new NewMemory("The garden needs watering twice a week in summer."), Ct);
        await store.StoreAsync("alice", new NewMemory("Kubernetes cluster upgrade planned for the next sprint."), Ct);
        await env.VectorsReadyAsync(store, Ct).WaitAsync(Timeout, Ct);
        await model.LoadAsync().WaitAsync(Timeout, Ct);
        var plain = env.Open(new SearchOptions { Embeddings = EmbeddingProvider.Off }, null);

        var byMeaning = await store.SearchAsync("alice", new SearchQuery("what did we decide about money for the phone app"), Ct);
        var byWordsOnly = await plain.SearchAsync("alice", new SearchQuery("what did we decide about money for the phone app"), Ct);

        Assert.Equal(budget.Memory.Id, byMeaning.Items[0].Memory.Id);
        Assert.DoesNotContain(budget.Memory.Id, byWordsOnly.Items.Select(h => h.Memory.Id));
    }
}
