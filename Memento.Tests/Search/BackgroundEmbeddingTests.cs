using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Memento.Tests.Search;

/// <summary>
/// The file provider's memory vectors: kept beside the memories, loaded rather than recomputed, bound to the
/// open user. What every provider promises (a store does not wait for its vector, filters before ranking) is in
/// <see cref="Storage.MemoryStoreContract"/>.
/// </summary>
public sealed class BackgroundEmbeddingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Vectors_are_kept_beside_the_memories_so_another_replica_and_a_restart_compute_none_and_a_new_model_recomputes()
    {
        using var env = new TestStore();
        var first = new HeldEmbeddingGenerator(held: false);
        var writer = env.Open(embeddings: first);
        for (var i = 0; i < 5; i++)
        {
            await writer.StoreAsync("alice", new NewMemory($"Note {i} about the phone budget"), Ct);
        }

        await writer.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var computedByWriter = first.Calls;

        var second = new HeldEmbeddingGenerator(held: false);
        var replica = env.Open(embeddings: second);
        await replica.OpenUserAsync("alice", Ct);
        await replica.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var afterLoad = await replica.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct);

        var newModel = new HeldEmbeddingGenerator(held: false, modelId: "concepts-v2");
        // Nobody else makes the new model's vectors: no wait for another replica.
        var upgraded = env.Open(search: new SearchOptions { PeerVectorGrace = TimeSpan.Zero }, embeddings: newModel);
        await upgraded.OpenUserAsync("alice", Ct);
        await upgraded.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(5, computedByWriter);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(env.UserDirectory("alice"), FileVectorStore.Folder, "concepts-v1_title")).Length);
        Assert.Equal(0, second.Calls);
        Assert.Equal(1, second.Queries);
        Assert.Equal(0, replica.Embeddings.Worker!.Computed);
        Assert.Equal(5, replica.Embeddings.Worker!.Loaded);
        Assert.Equal(5, afterLoad.Items.Count);
        Assert.Equal(5, upgraded.Embeddings.Worker!.Computed);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(env.UserDirectory("alice"), FileVectorStore.Folder, "concepts-v2_title")).Length);
    }

    [Fact]
    public async Task A_vector_the_model_finishes_after_the_store_stopped_is_not_written()
    {
        using var env = new TestStore();
        var generator = new HeldEmbeddingGenerator { FinishesWhenCancelled = true };
        var store = env.Open(embeddings: generator);
        await store.StoreAsync("alice", new NewMemory("Note about the phone budget"), Ct);
        var deadline = DateTime.UtcNow + Timeout;
        while (generator.Calls == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, Ct);
        }

        // Stopping cancels the worker while the model runs; the model then finishes its vector anyway.
        store.Dispose();

        Assert.Equal(1, generator.Calls);
        var folder = Path.Combine(env.UserDirectory("alice"), FileVectorStore.Folder);
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task A_search_waits_for_its_own_query_only_and_a_repeated_query_embeds_once()
    {
        using var env = new TestStore();
        var generator = new HeldEmbeddingGenerator(held: false) { HoldTextsWith = "held" };
        var store = env.Open(embeddings: generator);
        await store.StoreAsync("alice", new NewMemory("A held note whose embedding does not finish"), Ct);
        await store.StoreAsync("alice", new NewMemory("The mobile budget was cut"), Ct);

        var first = await store.SearchAsync("alice", new SearchQuery("phone money"), Ct).WaitAsync(Timeout, Ct);
        var again = await store.SearchAsync("alice", new SearchQuery("phone money"), Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(1, store.Embeddings.QueriesEmbedded);
        Assert.Equal(1, generator.Queries);
        Assert.Equal(first.Items.Select(h => h.Memory.Id), again.Items.Select(h => h.Memory.Id));
        Assert.True(store.Embeddings.PendingVectors >= 1);
        generator.Release();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_closed_user_takes_its_vectors_out_of_memory_and_gets_them_back_from_the_shared_folder_when_opened_again(bool indexFile)
    {
        // With an index file (Search:IndexPath) the reopened user's index is current already: no file is indexed again.
        using var indexes = new Infrastructure.TempDirectory("memento-index");
        using var env = new TestStore(new StorageOptions { MaxOpenUsers = 1 }, indexFile ? new SearchOptions { IndexPath = indexes.Path } : null);
        var generator = new HeldEmbeddingGenerator(held: false);
        var store = env.Open(embeddings: generator);
        var budget = await store.StoreAsync("alice", new NewMemory("We agreed to cut the mobile budget by 15%."), Ct);
        await store.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var computedBeforeClose = store.Embeddings.Worker!.Computed;

        await store.StoreAsync("bob", new NewMemory("Bob's unrelated note on gardening"), Ct);
        await store.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var openWithBob = store.OpenUsers;
        await store.OpenUserAsync("alice", Ct);
        await store.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var byMeaning = await store.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct);

        Assert.Equal(1, openWithBob);
        Assert.Equal(1, computedBeforeClose);
        Assert.Equal(budget.Memory.Id, Assert.Single(byMeaning.Items).Memory.Id);
        // Alice's vector came back from .vectors: only Bob's was computed since.
        Assert.Equal(2, store.Embeddings.Worker!.Computed);
        Assert.Equal(1, store.Embeddings.Worker!.Loaded);
    }

    [Fact]
    public async Task After_a_restart_on_an_index_file_the_memories_it_already_holds_get_their_vectors_back()
    {
        using var indexes = new Infrastructure.TempDirectory("memento-index");
        using var env = new TestStore(search: new SearchOptions { IndexPath = indexes.Path });
        var writer = env.Open(embeddings: new HeldEmbeddingGenerator(held: false));
        var budget = await writer.StoreAsync("alice", new NewMemory("We agreed to cut the mobile budget by 15%."), Ct);
        await writer.StoreAsync("alice", new NewMemory("Held: the garden note"), Ct);
        await writer.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        writer.Dispose();

        var model = new HeldEmbeddingGenerator(held: false);
        var restarted = env.Open(embeddings: model);
        await restarted.OpenUserAsync("alice", Ct);
        await restarted.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var byMeaning = await restarted.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct);

        Assert.Equal(2, restarted.Embeddings.Worker!.Loaded);
        Assert.Equal(0, model.Calls);
        Assert.Equal(budget.Memory.Id, byMeaning.Items[0].Memory.Id);
    }

    [Fact]
    public async Task Opening_a_user_of_many_memories_logs_when_all_of_them_are_ranked_by_meaning_and_a_small_user_logs_nothing()
    {
        using var env = new TestStore();
        var writer = env.Open(embeddings: new HeldEmbeddingGenerator(held: false));
        for (var i = 0; i < 1000; i++)
        {
            await writer.StoreAsync("alice", new NewMemory($"Note {i} about the phone budget"), Ct);
        }

        await writer.StoreAsync("bob", new NewMemory("Bob's only note"), Ct);
        await writer.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);

        var log = new ListLogger<FileMemoryStore>();
        var generator = new HeldEmbeddingGenerator(held: false);
        var replica = env.Open(logger: log, embeddings: generator);
        await replica.OpenUserAsync("alice", Ct);
        await replica.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        // The report comes after the last batch; give the worker a moment past its idle point.
        var deadline = DateTime.UtcNow + Timeout;
        while (!log.Entries.Any(e => e.Message.Contains("ranked by meaning", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        // Bob's one memory, opened after Alice's report (its counts are of the worker's work meanwhile).
        await replica.OpenUserAsync("bob", Ct);
        await replica.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        await Task.Delay(200, Ct);

        var ready = Assert.Single(log.Entries, e => e.Message.Contains("ranked by meaning", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, ready.Level);
        Assert.Contains("user alice: the 1000 memories", ready.Message, StringComparison.Ordinal);
        Assert.Contains("1000 vectors read back and 0 computed", ready.Message, StringComparison.Ordinal);
        Assert.Equal(0, generator.Calls);
    }

    [Fact]
    public async Task Memories_waiting_for_the_replica_that_wrote_them_are_reported_ranked_by_meaning_only_once_they_have_vectors()
    {
        using var env = new TestStore();
        // Written by a replica that made no vectors (or by hand) a moment ago: the opening replica first
        // waits PeerVectorGrace for the writer's vectors, then makes them itself.
        var writer = env.Open();
        for (var i = 0; i < 1000; i++)
        {
            await writer.StoreAsync("alice", new NewMemory($"Note {i} about the phone budget"), Ct);
        }

        var log = new ListLogger<FileMemoryStore>();
        var generator = new HeldEmbeddingGenerator(held: false);
        var replica = env.Open(logger: log, search: new SearchOptions { PeerVectorGrace = TimeSpan.FromSeconds(5) }, embeddings: generator);
        await replica.OpenUserAsync("alice", Ct);
        var deadline = DateTime.UtcNow + Timeout;
        while (!log.Entries.Any(e => e.Message.Contains("ranked by meaning", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        var ready = Assert.Single(log.Entries, e => e.Message.Contains("ranked by meaning", StringComparison.Ordinal));
        Assert.Contains("0 vectors read back and 1000 computed", ready.Message, StringComparison.Ordinal);
        Assert.Equal(1000, generator.Calls);
    }
}
