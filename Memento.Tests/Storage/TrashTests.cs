using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

/// <summary>The trash as a user sees it: list what was deleted, restore it with its id and dates, idempotently.</summary>
public sealed class TrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deleted_memories_are_listed_newest_deletion_first_with_their_purge_date()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(new StorageOptions { TrashRetention = TimeSpan.FromDays(30) }, time: time);
        var first = (await env.Store.StoreAsync("alice", new NewMemory("Dentist on Friday", Tags: ["health"]), Ct)).Memory;
        var second = (await env.Store.StoreAsync("alice", new NewMemory("Call Dana about the offsite"), Ct)).Memory;
        await env.Store.StoreAsync("alice", new NewMemory("Kept"), Ct);

        await env.Store.DeleteAsync("alice", first.Id, Ct);
        time.Advance(TimeSpan.FromMinutes(5));
        await env.Store.DeleteAsync("alice", second.Id, Ct);
        var trash = await env.Store.ListTrashAsync("alice", cancellationToken: Ct);
        var bob = await env.Store.ListTrashAsync("bob", cancellationToken: Ct);

        Assert.Equal([second.Id, first.Id], trash.Items.Select(t => t.Memory.Id));
        Assert.Null(trash.NextCursor);
        Assert.Equal(new DateTimeOffset(2026, 11, 18, 9, 5, 0, TimeSpan.Zero), trash.Items[0].Deleted);
        Assert.Equal(trash.Items[0].Deleted.AddDays(30), trash.Items[0].PurgeAfter);
        Assert.Equal("Dentist on Friday", trash.Items[1].Memory.Preview);
        Assert.Equal(["health"], trash.Items[1].Memory.Tags);
        Assert.Empty(bob.Items);
    }

    [Fact]
    public async Task The_trash_pages_with_a_cursor_until_every_deleted_memory_is_seen_once()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(time: time);
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = (await env.Store.StoreAsync("alice", new NewMemory($"note {i}"), Ct)).Memory.Id;
            await env.Store.DeleteAsync("alice", id, Ct);
            ids.Add(id);
            time.Advance(TimeSpan.FromSeconds(i % 2)); // some deletions share a second
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await env.Store.ListTrashAsync("alice", 3, cursor, Ct);
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(t => t.Memory.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(ids.Order().Reverse(), seen);
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListTrashAsync("alice", 3, "bogus", Ct));
    }

    [Fact]
    public async Task Restore_brings_the_memory_back_with_its_id_dates_and_content_and_is_idempotent()
    {
        using var env = new TestStore();
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("Budget review moved to Friday", "Budget", ["work"]), Ct)).Memory;
        await env.Store.DeleteAsync("alice", stored.Id, Ct);

        var restored = await env.Store.RestoreAsync("alice", stored.Id, Ct);
        var again = await env.Store.RestoreAsync("alice", stored.Id, Ct);

        Assert.True(restored.Restored);
        Assert.False(again.Restored);
        Assert.Equal(stored.Content, restored.Memory.Content);
        Assert.Equal(stored.Created, restored.Memory.Created);
        Assert.Equal(["work"], restored.Memory.Tags);
        Assert.Equal(stored.Id, (await env.Store.GetAsync("alice", stored.Id, Ct))!.Id);
        Assert.Equal(stored.Id, Assert.Single((await env.Store.SearchAsync("alice", new SearchQuery("budget friday"), Ct)).Items).Memory.Id);
        Assert.Empty((await env.Store.ListTrashAsync("alice", cancellationToken: Ct)).Items);
        Assert.Equal(0, (await env.Store.GetStatsAsync("alice", Ct)).TrashedCount);
    }

    [Fact]
    public async Task A_restore_on_one_replica_is_seen_by_another()
    {
        using var env = new TestStore();
        var other = env.Open();
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("Shared across replicas"), Ct)).Memory;
        Assert.Single((await other.ListAsync("alice", new ListQuery(), Ct)).Items);
        await other.DeleteAsync("alice", stored.Id, Ct);
        Assert.Empty((await env.Store.ListAsync("alice", new ListQuery(), Ct)).Items);

        await env.Store.RestoreAsync("alice", stored.Id, Ct);

        Assert.Equal(stored.Id, Assert.Single((await other.ListAsync("alice", new ListQuery(), Ct)).Items).Id);
    }

    [Fact]
    public async Task Restoring_what_was_never_deleted_or_was_purged_is_not_found()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var env = new TestStore(new StorageOptions { TrashRetention = TimeSpan.FromDays(1) }, time: time);
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("gone for good"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", stored.Id, Ct);
        time.Advance(TimeSpan.FromDays(2));
        env.Store.PurgeTrash();

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.RestoreAsync("alice", stored.Id, Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.RestoreAsync("alice", "20250101T000000000Z-aaaaaaaaaa", Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.RestoreAsync("bob", stored.Id, Ct));
    }

    [Fact]
    public async Task A_memory_deleted_restored_and_deleted_again_comes_back_as_its_newest_version()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(time: time);
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("version one"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", stored.Id, Ct);
        time.Advance(TimeSpan.FromMinutes(1));
        await env.Store.RestoreAsync("alice", stored.Id, Ct);
        await env.Store.UpdateAsync("alice", stored.Id, new MemoryUpdate(Content: "version two"), Ct);
        time.Advance(TimeSpan.FromMinutes(1));
        await env.Store.DeleteAsync("alice", stored.Id, Ct);

        var trash = await env.Store.ListTrashAsync("alice", cancellationToken: Ct);
        var restored = await env.Store.RestoreAsync("alice", stored.Id, Ct);

        Assert.Equal(stored.Id, Assert.Single(trash.Items).Memory.Id);
        Assert.Equal("version two", restored.Memory.Content);
    }
}
