using Memento.Tests.Infrastructure;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

/// <summary>Two store instances on one root behave like two replicas sharing a volume, each with its own index.</summary>
public sealed class ReplicaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_store_retried_on_another_replica_after_the_first_stopped_mid_store_is_kept_once()
    {
        // Replica A stopped after claiming the content and writing the file, before publishing the change.
        using var env = new TestStore();
        var b = env.Open();
        await b.ListAsync("alice", new ListQuery(), Ct);
        var now = DateTimeOffset.UtcNow;
        var orphan = new Memory(MemoryIds.New(now), "Standup", [], now, now, "Standup notes: ship the release", null, new Dictionary<string, string>());
        new ChangeLog.Writer(env.UserDirectory("alice"), "0a1b2c3d4e5f6071").Append(ChangeLog.Kind.Claimed, orphan.Id, MemoryDocument.ContentHash(orphan.Content, orphan.Title, orphan.Tags));
        await File.WriteAllTextAsync(Path.Combine(env.UserDirectory("alice"), orphan.Id + ".md"), MemoryDocument.Serialize(orphan), Ct);

        var retried = await b.StoreAsync("alice", new NewMemory("Standup notes: ship the release", "Standup"), Ct);

        Assert.False(retried.Created);
        Assert.Equal(orphan.Id, retried.Memory.Id);
        Assert.Single(Directory.GetFiles(env.UserDirectory("alice"), "*.md"));
        Assert.Equal(orphan.Id, Assert.Single((await b.SearchAsync("alice", new SearchQuery("release standup"), Ct)).Items).Memory.Id);
    }

    [Fact]
    public async Task A_claim_whose_memory_was_deleted_does_not_stop_the_same_content_being_stored_again()
    {
        using var env = new TestStore();
        var first = (await env.Store.StoreAsync("alice", new NewMemory("the boiler code is 4471"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", first.Id, Ct);

        var again = await env.Open().StoreAsync("alice", new NewMemory("the boiler code is 4471"), Ct);

        Assert.True(again.Created);
        Assert.NotEqual(first.Id, again.Memory.Id);
        Assert.Single(Directory.GetFiles(env.UserDirectory("alice"), "*.md"));
    }

    [Fact]
    public async Task Both_replicas_writing_the_same_user_concurrently_keep_every_write_once()
    {
        using var env = new TestStore();
        var replicas = new[] { env.Store, env.Open() };

        var writes = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < 100; i++)
            {
                ids.Add((await replicas[r].StoreAsync("alice", new NewMemory($"replica {r} note {i} about topic{i % 7}"), Ct)).Memory.Id);
            }

            return ids;
        }, Ct)).ToArray();
        var acknowledged = (await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60), Ct)).SelectMany(ids => ids).ToList();

        Assert.Equal(200, acknowledged.Distinct().Count());
        Assert.Equal(200, Directory.GetFiles(env.UserDirectory("alice"), "*.md").Length);
        foreach (var replica in replicas)
        {
            var listed = new List<string>();
            string? cursor = null;
            do
            {
                var page = await replica.ListAsync("alice", new ListQuery(Limit: 100, Cursor: cursor), Ct);
                listed.AddRange(page.Items.Select(m => m.Id));
                cursor = page.NextCursor;
            }
            while (cursor is not null);

            Assert.Equal(acknowledged.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_replica_that_missed_more_changes_than_a_log_holds_rescans_and_misses_nothing()
    {
        using var env = new TestStore(new StorageOptions { FlushToDisk = false, ChangeLogRewriteAt = ChangeLog.Capacity + 10 });
        var b = env.Open();
        await b.ListAsync("alice", new ListQuery(), Ct);
        var deleted = (await env.Store.StoreAsync("alice", new NewMemory("soon gone"), Ct)).Memory;
        Assert.Single((await b.ListAsync("alice", new ListQuery(), Ct)).Items);

        await env.Store.DeleteAsync("alice", deleted.Id, Ct);
        for (var i = 0; i < ChangeLog.Capacity + 20; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"bulk {i}"), Ct);
        }

        var stats = await b.GetStatsAsync("alice", Ct);
        Assert.Equal(ChangeLog.Capacity + 20, stats.MemoryCount);
        Assert.Null(await b.GetAsync("alice", deleted.Id, Ct));
        Assert.Empty((await b.SearchAsync("alice", new SearchQuery("soon gone"), Ct)).Items);
    }

    [Fact]
    public async Task Storing_what_another_replica_already_stored_returns_the_existing_memory()
    {
        using var env = new TestStore();
        var a = env.Store;
        var b = env.Open();
        await b.ListAsync("alice", new ListQuery(), Ct);

        var first = await a.StoreAsync("alice", new NewMemory("identical content", "same", ["t"]), Ct);
        var second = await b.StoreAsync("alice", new NewMemory("identical content", "same", ["t"]), Ct);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Memory.Id, second.Memory.Id);
        Assert.Single(Directory.GetFiles(env.UserDirectory("alice"), "*.md"));
    }

    [Fact]
    public async Task Identical_stores_racing_through_two_replicas_never_answer_with_a_memory_that_is_gone()
    {
        using var env = new TestStore(new StorageOptions { FlushToDisk = false });
        var a = env.Store;
        var b = env.Open();
        var kept = 0;
        for (var round = 0; round < 20; round++)
        {
            var memory = new NewMemory($"race {round}", "same");
            var results = await Task.WhenAll(
                Task.Run(() => a.StoreAsync("alice", memory, Ct), Ct),
                Task.Run(() => b.StoreAsync("alice", memory, Ct), Ct)).WaitAsync(TimeSpan.FromSeconds(30), Ct);

            foreach (var result in results)
            {
                var read = await a.GetAsync("alice", result.Memory.Id, Ct);
                Assert.Equal($"race {round}", read?.Content);
            }

            kept += results[0].Memory.Id == results[1].Memory.Id ? 1 : 0;
        }

        // Best effort across replicas (see docs/storage.md): most races end with one memory, none loses one.
        var files = Directory.GetFiles(env.UserDirectory("alice"), "*.md").Length;
        Assert.InRange(files, 20, 40);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kept} of 20 races ended with a single memory; {files} files");
    }

    [Fact]
    public async Task The_index_catches_up_from_the_files_alone_after_a_restart()
    {
        using var indexDir = new TempDirectory("memento-index");
        using var env = new TestStore(search: new SearchOptions { IndexPath = indexDir.Path });
        for (var i = 0; i < 50; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"meeting notes {i} about the roadmap", Tags: [i % 2 == 0 ? "even" : "odd"]), Ct);
        }

        var before = await env.Store.SearchAsync("alice", new SearchQuery("roadmap meetings", Tags: ["even"], Limit: 100), Ct);
        env.Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(indexDir.Path, recursive: true);

        var restarted = env.Open();
        var after = await restarted.SearchAsync("alice", new SearchQuery("roadmap meetings", Tags: ["even"], Limit: 100), Ct);

        Assert.Equal(25, before.Items.Count);
        Assert.Equal(before.Items.Select(h => h.Memory.Id).Order(), after.Items.Select(h => h.Memory.Id).Order());
        Assert.True(File.Exists(Path.Combine(indexDir.Path, "alice.db")));
    }

    [Fact]
    public async Task Rebuilding_the_index_gives_the_same_results()
    {
        using var env = new TestStore();
        for (var i = 0; i < 30; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"gardening diary entry {i}: tomatoes and basil"), Ct);
        }

        var before = await env.Store.SearchAsync("alice", new SearchQuery("tomato", Limit: 50), Ct);
        await env.Store.RebuildIndexAsync("alice", Ct);
        var after = await env.Store.SearchAsync("alice", new SearchQuery("tomato", Limit: 50), Ct);

        Assert.Equal(30, before.Items.Count);
        Assert.Equal(before.Items.Select(h => h.Memory.Id), after.Items.Select(h => h.Memory.Id));
    }

    [Fact]
    public async Task The_index_may_not_live_on_the_shared_root()
    {
        using var env = new TestStore();

        var error = Assert.Throws<InvalidOperationException>(() => env.Open(search: new SearchOptions { IndexPath = Path.Combine(env.Root, "index") }));

        Assert.Contains("Memento:Search:IndexPath", error.Message, StringComparison.Ordinal);
    }
}
