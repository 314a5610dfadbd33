using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Storage;

/// <summary>One store instance with many callers on one user: reads run side by side, writes one at a time.</summary>
public sealed class ConcurrentAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Searches_lists_and_stores_of_one_user_at_once_lose_nothing_and_fail_nothing(bool fileIndex)
    {
        using var indexDir = new TempDirectory("memento-index");
        using var env = new TestStore(new StorageOptions { FlushToDisk = false }, new SearchOptions { IndexPath = fileIndex ? indexDir.Path : null });
        var store = env.Store;
        for (var i = 0; i < 200; i++)
        {
            await store.StoreAsync("alice", new NewMemory($"seed note {i} about budget review and kubernetes topic{i % 13}"), Ct);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var searches = 0;
        var readers = Enumerable.Range(0, 6).Select(r => Task.Run(async () =>
        {
            var random = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                var page = await store.SearchAsync("alice", new SearchQuery($"budget topic{random.Next(13)}", Limit: 10), Ct);
                Assert.NotEmpty(page.Items);
                Assert.NotEmpty((await store.ListAsync("alice", new ListQuery(Limit: 5), Ct)).Items);
                Interlocked.Increment(ref searches);
            }
        }, Ct)).ToArray();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            var ids = new List<(string Id, string Marker)>();
            for (var i = 0; i < 60; i++)
            {
                var marker = $"marker{w}x{i}";
                ids.Add(((await store.StoreAsync("alice", new NewMemory($"concurrent note {marker} budget"), Ct)).Memory.Id, marker));
            }

            return ids;
        }, Ct)).ToArray();

        var stored = (await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(120), Ct)).SelectMany(x => x).ToList();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref searches) < 50 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10, Ct);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.True(searches >= 50, $"{searches} searches answered");
        Assert.Equal(180, stored.Select(s => s.Id).Distinct().Count());
        foreach (var (id, marker) in stored)
        {
            Assert.Equal(id, Assert.Single((await store.SearchAsync("alice", new SearchQuery(marker), Ct)).Items).Memory.Id);
        }

        Assert.Equal(380, (await store.GetStatsAsync("alice", Ct)).MemoryCount);
    }

    [Fact]
    public async Task A_rebuild_while_searches_run_leaves_every_search_answered()
    {
        using var env = new TestStore(new StorageOptions { FlushToDisk = false });
        for (var i = 0; i < 300; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"note {i} about the garden and topic{i % 7}"), Ct);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var answered = new int[4];
        var readers = Enumerable.Range(0, answered.Length).Select(r => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.NotEmpty((await env.Store.SearchAsync("alice", new SearchQuery("garden"), Ct)).Items);
                Interlocked.Increment(ref answered[r]);
            }
        }, Ct)).ToArray();

        await WaitUntil(() => answered.All(a => a > 0));
        for (var i = 0; i < 5; i++)
        {
            var before = answered.ToArray();
            await env.Store.RebuildIndexAsync("alice", Ct);
            await WaitUntil(() => answered.Select((a, r) => a > before[r]).All(x => x));
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the searches stopped being answered");
            await Task.Delay(5, Ct);
        }
    }
}
