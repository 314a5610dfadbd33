using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Storage;
using Microsoft.Extensions.AI;

namespace Memento.Tests.Search;

/// <summary>Memory vectors are made in the background, kept beside the memories, and never waited for.</summary>
public sealed class BackgroundEmbeddingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_store_is_acknowledged_while_its_embedding_is_held_and_is_found_by_words_at_once_and_by_meaning_after()
    {
        using var env = new TestStore();
        var generator = new HeldGenerator();
        var store = env.Open(embeddings: generator);

        var stored = await store.StoreAsync("alice", new NewMemory("We agreed to cut the mobile budget by 15%."), Ct).WaitAsync(Timeout, Ct);
        var byWords = await store.SearchAsync("alice", new SearchQuery("mobile budget"), Ct).WaitAsync(Timeout, Ct);
        var byMeaningBefore = await store.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct).WaitAsync(Timeout, Ct);
        generator.Release();
        await store.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var byMeaningAfter = await store.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct).WaitAsync(Timeout, Ct);

        Assert.True(stored.Created);
        Assert.Equal(stored.Memory.Id, Assert.Single(byWords.Items).Memory.Id);
        Assert.Empty(byMeaningBefore.Items);
        Assert.Equal(stored.Memory.Id, Assert.Single(byMeaningAfter.Items).Memory.Id);
    }

    [Fact]
    public async Task Vectors_are_kept_beside_the_memories_so_another_replica_and_a_restart_compute_none_and_a_new_model_recomputes()
    {
        using var env = new TestStore();
        var first = new HeldGenerator(held: false);
        var writer = env.Open(embeddings: first);
        for (var i = 0; i < 5; i++)
        {
            await writer.StoreAsync("alice", new NewMemory($"Note {i} about the phone budget"), Ct);
        }

        await writer.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var computedByWriter = first.Calls;

        var second = new HeldGenerator(held: false);
        var replica = env.Open(embeddings: second);
        await replica.OpenUserAsync("alice", Ct);
        await replica.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var afterLoad = await replica.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct);

        var newModel = new HeldGenerator(held: false, modelId: "concepts-v2");
        // Nobody else makes the new model's vectors: no wait for another replica.
        var upgraded = env.Open(search: new SearchOptions { PeerVectorGrace = TimeSpan.Zero }, embeddings: newModel);
        await upgraded.OpenUserAsync("alice", Ct);
        await upgraded.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(5, computedByWriter);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(env.UserDirectory("alice"), FileVectorStore.Folder, "concepts-v1")).Length);
        Assert.Equal(0, second.Calls);
        Assert.Equal(1, second.Queries);
        Assert.Equal(0, replica.Embeddings.Worker!.Computed);
        Assert.Equal(5, replica.Embeddings.Worker!.Loaded);
        Assert.Equal(5, afterLoad.Items.Count);
        Assert.Equal(5, upgraded.Embeddings.Worker!.Computed);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(env.UserDirectory("alice"), FileVectorStore.Folder, "concepts-v2")).Length);
    }

    [Fact]
    public async Task A_search_waits_for_its_own_query_only_and_a_repeated_query_embeds_once()
    {
        using var env = new TestStore();
        var generator = new HeldGenerator(held: false) { HoldTextsWith = "held" };
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

    [Fact]
    public async Task A_time_window_is_applied_before_ranking_by_meaning()
    {
        using var env = new TestStore();
        var store = env.Open(embeddings: new HeldGenerator(held: false));
        var start = new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
        var inside = new List<string>();
        for (var week = 0; week < 6; week++)
        {
            var stored = await StoreAtAsync(store, $"Budget review week {week}: the phone line", start.AddDays(7 * week));
            if (week is 2)
            {
                inside.Add(stored.Memory.Id);
            }
        }

        for (var i = 0; i < 30; i++)
        {
            await StoreAtAsync(store, $"Money talk {i} about the mobile app", start.AddDays(14).AddHours(i % 5 == 0 ? 200 : 1 + i));
        }

        await store.Embeddings.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var since = start.AddDays(14);
        var until = start.AddDays(21);

        var hits = await store.SearchAsync("alice", new SearchQuery("phone money", Since: since, Until: until, Limit: 50), Ct);

        Assert.All(hits.Items, h => Assert.InRange(h.Memory.Created, since, until.AddTicks(-1)));
        Assert.Contains(inside[0], hits.Items.Select(h => h.Memory.Id));
        Assert.Equal(25, hits.Items.Count);
    }

    [Fact]
    public async Task A_closed_user_takes_its_vectors_out_of_memory_and_gets_them_back_from_the_shared_folder_when_opened_again()
    {
        using var env = new TestStore(new StorageOptions { MaxOpenUsers = 1 });
        var generator = new HeldGenerator(held: false);
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

    private static Task<StoreResult> StoreAtAsync(FileMemoryStore store, string content, DateTimeOffset created) =>
        store.ImportAsync("alice", new Memory(MemoryIds.New(created), "", [], created, created, content, null, new Dictionary<string, string>()), Ct);

    /// <summary>
    /// Concept vectors (one dimension per group of words that mean the same), held until released when
    /// asked to, so a test can see what happens while the model is busy.
    /// </summary>
    private sealed class HeldGenerator(bool held = true, string modelId = "concepts-v1") : IEmbeddingGenerator<string, Embedding<float>>
    {
        private static readonly string[][] Concepts =
        [
            ["money", "budget", "spend", "cost"],
            ["phone", "mobile", "app", "line"],
            ["note", "notes", "review"],
            ["held"],
        ];

        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;
        private int _queries;

        public string? HoldTextsWith { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public int Queries => Volatile.Read(ref _queries);

        public void Release() => _release.TrySetResult();

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            if (McpServer.Embeddings.EmbeddingPurpose.IsQuery(options))
            {
                Interlocked.Increment(ref _queries);
            }
            else
            {
                Interlocked.Add(ref _calls, texts.Count);
            }

            if ((held && !McpServer.Embeddings.EmbeddingPurpose.IsQuery(options)) || (HoldTextsWith is { } marker && texts.Any(t => t.Contains(marker, StringComparison.Ordinal))))
            {
                await _release.Task.WaitAsync(cancellationToken);
            }

            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (var text in texts)
            {
                var words = text.ToLowerInvariant().Split([' ', '.', ',', ':', '\n', '%'], StringSplitOptions.RemoveEmptyEntries);
                var vector = new float[Concepts.Length + 1];
                vector[^1] = 0.05f;
                for (var i = 0; i < Concepts.Length; i++)
                {
                    vector[i] = words.Count(w => Concepts[i].Contains(w));
                }

                result.Add(new Embedding<float>(vector));
            }

            return result;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, Concepts.Length + 1) : null;

        public void Dispose()
        {
        }
    }
}
