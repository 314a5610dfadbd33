using System.Text;
using Memento.McpServer.Embeddings;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Memento.Tests.Search;

namespace Memento.Tests.Storage;

/// <summary>
/// What every storage provider promises through <see cref="IMemoryStore"/>: one suite, run once per
/// provider by the sealed classes at the end of this file. What only one provider has (files on disk,
/// change logs) is tested beside that provider.
/// </summary>
public abstract class MemoryStoreContract
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<StoreEnvironment> CreateAsync(StoreSetup setup);

    protected Task<StoreEnvironment> CreateAsync(StorageOptions? options = null, TimeProvider? time = null) =>
        CreateAsync(new StoreSetup(options, time));

    [Fact]
    public async Task Store_and_get_round_trip_every_field()
    {
        await using var env = await CreateAsync();
        var metadata = new Dictionary<string, string> { ["project"] = "apollo", ["mood"] = "good: really" };

        var result = await env.Store.StoreAsync("alice", new NewMemory("Budget review for the Kubernetes cluster.\nSecond line: with a colon", "Budget review", ["Work", "k8s"], metadata, "chat"), Ct);
        var read = await env.Store.GetAsync("alice", result.Memory.Id, Ct);

        Assert.True(result.Created);
        Assert.NotNull(read);
        Assert.Equal("Budget review for the Kubernetes cluster.\nSecond line: with a colon", read.Content);
        Assert.Equal("Budget review", read.Title);
        Assert.Equal(["work", "k8s"], read.Tags);
        Assert.Equal("chat", read.Source);
        Assert.Equal("good: really", read.Metadata["mood"]);
        Assert.Equal(["mood", "project"], read.Metadata.Keys);
        Assert.Equal(result.Memory.Created, read.Created);
        Assert.Equal(TimeSpan.Zero, read.Created.Offset);
    }

    [Fact]
    public async Task Content_is_kept_verbatim_including_front_matter_lookalikes_and_whitespace()
    {
        await using var env = await CreateAsync();
        var content = "---\nnot: front matter\n---\n\n  indented\r\nwindows line\n\n ünïcode 😀";

        var stored = await env.Store.StoreAsync("alice", new NewMemory(content, "Tricky"), Ct);
        var read = await env.Store.GetAsync("alice", stored.Memory.Id, Ct);

        Assert.Equal(content, read!.Content);
    }

    [Fact]
    public async Task Ids_are_unique_and_sort_by_creation_time()
    {
        await using var env = await CreateAsync();
        var ids = new List<string>();

        for (var i = 0; i < 100; i++)
        {
            ids.Add((await env.Store.StoreAsync("alice", new NewMemory($"note number {i}"), Ct)).Memory.Id);
        }

        Assert.Equal(100, ids.Distinct().Count());
        var created = new List<DateTimeOffset>();
        foreach (var id in ids)
        {
            created.Add((await env.Store.GetAsync("alice", id, Ct))!.Created);
        }

        var byId = ids.Zip(created).OrderBy(p => p.First, StringComparer.Ordinal).Select(p => p.Second).ToList();
        Assert.Equal(byId.Order().ToList(), byId);
        Assert.Matches("^[0-9]{8}T[0-9]{9}Z-[0-9a-z]{10}$", ids[0]);
    }

    [Fact]
    public async Task Storing_the_same_memory_twice_returns_the_existing_one()
    {
        await using var env = await CreateAsync();
        var first = await env.Store.StoreAsync("alice", new NewMemory("Same words", "T", ["a", "b"]), Ct);

        var second = await env.Store.StoreAsync("alice", new NewMemory("Same words", "T", ["B", "a"]), Ct);
        var different = await env.Store.StoreAsync("alice", new NewMemory("Same words", "T", ["a"]), Ct);
        var otherUser = await env.Store.StoreAsync("bob", new NewMemory("Same words", "T", ["a", "b"]), Ct);

        Assert.False(second.Created);
        Assert.Equal(first.Memory.Id, second.Memory.Id);
        Assert.Equal(first.Memory.Content, second.Memory.Content);
        Assert.True(different.Created);
        Assert.True(otherUser.Created);
        Assert.Equal(2, (await env.Store.GetStatsAsync("alice", Ct)).MemoryCount);
    }

    [Fact]
    public async Task Update_changes_only_the_given_fields_and_moves_updated()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 14, 9, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(time: time);
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("Original text", "Original", ["x"], new Dictionary<string, string> { ["k"] = "v" }), Ct)).Memory;
        time.Advance(TimeSpan.FromHours(1));

        var updated = await env.Store.UpdateAsync("alice", stored.Id, new MemoryUpdate(Tags: ["y", "z"]), Ct);
        var reread = await env.Store.GetAsync("alice", stored.Id, Ct);

        Assert.Equal("Original text", reread!.Content);
        Assert.Equal("Original", reread.Title);
        Assert.Equal(["y", "z"], reread.Tags);
        Assert.Equal("v", reread.Metadata["k"]);
        Assert.Equal(stored.Created, reread.Created);
        Assert.Equal(time.Now, reread.Updated);
        Assert.Equal(updated, reread with { Tags = updated.Tags, Metadata = updated.Metadata });
        var cleared = await env.Store.UpdateAsync("alice", stored.Id, new MemoryUpdate(Tags: []), Ct);
        Assert.Empty(cleared.Tags);
        var hits = await env.Store.SearchAsync("alice", new SearchQuery("original"), Ct);
        Assert.Single(hits.Items);
        Assert.Empty(hits.Items[0].Memory.Tags);
        var rewritten = await env.Store.UpdateAsync("alice", stored.Id, new MemoryUpdate("Entirely new words about gardening"), Ct);
        Assert.Equal("Original", rewritten.Title);
        Assert.Empty((await env.Store.SearchAsync("alice", new SearchQuery("text"), Ct)).Items);
        Assert.Single((await env.Store.SearchAsync("alice", new SearchQuery("gardening"), Ct)).Items);
    }

    [Fact]
    public async Task Update_of_a_missing_memory_throws_not_found()
    {
        await using var env = await CreateAsync();

        var error = await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.UpdateAsync("alice", "20250101T000000000Z-aaaaaaaaaa", new MemoryUpdate("x"), Ct));

        Assert.Equal("20250101T000000000Z-aaaaaaaaaa", error.Id);
    }

    [Fact]
    public async Task Delete_moves_the_memory_to_the_trash_and_hides_it()
    {
        await using var env = await CreateAsync();
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("Delete me later, quarterly planning"), Ct)).Memory;

        var deleted = await env.Store.DeleteAsync("alice", stored.Id, Ct);
        var again = await env.Store.DeleteAsync("alice", stored.Id, Ct);

        Assert.True(deleted);
        Assert.False(again);
        Assert.Null(await env.Store.GetAsync("alice", stored.Id, Ct));
        Assert.Empty((await env.Store.SearchAsync("alice", new SearchQuery("quarterly planning"), Ct)).Items);
        Assert.Empty((await env.Store.ListAsync("alice", new ListQuery(), Ct)).Items);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.UpdateAsync("alice", stored.Id, new MemoryUpdate("back"), Ct));
        var stats = await env.Store.GetStatsAsync("alice", Ct);
        Assert.Equal(0, stats.MemoryCount);
        Assert.Equal(1, stats.TrashedCount);
        var storedAgain = await env.Store.StoreAsync("alice", new NewMemory("Delete me later, quarterly planning"), Ct);
        Assert.True(storedAgain.Created);
        Assert.NotEqual(stored.Id, storedAgain.Memory.Id);
    }

    [Fact]
    public async Task Trash_is_purged_after_the_retention_period()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var env = await CreateAsync(new StorageOptions { TrashRetention = TimeSpan.FromDays(7) }, time);
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("short lived"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", stored.Id, Ct);

        time.Advance(TimeSpan.FromDays(6));
        var early = await env.PurgeTrashAsync(Ct);
        time.Advance(TimeSpan.FromDays(2));
        var late = await env.PurgeTrashAsync(Ct);

        Assert.Equal(0, early);
        Assert.Equal(1, late);
        Assert.Equal(0, (await env.Store.GetStatsAsync("alice", Ct)).TrashedCount);
    }

    [Fact]
    public async Task Deleted_memories_are_listed_newest_deletion_first_with_their_purge_date()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(new StorageOptions { TrashRetention = TimeSpan.FromDays(30) }, time);
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
        await using var env = await CreateAsync(time: time);
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
        await using var env = await CreateAsync();
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
        await using var env = await CreateAsync();
        var other = env.OpenReplica();
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
        await using var env = await CreateAsync(new StorageOptions { TrashRetention = TimeSpan.FromDays(1) }, time);
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("gone for good"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", stored.Id, Ct);
        time.Advance(TimeSpan.FromDays(2));
        await env.PurgeTrashAsync(Ct);

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.RestoreAsync("alice", stored.Id, Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.RestoreAsync("alice", "20250101T000000000Z-aaaaaaaaaa", Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.RestoreAsync("bob", stored.Id, Ct));
    }

    [Fact]
    public async Task A_memory_deleted_restored_and_deleted_again_comes_back_as_its_newest_version()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(time: time);
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

    [Fact]
    public async Task A_title_derived_from_the_content_follows_new_content_and_a_given_title_stays()
    {
        await using var env = await CreateAsync();
        var automatic = (await env.Store.StoreAsync("alice", new NewMemory("Beta ships Oct 3\nthen the launch"), Ct)).Memory;
        var named = (await env.Store.StoreAsync("alice", new NewMemory("Beta ships Oct 3", "Release plan"), Ct)).Memory;

        var followed = await env.Store.UpdateAsync("alice", automatic.Id, new MemoryUpdate(Content: "Beta ships Oct 10\nthen the launch"), Ct);
        var kept = await env.Store.UpdateAsync("alice", named.Id, new MemoryUpdate(Content: "Beta ships Oct 10"), Ct);

        Assert.Equal("Beta ships Oct 3", automatic.Title);
        Assert.Equal("Beta ships Oct 10", followed.Title);
        Assert.Equal("Release plan", kept.Title);
        Assert.Equal("Beta ships Oct 10", (await env.Store.GetAsync("alice", automatic.Id, Ct))!.Title);
    }

    [Fact]
    public async Task List_is_newest_first_filtered_and_paged_with_a_cursor()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(time: time);
        var ids = new List<string>();
        for (var day = 0; day < 10; day++)
        {
            ids.Add((await env.Store.StoreAsync("alice", new NewMemory($"day {day}", Tags: day % 2 == 0 ? ["even", "all"] : ["odd", "all"]), Ct)).Memory.Id);
            time.Advance(TimeSpan.FromDays(1));
        }

        var first = await env.Store.ListAsync("alice", new ListQuery(Limit: 4), Ct);
        var second = await env.Store.ListAsync("alice", new ListQuery(Limit: 4, Cursor: first.NextCursor), Ct);
        var third = await env.Store.ListAsync("alice", new ListQuery(Limit: 4, Cursor: second.NextCursor), Ct);
        var even = await env.Store.ListAsync("alice", new ListQuery(Tags: ["EVEN"]), Ct);
        var both = await env.Store.ListAsync("alice", new ListQuery(Tags: ["even", "odd"], TagMatch: TagMatch.All), Ct);
        var either = await env.Store.ListAsync("alice", new ListQuery(Tags: ["even", "odd"], TagMatch: TagMatch.Any), Ct);
        var window = await env.Store.ListAsync("alice", new ListQuery(Since: new DateTimeOffset(2025, 7, 3, 0, 0, 0, TimeSpan.Zero), Until: new DateTimeOffset(2025, 7, 6, 0, 0, 0, TimeSpan.Zero)), Ct);

        Assert.Equal(ids.AsEnumerable().Reverse(), first.Items.Concat(second.Items).Concat(third.Items).Select(m => m.Id));
        Assert.Null(third.NextCursor);
        Assert.Equal(5, even.Items.Count);
        Assert.Empty(both.Items);
        Assert.Equal(10, either.Items.Count);
        Assert.Equal(["day 4", "day 3", "day 2"], window.Items.Select(m => m.Title));
        Assert.Equal("day 9".Length, first.Items[0].ContentLength);
        Assert.Equal("day 9", first.Items[0].Preview);
    }

    [Fact]
    public async Task A_list_page_of_memories_created_in_the_same_millisecond_continues_where_it_stopped()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(time: time);
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await env.Store.StoreAsync("alice", new NewMemory($"same instant {i}"), Ct)).Memory.Id);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await env.Store.ListAsync("alice", new ListQuery(Limit: 3, Cursor: cursor), Ct);
            seen.AddRange(page.Items.Select(m => m.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal).Reverse(), seen);
    }

    [Fact]
    public async Task Stats_and_users_describe_what_is_stored()
    {
        await using var env = await CreateAsync();
        await env.Store.StoreAsync("alice", new NewMemory("ünïcode", Tags: ["a"]), Ct);
        await env.Store.StoreAsync("alice", new NewMemory("two", Tags: ["a", "b"]), Ct);
        await env.Store.StoreAsync("bob", new NewMemory("three"), Ct);

        var stats = await env.Store.GetStatsAsync("alice", Ct);
        var users = await env.Store.ListUsersAsync(Ct);
        var nobody = await env.Store.GetStatsAsync("carol", Ct);

        Assert.Equal(2, stats.MemoryCount);
        Assert.Equal(Encoding.UTF8.GetByteCount("ünïcode") + 3, stats.TotalContentBytes);
        Assert.Equal(2, stats.Tags["a"]);
        Assert.Equal(1, stats.Tags["b"]);
        Assert.NotNull(stats.Oldest);
        Assert.True(stats.Newest >= stats.Oldest);
        Assert.Equal(["alice", "bob"], users);
        Assert.Equal(0, nobody.MemoryCount);
        Assert.Null(nobody.Newest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("Alice")]
    [InlineData("a/b")]
    [InlineData("a..b")]
    [InlineData("con")]
    [InlineData("tab\tname")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task Bad_user_ids_are_refused_with_a_clear_error(string user)
    {
        await using var env = await CreateAsync();

        var store = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync(user, new NewMemory("x"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync(user, new SearchQuery("x"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync(user, new ListQuery(), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.GetStatsAsync(user, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.GetAsync(user, "x", Ct));

        Assert.Contains("user id", store.Message, StringComparison.Ordinal);
        Assert.Empty(await env.Store.ListUsersAsync(Ct));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task Bad_memory_ids_are_refused(string id)
    {
        await using var env = await CreateAsync();

        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.GetAsync("alice", id, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.DeleteAsync("alice", id, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.UpdateAsync("alice", id, new MemoryUpdate("x"), Ct));
    }

    [Fact]
    public async Task Another_users_id_is_not_found()
    {
        await using var env = await CreateAsync();
        var alices = (await env.Store.StoreAsync("alice", new NewMemory("private"), Ct)).Memory;

        Assert.Null(await env.Store.GetAsync("bob", alices.Id, Ct));
        Assert.False(await env.Store.DeleteAsync("bob", alices.Id, Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.UpdateAsync("bob", alices.Id, new MemoryUpdate("mine now"), Ct));
        Assert.Empty((await env.Store.SearchAsync("bob", new SearchQuery("private"), Ct)).Items);
        Assert.Empty((await env.Store.ListAsync("bob", new ListQuery(), Ct)).Items);
        Assert.Equal("private", (await env.Store.GetAsync("alice", alices.Id, Ct))!.Content);
    }

    [Fact]
    public async Task Limits_are_enforced_with_messages_that_say_what_to_change()
    {
        await using var env = await CreateAsync(new StorageOptions { MaxContentBytes = 100, MaxTags = 3, MaxTagLength = 10, MaxMetadataEntries = 2, MaxMetadataBytes = 30, MaxTitleLength = 20 });

        var big = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory(new string('x', 101)), Ct));
        var empty = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("  \n "), Ct));
        var tags = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Tags: ["a", "b", "c", "d"]), Ct));
        var title = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", new string('t', 21)), Ct));
        var metaBytes = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Metadata: new Dictionary<string, string> { ["a"] = new string('v', 40) }), Ct));
        var update = await env.Store.StoreAsync("alice", new NewMemory(new string('x', 100)), Ct);
        var bigUpdate = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.UpdateAsync("alice", update.Memory.Id, new MemoryUpdate(new string('y', 101)), Ct));

        Assert.Contains("limit is 100 bytes", big.Message, StringComparison.Ordinal);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 3", tags.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 20", title.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 30 bytes", metaBytes.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 100 bytes", bigUpdate.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await env.Store.GetStatsAsync("alice", Ct)).MemoryCount);
    }

    [Fact]
    public async Task A_missing_title_is_derived_from_the_first_line()
    {
        await using var env = await CreateAsync();

        var stored = await env.Store.StoreAsync("alice", new NewMemory("\n# Groceries for Sunday\nmilk, eggs"), Ct);

        Assert.Equal("Groceries for Sunday", stored.Memory.Title);
        Assert.Equal("Groceries for Sunday", (await env.Store.GetAsync("alice", stored.Memory.Id, Ct))!.Title);
    }

    [Fact]
    public async Task Words_in_any_order_and_inflections_find_the_memory_with_a_snippet()
    {
        await using var env = await CreateAsync();
        var target = (await env.Store.StoreAsync("alice", new NewMemory("We held the budget review meeting about the Kubernetes cluster costs.", "Q3 review"), Ct)).Memory;
        await env.Store.StoreAsync("alice", new NewMemory("Recipe for tomato soup with basil."), Ct);
        await env.Store.StoreAsync("alice", new NewMemory("Notes on the kubernetes upgrade."), Ct);

        var shuffled = await env.Store.SearchAsync("alice", new SearchQuery("kubernetes budget review"), Ct);
        var inflected = await env.Store.SearchAsync("alice", new SearchQuery("meetings budgets"), Ct);

        Assert.Equal(target.Id, shuffled.Items[0].Memory.Id);
        Assert.Equal(target.Id, inflected.Items[0].Memory.Id);
        Assert.Contains("**", shuffled.Items[0].Snippet, StringComparison.Ordinal);
        Assert.True(shuffled.Items[0].Score > 0);
        Assert.DoesNotContain(shuffled.Items, h => h.Memory.Title.Contains("tomato", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Every_word_is_preferred_and_any_word_is_the_fallback()
    {
        await using var env = await CreateAsync();
        var both = (await env.Store.StoreAsync("alice", new NewMemory("The garden fence needs paint."), Ct)).Memory;
        await env.Store.StoreAsync("alice", new NewMemory("The garden is lovely in June."), Ct);
        var fenceOnly = (await env.Store.StoreAsync("alice", new NewMemory("A fence for the neighbours."), Ct)).Memory;

        var every = await env.Store.SearchAsync("alice", new SearchQuery("garden fence"), Ct);
        var fallback = await env.Store.SearchAsync("alice", new SearchQuery("fence volcano"), Ct);

        Assert.Equal([both.Id], every.Items.Select(h => h.Memory.Id));
        Assert.Equal([both.Id, fenceOnly.Id], fallback.Items.Select(h => h.Memory.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_title_match_ranks_above_a_match_deep_in_the_content()
    {
        await using var env = await CreateAsync();
        var body = (await env.Store.StoreAsync("alice", new NewMemory("Long notes about many things, and somewhere the telescope is mentioned once.", "Weekend"), Ct)).Memory;
        var titled = (await env.Store.StoreAsync("alice", new NewMemory("Bought it second hand, works fine.", "Telescope"), Ct)).Memory;

        var hits = await env.Store.SearchAsync("alice", new SearchQuery("telescope"), Ct);

        Assert.Equal([titled.Id, body.Id], hits.Items.Select(h => h.Memory.Id));
    }

    [Fact]
    public async Task Time_filters_and_equal_scores_hold_for_dates_far_from_today()
    {
        var time = new ManualTime(new DateTimeOffset(1750, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(time: time);
        var old = (await env.Store.StoreAsync("alice", new NewMemory("harbour ledger entry"), Ct)).Memory;
        time.Advance(TimeSpan.FromDays(365 * 340));
        var future = (await env.Store.StoreAsync("alice", new NewMemory("harbour ledger entry revised"), Ct)).Memory;
        time.Advance(TimeSpan.FromDays(1));
        var newest = (await env.Store.StoreAsync("alice", new NewMemory("harbour ledger entry revised!"), Ct)).Memory;

        var before1800 = await env.Store.SearchAsync("alice", new SearchQuery("harbour ledger", Until: new DateTimeOffset(1800, 1, 1, 0, 0, 0, TimeSpan.Zero)), Ct);
        var after1800 = await env.Store.SearchAsync("alice", new SearchQuery("harbour ledger", Since: new DateTimeOffset(1800, 1, 1, 0, 0, 0, TimeSpan.Zero)), Ct);
        var all = await env.Store.SearchAsync("alice", new SearchQuery("harbour ledger"), Ct);

        Assert.Equal([old.Id], before1800.Items.Select(h => h.Memory.Id));
        Assert.Equal([newest.Id, future.Id], after1800.Items.Select(h => h.Memory.Id));
        // Equal scores: the newest first.
        Assert.Equal(all.Items[1].Score, all.Items[2].Score);
        Assert.Equal([newest.Id, future.Id], all.Items.Skip(1).Select(h => h.Memory.Id));
    }

    [Fact]
    public async Task Filters_by_tag_and_time_window_express_last_week()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 1, 12, 0, 0, TimeSpan.Zero));
        await using var env = await CreateAsync(time: time);
        for (var day = 0; day < 14; day++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"standup meeting day {day}", Tags: [day < 7 ? "sprint1" : "sprint2", "team"]), Ct);
            time.Advance(TimeSpan.FromDays(1));
        }

        var lastWeek = await env.Store.SearchAsync("alice", new SearchQuery("standup", Since: new DateTimeOffset(2025, 7, 8, 0, 0, 0, TimeSpan.Zero), Until: new DateTimeOffset(2025, 7, 15, 0, 0, 0, TimeSpan.Zero), Limit: 50), Ct);
        var sprint1 = await env.Store.SearchAsync("alice", new SearchQuery("standup", Tags: ["sprint1"], Limit: 50), Ct);
        var all = await env.Store.SearchAsync("alice", new SearchQuery("standup", Tags: ["sprint1", "team"], TagMatch: TagMatch.All, Limit: 50), Ct);
        var none = await env.Store.SearchAsync("alice", new SearchQuery("standup", Tags: ["sprint1", "sprint2"], TagMatch: TagMatch.All, Limit: 50), Ct);

        Assert.Equal(7, lastWeek.Items.Count);
        Assert.All(lastWeek.Items, h => Assert.InRange(h.Memory.Created, new DateTimeOffset(2025, 7, 8, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 7, 15, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(7, sprint1.Items.Count);
        Assert.Equal(7, all.Items.Count);
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task Pages_with_a_cursor_cover_every_hit_once()
    {
        await using var env = await CreateAsync();
        for (var i = 0; i < 25; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"project phoenix status update {i}"), Ct);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await env.Store.SearchAsync("alice", new SearchQuery("phoenix update", Limit: 10, Cursor: cursor), Ct);
            seen.AddRange(page.Items.Select(h => h.Memory.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(25, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("\"unbalanced")]
    [InlineData("NEAR(a b)")]
    [InlineData("title:secret OR content:*")]
    [InlineData("a AND OR NOT")]
    [InlineData("-x ^y {z} !& | <->")]
    [InlineData("'; DROP TABLE memories; --")]
    [InlineData("the of and")]
    public async Task Query_text_is_never_interpreted_as_query_syntax(string text)
    {
        await using var env = await CreateAsync();
        await env.Store.StoreAsync("alice", new NewMemory("a secret title about near things and tables"), Ct);

        var result = await env.Store.SearchAsync("alice", new SearchQuery(text), Ct);

        Assert.NotNull(result);
        Assert.Single((await env.Store.SearchAsync("alice", new SearchQuery("secret tables"), Ct)).Items);
    }

    [Fact]
    public async Task Bad_queries_cursors_and_limits_are_validation_errors()
    {
        await using var env = await CreateAsync();

        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("  ?! "), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("x", Cursor: "garbage!"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("x", Limit: 0), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Limit: 101), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Cursor: "bm90IGEgY3Vyc29y"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Since: DateTimeOffset.UtcNow, Until: DateTimeOffset.UtcNow.AddDays(-1)), Ct));
    }

    [Fact]
    public async Task A_search_cursor_belongs_to_its_query()
    {
        await using var env = await CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"orchard note {i}"), Ct);
        }

        var page = await env.Store.SearchAsync("alice", new SearchQuery("orchard", Limit: 2), Ct);
        var error = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("note", Limit: 2, Cursor: page.NextCursor), Ct));

        Assert.NotNull(page.NextCursor);
        Assert.Contains("different query", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_through_one_replica_is_read_by_the_other_at_its_next_request()
    {
        await using var env = await CreateAsync();
        var a = env.Store;
        var b = env.OpenReplica();
        Assert.Empty((await b.SearchAsync("alice", new SearchQuery("kubernetes budget"), Ct)).Items);

        var stored = (await a.StoreAsync("alice", new NewMemory("Budget review for the kubernetes cluster", "Cluster costs"), Ct)).Memory;
        var found = await b.SearchAsync("alice", new SearchQuery("kubernetes budget"), Ct);

        Assert.Equal(stored.Id, Assert.Single(found.Items).Memory.Id);
        Assert.Equal(stored.Content, (await b.GetAsync("alice", stored.Id, Ct))!.Content);

        await a.UpdateAsync("alice", stored.Id, new MemoryUpdate("Budget review for the database cluster"), Ct);
        Assert.Empty((await b.SearchAsync("alice", new SearchQuery("kubernetes"), Ct)).Items);
        Assert.Single((await b.SearchAsync("alice", new SearchQuery("database"), Ct)).Items);

        await a.DeleteAsync("alice", stored.Id, Ct);
        Assert.Empty((await b.SearchAsync("alice", new SearchQuery("database"), Ct)).Items);
        Assert.Equal(0, (await b.GetStatsAsync("alice", Ct)).MemoryCount);
    }

    [Fact]
    public async Task Storing_what_another_replica_already_stored_returns_the_existing_memory()
    {
        await using var env = await CreateAsync();
        var b = env.OpenReplica();
        await b.ListAsync("alice", new ListQuery(), Ct);

        var first = await env.Store.StoreAsync("alice", new NewMemory("identical content", "same", ["t"]), Ct);
        var second = await b.StoreAsync("alice", new NewMemory("identical content", "same", ["t"]), Ct);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Memory.Id, second.Memory.Id);
    }

    [Fact]
    public async Task Both_replicas_writing_the_same_user_concurrently_keep_every_write_once()
    {
        await using var env = await CreateAsync(new StorageOptions { FlushToDisk = false });
        var replicas = new[] { env.Store, env.OpenReplica() };

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
    public async Task Identical_stores_racing_through_two_replicas_never_answer_with_a_memory_that_is_gone()
    {
        await using var env = await CreateAsync(new StorageOptions { FlushToDisk = false });
        var a = env.Store;
        var b = env.OpenReplica();
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

        // The file provider de-duplicates across replicas on a best-effort basis (docs/storage.md); every provider keeps each memory at least once.
        var count = (await a.GetStatsAsync("alice", Ct)).MemoryCount;
        Assert.InRange(count, 20, 40);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kept} of 20 races ended with a single memory; {count} memories");
    }

    [Fact]
    public async Task With_embeddings_a_query_finds_a_memory_by_meaning_that_shares_no_word_with_it()
    {
        await using var env = await CreateAsync();
        var generator = new ConceptEmbeddingGenerator();
        var hybrid = env.OpenReplica(new SearchOptions { Embeddings = EmbeddingProvider.Local }, generator);
        var plain = env.OpenReplica(new SearchOptions { Embeddings = EmbeddingProvider.Off }, generator);
        var car = (await hybrid.StoreAsync("alice", new NewMemory("My car needs new tyres before the trip."), Ct)).Memory;
        await hybrid.StoreAsync("alice", new NewMemory("The doctor said to rest for a week."), Ct);
        await hybrid.StoreAsync("alice", new NewMemory("Automobile club newsletter about the physician's talk."), Ct);
        await env.VectorsReadyAsync(hybrid, Ct);

        var byMeaning = await hybrid.SearchAsync("alice", new SearchQuery("vehicle maintenance"), Ct);
        var lexicalOnly = await plain.SearchAsync("alice", new SearchQuery("vehicle maintenance"), Ct);

        Assert.Equal(car.Id, byMeaning.Items[0].Memory.Id);
        Assert.Empty(lexicalOnly.Items);
        Assert.True(generator.Calls >= 4);
    }

    [Fact]
    public async Task Hybrid_ranking_keeps_exact_word_matches_first_and_respects_filters()
    {
        await using var env = await CreateAsync();
        var hybrid = env.OpenReplica(new SearchOptions { Embeddings = EmbeddingProvider.Local }, new ConceptEmbeddingGenerator());
        var exact = (await hybrid.StoreAsync("alice", new NewMemory("Physician appointment on Monday", Tags: ["health"]), Ct)).Memory;
        await hybrid.StoreAsync("alice", new NewMemory("Doctor visit notes", Tags: ["archive"]), Ct);
        await env.VectorsReadyAsync(hybrid, Ct);

        var hits = await hybrid.SearchAsync("alice", new SearchQuery("physician appointment"), Ct);
        var filtered = await hybrid.SearchAsync("alice", new SearchQuery("physician", Tags: ["archive"]), Ct);

        Assert.Equal(exact.Id, hits.Items[0].Memory.Id);
        Assert.Equal(2, hits.Items.Count);
        Assert.All(filtered.Items, h => Assert.Contains("archive", h.Memory.Tags));
    }

    [Fact]
    public async Task A_store_is_acknowledged_while_its_embedding_is_held_and_is_found_by_words_at_once_and_by_meaning_after()
    {
        await using var env = await CreateAsync();
        var generator = new HeldEmbeddingGenerator();
        var store = env.OpenReplica(new SearchOptions(), generator);

        var stored = await store.StoreAsync("alice", new NewMemory("We agreed to cut the mobile budget by 15%."), Ct).WaitAsync(VectorTimeout, Ct);
        var byWords = await store.SearchAsync("alice", new SearchQuery("mobile budget"), Ct).WaitAsync(VectorTimeout, Ct);
        var byMeaningBefore = await store.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct).WaitAsync(VectorTimeout, Ct);
        generator.Release();
        await env.VectorsReadyAsync(store, Ct).WaitAsync(VectorTimeout, Ct);
        var byMeaningAfter = await store.SearchAsync("alice", new SearchQuery("money for the phone app"), Ct).WaitAsync(VectorTimeout, Ct);

        Assert.True(stored.Created);
        Assert.Equal(stored.Memory.Id, Assert.Single(byWords.Items).Memory.Id);
        Assert.Empty(byMeaningBefore.Items);
        Assert.Equal(stored.Memory.Id, Assert.Single(byMeaningAfter.Items).Memory.Id);
    }

    [Fact]
    public async Task Time_and_tag_filters_are_applied_before_ranking_by_meaning()
    {
        await using var env = await CreateAsync();
        var store = env.OpenReplica(new SearchOptions(), new HeldEmbeddingGenerator(held: false));
        var start = new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
        string? inside = null;
        for (var week = 0; week < 6; week++)
        {
            var id = await env.ImportAsync(store, "alice", Dated($"Budget review week {week}: the phone line", start.AddDays(7 * week), "budget"), Ct);
            if (week is 2)
            {
                inside = id;
            }
        }

        for (var i = 0; i < 30; i++)
        {
            await env.ImportAsync(store, "alice", Dated($"Money talk {i} about the mobile app", start.AddDays(14).AddHours(i % 5 == 0 ? 200 : 1 + i), i % 2 == 0 ? "budget" : "chat"), Ct);
        }

        await env.VectorsReadyAsync(store, Ct).WaitAsync(VectorTimeout, Ct);
        var since = start.AddDays(14);
        var until = start.AddDays(21);

        var window = await store.SearchAsync("alice", new SearchQuery("phone money", Since: since, Until: until, Limit: 50), Ct);
        var tagged = await store.SearchAsync("alice", new SearchQuery("phone money", Tags: ["budget"], Since: since, Until: until, Limit: 50), Ct);

        Assert.All(window.Items, h => Assert.InRange(h.Memory.Created, since, until.AddTicks(-1)));
        Assert.Contains(inside, window.Items.Select(h => h.Memory.Id));
        Assert.Equal(25, window.Items.Count);
        Assert.All(tagged.Items, h => Assert.Contains("budget", h.Memory.Tags));
        // Week 2's note and the even-numbered talks inside the window: 1 + 12.
        Assert.Equal(13, tagged.Items.Count);
    }

    private static readonly TimeSpan VectorTimeout = TimeSpan.FromSeconds(60);

    private static Memory Dated(string content, DateTimeOffset created, string tag) =>
        new(MemoryIds.New(created), content, [tag], created, created, content, null, new Dictionary<string, string>());

    [Fact]
    public async Task Known_item_recall_at_5_is_at_least_95_percent_for_shuffled_inflected_multi_word_queries()
    {
        await using var env = await CreateAsync(new StorageOptions { FlushToDisk = false });

        var (recall, queries, misses) = await KnownItemCorpus.MeasureRecallAsync(env.Store, Ct);

        TestContext.Current.TestOutputHelper?.WriteLine($"recall@5 = {recall:P1} over {queries} queries; misses: {string.Join(" | ", misses)}");
        Assert.True(queries >= 30);
        Assert.True(recall >= 0.95, $"recall@5 = {recall:P1}; misses: {string.Join(" | ", misses)}");
    }
}

/// <summary>The contract on the file provider: Markdown files under a temporary root.</summary>
public sealed class FileMemoryStoreContractTests : MemoryStoreContract
{
    protected override Task<StoreEnvironment> CreateAsync(StoreSetup setup) => Task.FromResult<StoreEnvironment>(new FileStoreEnvironment(setup));
}

/// <summary>The contract on the PostgreSQL provider: a schema of its own per test on the test server.</summary>
public sealed class PostgresMemoryStoreContractTests(PostgresServer server) : MemoryStoreContract
{
    protected override async Task<StoreEnvironment> CreateAsync(StoreSetup setup) => await PostgresStoreEnvironment.CreateAsync(server, setup, Ct);
}
