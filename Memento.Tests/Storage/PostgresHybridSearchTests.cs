using Memento.McpServer.Embeddings;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Memento.Tests.Search;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

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

    [Fact]
    public async Task A_vector_is_made_once_by_one_replica_and_a_repeated_query_is_embedded_once()
    {
        await using var env = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        var writer = env.Open(new SearchOptions(), new HeldEmbeddingGenerator(held: false));
        for (var i = 0; i < 5; i++)
        {
            await writer.StoreAsync("alice", new NewMemory($"Note {i} about the phone budget"), Ct);
        }

        await writer.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var readerModel = new HeldEmbeddingGenerator(held: false);
        var reader = env.Open(new SearchOptions(), readerModel);
        await reader.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var first = await reader.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct);
        var again = await reader.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct);

        Assert.Equal(5, writer.EmbeddingWorker!.Computed);
        Assert.Equal(0, reader.EmbeddingWorker!.Computed);
        Assert.Equal(0, readerModel.Calls);
        Assert.Equal(1, readerModel.Queries);
        Assert.Equal(5, first.Items.Count);
        Assert.Equal(first.Items.Select(h => h.Memory.Id), again.Items.Select(h => h.Memory.Id));
        Assert.Equal(5, await CountAsync(env.ConnectionString, "SELECT count(*) FROM memento_memories WHERE embedding_model = 'concepts-v1+title'"));
    }

    [Fact]
    public async Task A_model_change_re_embeds_in_the_background_and_the_old_models_vectors_are_not_compared_meanwhile()
    {
        await using var env = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        var before = env.Open(new SearchOptions(), new HeldEmbeddingGenerator(held: false, modelId: "concepts-v1"));
        var budget = await before.StoreAsync("alice", new NewMemory("We agreed to cut the mobile budget by 15%."), Ct);
        await before.StoreAsync("alice", new NewMemory("Another note about the phone line"), Ct);
        await before.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        before.Dispose();

        var newModel = new HeldEmbeddingGenerator(held: true, modelId: "concepts-v2");
        var after = env.Open(new SearchOptions(), newModel);
        var meanwhile = await after.SearchAsync("alice", new SearchQuery("money"), Ct).WaitAsync(Timeout, Ct);
        var byWordsMeanwhile = await after.SearchAsync("alice", new SearchQuery("mobile budget"), Ct).WaitAsync(Timeout, Ct);
        newModel.Release();
        await after.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var reembedded = await after.SearchAsync("alice", new SearchQuery("money"), Ct);

        Assert.Empty(meanwhile.Items);
        Assert.Equal(budget.Memory.Id, Assert.Single(byWordsMeanwhile.Items).Memory.Id);
        Assert.Equal(2, newModel.Calls);
        Assert.Equal(budget.Memory.Id, reembedded.Items[0].Memory.Id);
        Assert.Equal(2, await CountAsync(env.ConnectionString, "SELECT count(*) FROM memento_memories WHERE embedding_model = 'concepts-v2+title'"));
    }

    [Fact]
    public async Task An_edit_of_the_content_is_embedded_again_and_a_tag_change_keeps_the_vector()
    {
        await using var env = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        var generator = new HeldEmbeddingGenerator(held: false);
        var store = env.Open(new SearchOptions(), generator);
        var note = await store.StoreAsync("alice", new NewMemory("Review of the garden"), Ct);
        await store.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var callsAfterStore = generator.Calls;

        await store.UpdateAsync("alice", note.Memory.Id, new MemoryUpdate(Tags: ["home"]), Ct);
        await store.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var callsAfterTags = generator.Calls;
        await store.UpdateAsync("alice", note.Memory.Id, new MemoryUpdate(Content: "The mobile budget was cut"), Ct);
        await store.WhenVectorsReadyAsync(Ct).WaitAsync(Timeout, Ct);
        var byMeaning = await store.SearchAsync("alice", new SearchQuery("money"), Ct);

        Assert.Equal(1, callsAfterStore);
        Assert.Equal(1, callsAfterTags);
        Assert.Equal(2, generator.Calls);
        Assert.Equal(note.Memory.Id, Assert.Single(byMeaning.Items).Memory.Id);
    }

    [Fact]
    public async Task A_memory_the_model_refuses_does_not_hold_back_the_rest_and_is_tried_again_when_its_back_off_is_over()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var env = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(Time: time), Ct);
        // Written by words only, so the first batch the worker takes holds the refused memory and others.
        var words = env.Open(new SearchOptions { Embeddings = EmbeddingProvider.Off }, null);
        var refused = await words.StoreAsync("alice", new NewMemory("A poison note the model will not take"), Ct);
        for (var i = 0; i < 20; i++)
        {
            await words.StoreAsync("alice", new NewMemory($"Note {i} about the phone budget"), Ct);
        }

        var generator = new HeldEmbeddingGenerator(held: false) { RefuseTextsWith = "poison" };
        var store = env.Open(new SearchOptions(), generator);

        await DueAsync(store, 1);
        var refusedFirst = generator.Refusals;
        // Before its back-off (2 s) is over, writes that wake the worker do not make it ask the model again.
        for (var i = 0; i < 5; i++)
        {
            await store.StoreAsync("alice", new NewMemory($"Later note {i} about the garden"), Ct);
        }

        await DueAsync(store, 1);
        var refusedBeforeItsTime = generator.Refusals;
        time.Advance(TimeSpan.FromSeconds(3));
        await store.StoreAsync("alice", new NewMemory("One more note"), Ct);
        await DueAsync(store, 1);
        await RefusalsAsync(generator, refusedBeforeItsTime + 1);

        Assert.Equal(refused.Memory.Id, await ScalarAsync(env.ConnectionString, "SELECT id FROM memento_memories WHERE embedding_model IS NULL"));
        Assert.Equal(1, store.EmbeddingWorker!.Refused);
        Assert.InRange(refusedFirst, 1, 2);
        Assert.Equal(refusedFirst, refusedBeforeItsTime);
        Assert.True(generator.Refusals > refusedBeforeItsTime, "the refused memory is tried again once its back-off is over");
    }

    [Fact]
    public async Task While_the_model_fails_the_worker_backs_off_doubling_its_wait_and_writes_do_not_make_it_ask_sooner()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var env = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(Time: time), Ct);
        var words = env.Open(new SearchOptions { Embeddings = EmbeddingProvider.Off }, null);
        await words.StoreAsync("alice", new NewMemory("A note while the model is down"), Ct);
        await words.StoreAsync("alice", new NewMemory("A second note while the model is down"), Ct);
        var generator = new HeldEmbeddingGenerator(held: false) { RefuseTextsWith = "" };
        var store = env.Open(new SearchOptions(), generator);
        // The batch of two, then each alone: three refused calls, and the worker backs off.
        await RefusalsAsync(generator, 3);
        var first = generator.Refusals;

        // Each store wakes the worker; within the 2 s back-off it does not call the model.
        await store.StoreAsync("alice", new NewMemory("Another note"), Ct);
        await store.StoreAsync("alice", new NewMemory("A third note"), Ct);
        await Task.Delay(300, Ct);
        var whileBackingOff = generator.Refusals;
        time.Advance(TimeSpan.FromSeconds(2.5));
        // Now four rows: the batch, then each alone.
        await RefusalsAsync(generator, whileBackingOff + 5);
        var second = generator.Refusals;
        // The next wait is 4 s: 3 s later it has not asked again.
        time.Advance(TimeSpan.FromSeconds(3));
        await Task.Delay(300, Ct);
        var beforeTheDoubledWait = generator.Refusals;

        Assert.Equal(3, first);
        Assert.Equal(first, whileBackingOff);
        Assert.Equal(whileBackingOff + 5, second);
        Assert.Equal(second, beforeTheDoubledWait);
        Assert.Equal(4, await store.EmbeddingWorker!.CountDueAsync(Ct));
    }

    private static Task RefusalsAsync(HeldEmbeddingGenerator generator, int atLeast) =>
        UntilAsync(() => Task.FromResult(generator.Refusals >= atLeast), $"fewer than {atLeast} refused calls");

    private static Task DueAsync(McpServer.Storage.Postgres.PostgresMemoryStore store, long rows) =>
        UntilAsync(async () => await store.EmbeddingWorker!.CountDueAsync(Ct) <= rows, $"more than {rows} memory without a vector");

    private static async Task UntilAsync(Func<Task<bool>> done, string failure)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} after {Timeout}");
            await Task.Delay(20, Ct);
        }
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
