using System.Diagnostics;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging;

namespace Memento.Tests.Storage;

public sealed class HandEditedFileTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Files_written_by_hand_are_picked_up_and_malformed_ones_are_logged_and_skipped()
    {
        var logger = new ListLogger<FileMemoryStore>();
        using var env = new TestStore(new StorageOptions { RescanInterval = TimeSpan.Zero }, logger: logger);
        var good = (await env.Store.StoreAsync("alice", new NewMemory("written through the store: lighthouse"), Ct)).Memory;
        var dir = env.UserDirectory("alice");

        await File.WriteAllTextAsync(Path.Combine(dir, "groceries.md"), "---\ntitle: Groceries\ntags: [shopping]\ncreated: 2025-07-14\n---\nmilk, eggs and a lighthouse", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "plain.md"), "Just text without any front matter, lighthouse keeper", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "broken.md"), "---\ntitle: [unclosed\ntags: {\n---\nlighthouse", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "unterminated.md"), "---\ntitle: never closed\nlighthouse", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "bad date.md"), "lighthouse", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, ".tmp-abc-123"), "---\ntitle: torn", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "notes.txt"), "lighthouse but not markdown", Ct);

        var hits = await env.Store.SearchAsync("alice", new SearchQuery("lighthouse"), Ct);
        var groceries = await env.Store.GetAsync("alice", "groceries", Ct);

        Assert.Equal(new[] { "groceries", "plain", good.Id }.Order(StringComparer.Ordinal), hits.Items.Select(h => h.Memory.Id).Order(StringComparer.Ordinal));
        Assert.Equal("Groceries", groceries!.Title);
        Assert.Equal(["shopping"], groceries.Tags);
        Assert.Equal(new DateTimeOffset(2025, 7, 14, 0, 0, 0, TimeSpan.Zero), groceries.Created);
        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Contains(warnings, w => w.Contains("broken.md", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("unterminated.md", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("bad date.md", StringComparison.Ordinal));

        await File.WriteAllTextAsync(Path.Combine(dir, "groceries.md"), "---\ntitle: Groceries\n---\nbread only", Ct);
        File.SetLastWriteTimeUtc(Path.Combine(dir, "groceries.md"), DateTime.UtcNow.AddMinutes(1));
        Assert.Empty((await env.Store.SearchAsync("alice", new SearchQuery("eggs"), Ct)).Items);
        Assert.Single((await env.Store.SearchAsync("alice", new SearchQuery("bread"), Ct)).Items);
    }

    [Fact]
    public async Task The_periodic_rescan_is_made_by_one_request_while_the_others_search_on()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var env = new TestStore(new StorageOptions { RescanInterval = TimeSpan.FromMinutes(1) }, time: time);
        var user = "rescan-" + Guid.NewGuid().ToString("N")[..8];
        await env.Store.StoreAsync(user, new NewMemory("a memory about the harbour"), Ct);
        await env.Store.SearchAsync(user, new SearchQuery("harbour"), Ct);
        await File.WriteAllTextAsync(Path.Combine(env.UserDirectory(user), "walrus.md"), "---\ntitle: Walrus\n---\nA walrus at the harbour", Ct);

        // Hold the rescan of this user where it starts, so that what other requests do meanwhile shows.
        using var scanning = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StorageTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = activity =>
            {
                if (activity.OperationName == "memento.index.rescan" && Equals(activity.Parent?.GetTagItem("memento.user"), user))
                {
                    scanning.Release();
                    release.Wait(TimeSpan.FromSeconds(30));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        time.Advance(TimeSpan.FromMinutes(2));
        var rescanning = Task.Run(() => env.Store.SearchAsync(user, new SearchQuery("walrus"), Ct), Ct);
        Assert.True(await scanning.WaitAsync(TimeSpan.FromSeconds(10), Ct), "the rescan did not start");
        try
        {
            var meanwhile = env.Store.SearchAsync(user, new SearchQuery("harbour"), Ct);
            var finished = await Task.WhenAny(meanwhile, Task.Delay(TimeSpan.FromSeconds(10), Ct));

            Assert.Same(meanwhile, finished);
            Assert.Single((await meanwhile).Items);
        }
        finally
        {
            release.Release();
        }

        Assert.Single((await rescanning).Items);
        Assert.Equal(2, (await env.Store.SearchAsync(user, new SearchQuery("harbour"), Ct)).Items.Count);
    }

    [Fact]
    public async Task Stale_temp_files_from_a_crash_are_ignored_and_cleaned_up()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var env = new TestStore(new StorageOptions { TempFileMaxAge = TimeSpan.FromMinutes(10) }, time: time);
        await env.Store.StoreAsync("alice", new NewMemory("real"), Ct);
        var temp = Path.Combine(env.UserDirectory("alice"), ".tmp-20250101T000000000Z-abc-0011");
        await File.WriteAllTextAsync(temp, "---\nid: torn", Ct);
        File.SetLastWriteTimeUtc(temp, time.Now.UtcDateTime.AddMinutes(-11));
        var fresh = Path.Combine(env.UserDirectory("alice"), ".tmp-inflight-0022");
        await File.WriteAllTextAsync(fresh, "in flight", Ct);

        var listed = await env.Store.ListAsync("alice", new ListQuery(), Ct);
        var removed = env.Store.CleanTempFiles();

        Assert.Single(listed.Items);
        Assert.Equal(1, removed);
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public async Task Claim_files_of_earlier_versions_are_removed_by_maintenance_and_never_read()
    {
        using var env = new TestStore();
        var kept = (await env.Store.StoreAsync("alice", new NewMemory("the gate code is 1234"), Ct)).Memory;
        var legacy = Path.Combine(env.UserDirectory("alice"), ".claims");
        Directory.CreateDirectory(legacy);
        await File.WriteAllTextAsync(Path.Combine(legacy, "0123abcd"), kept.Id, Ct);

        env.Store.CleanTempFiles();

        Assert.False(Directory.Exists(legacy));
        Assert.Equal(kept.Id, Assert.Single((await env.Store.ListAsync("alice", new ListQuery(), Ct)).Items).Id);
    }
}
