using System.Text;
using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

public sealed class FileMemoryStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Store_writes_one_markdown_file_with_front_matter_and_get_reads_it_back()
    {
        using var env = new TestStore();
        var metadata = new Dictionary<string, string> { ["project"] = "apollo", ["mood"] = "good: really" };

        var result = await env.Store.StoreAsync("alice", new NewMemory("Budget review for the Kubernetes cluster.\nSecond line: with a colon", "Budget review", ["Work", "k8s"], metadata, "chat"), Ct);

        Assert.True(result.Created);
        var path = Path.Combine(env.UserDirectory("alice"), result.Memory.Id + ".md");
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        Assert.False(bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "files are UTF-8 without BOM");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("---\nid: " + result.Memory.Id + "\n", text, StringComparison.Ordinal);
        Assert.Contains("title: Budget review\n", text, StringComparison.Ordinal);
        Assert.EndsWith("---\nBudget review for the Kubernetes cluster.\nSecond line: with a colon", text, StringComparison.Ordinal);

        var read = await env.Store.GetAsync("alice", result.Memory.Id, Ct);
        Assert.NotNull(read);
        Assert.Equal("Budget review for the Kubernetes cluster.\nSecond line: with a colon", read.Content);
        Assert.Equal(["work", "k8s"], read.Tags);
        Assert.Equal("chat", read.Source);
        Assert.Equal("good: really", read.Metadata["mood"]);
        Assert.Equal(result.Memory.Created, read.Created);
        Assert.Equal(TimeSpan.Zero, read.Created.Offset);
    }

    [Fact]
    public async Task Content_is_kept_verbatim_including_front_matter_lookalikes_and_whitespace()
    {
        using var env = new TestStore();
        var content = "---\nnot: front matter\n---\n\n  indented\r\nwindows line\n\n";

        var stored = await env.Store.StoreAsync("alice", new NewMemory(content, "Tricky"), Ct);
        var read = await env.Store.GetAsync("alice", stored.Memory.Id, Ct);

        Assert.Equal(content, read!.Content);
    }

    [Fact]
    public async Task Ids_are_unique_and_sort_by_creation_time()
    {
        using var env = new TestStore();
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
        using var env = new TestStore();
        var first = await env.Store.StoreAsync("alice", new NewMemory("Same words", "T", ["a", "b"]), Ct);

        var second = await env.Store.StoreAsync("alice", new NewMemory("Same words", "T", ["B", "a"]), Ct);
        var different = await env.Store.StoreAsync("alice", new NewMemory("Same words", "T", ["a"]), Ct);
        var otherUser = await env.Store.StoreAsync("bob", new NewMemory("Same words", "T", ["a", "b"]), Ct);

        Assert.False(second.Created);
        Assert.Equal(first.Memory.Id, second.Memory.Id);
        Assert.True(different.Created);
        Assert.True(otherUser.Created);
        Assert.Equal(2, Directory.GetFiles(env.UserDirectory("alice"), "*.md").Length);
    }

    [Fact]
    public async Task Update_changes_only_the_given_fields_and_moves_updated()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 14, 9, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(time: time);
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
    }

    [Fact]
    public async Task A_title_derived_from_the_content_follows_new_content_and_a_given_title_stays()
    {
        using var env = new TestStore();
        var automatic = (await env.Store.StoreAsync("alice", new NewMemory("Beta ships Oct 3\nthen the launch"), Ct)).Memory;
        var named = (await env.Store.StoreAsync("alice", new NewMemory("Beta ships Oct 3", "Release plan"), Ct)).Memory;

        var followed = await env.Store.UpdateAsync("alice", automatic.Id, new MemoryUpdate(Content: "Beta ships Oct 10\nthen the launch"), Ct);
        var kept = await env.Store.UpdateAsync("alice", named.Id, new MemoryUpdate(Content: "Beta ships Oct 10"), Ct);

        Assert.Equal("Beta ships Oct 3", automatic.Title);
        Assert.Equal("Beta ships Oct 10", followed.Title);
        Assert.Equal("Release plan", kept.Title);
    }

    [Fact]
    public async Task Update_of_a_missing_memory_throws_not_found()
    {
        using var env = new TestStore();

        var error = await Assert.ThrowsAsync<MemoryNotFoundException>(() => env.Store.UpdateAsync("alice", "20250101T000000000Z-aaaaaaaaaa", new MemoryUpdate("x"), Ct));

        Assert.Equal("20250101T000000000Z-aaaaaaaaaa", error.Id);
    }

    [Fact]
    public async Task Delete_moves_the_file_to_the_trash_and_hides_the_memory()
    {
        using var env = new TestStore();
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("Delete me later, quarterly planning"), Ct)).Memory;

        var deleted = await env.Store.DeleteAsync("alice", stored.Id, Ct);
        var again = await env.Store.DeleteAsync("alice", stored.Id, Ct);

        Assert.True(deleted);
        Assert.False(again);
        Assert.Null(await env.Store.GetAsync("alice", stored.Id, Ct));
        Assert.Empty((await env.Store.SearchAsync("alice", new SearchQuery("quarterly planning"), Ct)).Items);
        Assert.Empty((await env.Store.ListAsync("alice", new ListQuery(), Ct)).Items);
        var trashed = Assert.Single(Directory.GetFiles(Path.Combine(env.UserDirectory("alice"), ".trash")));
        Assert.EndsWith("~" + stored.Id + ".md", trashed, StringComparison.Ordinal);
        var stats = await env.Store.GetStatsAsync("alice", Ct);
        Assert.Equal(0, stats.MemoryCount);
        Assert.Equal(1, stats.TrashedCount);
    }

    [Fact]
    public async Task Trash_is_purged_after_the_retention_period()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var env = new TestStore(new StorageOptions { TrashRetention = TimeSpan.FromDays(7) }, time: time);
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("short lived"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", stored.Id, Ct);

        time.Advance(TimeSpan.FromDays(6));
        var early = env.Store.PurgeTrash();
        time.Advance(TimeSpan.FromDays(2));
        var late = env.Store.PurgeTrash();

        Assert.Equal(0, early);
        Assert.Equal(1, late);
        Assert.Equal(0, (await env.Store.GetStatsAsync("alice", Ct)).TrashedCount);
    }

    [Fact]
    public async Task List_is_newest_first_filtered_and_paged_with_a_cursor()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(time: time);
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
    }

    [Fact]
    public async Task Stats_and_users_describe_what_is_stored()
    {
        using var env = new TestStore();
        await env.Store.StoreAsync("alice", new NewMemory("ünïcode", Tags: ["a"]), Ct);
        await env.Store.StoreAsync("alice", new NewMemory("two", Tags: ["a", "b"]), Ct);
        await env.Store.StoreAsync("bob", new NewMemory("three"), Ct);
        Directory.CreateDirectory(Path.Combine(env.Root, "Not A User"));

        var stats = await env.Store.GetStatsAsync("alice", Ct);
        var users = await env.Store.ListUsersAsync(Ct);
        var nobody = await env.Store.GetStatsAsync("carol", Ct);

        Assert.Equal(2, stats.MemoryCount);
        Assert.Equal(Encoding.UTF8.GetByteCount("ünïcode") + 3, stats.TotalContentBytes);
        Assert.Equal(2, stats.Tags["a"]);
        Assert.Equal(1, stats.Tags["b"]);
        Assert.NotNull(stats.Oldest);
        Assert.Equal(["alice", "bob"], users);
        Assert.Equal(0, nobody.MemoryCount);
        Assert.Null(nobody.Newest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("..")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData("Alice")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".hidden")]
    [InlineData("a..b")]
    [InlineData("bob.")]
    [InlineData("con")]
    [InlineData("nul.txt")]
    [InlineData("lpt1")]
    [InlineData("tab\tname")]
    [InlineData("bell\u0007")]
    [InlineData("a b")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task Bad_user_ids_are_refused_with_a_clear_error_before_any_path_is_built(string user)
    {
        using var env = new TestStore();

        var store = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync(user, new NewMemory("x"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync(user, new SearchQuery("x"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync(user, new ListQuery(), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.GetStatsAsync(user, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.GetAsync(user, "x", Ct));

        Assert.Contains("user id", store.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(env.Root));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("a")]
    [InlineData("user.name_1-2")]
    [InlineData("0abc")]
    public async Task Good_user_ids_are_accepted(string user)
    {
        using var env = new TestStore();

        var result = await env.Store.StoreAsync(user, new NewMemory("fine"), Ct);

        Assert.True(File.Exists(Path.Combine(env.Root, user, result.Memory.Id + ".md")));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/abs")]
    [InlineData("")]
    public async Task Bad_memory_ids_are_refused(string id)
    {
        using var env = new TestStore();

        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.GetAsync("alice", id, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.DeleteAsync("alice", id, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.UpdateAsync("alice", id, new MemoryUpdate("x"), Ct));
    }

    [Fact]
    public async Task Another_users_id_is_not_found()
    {
        using var env = new TestStore();
        var alices = (await env.Store.StoreAsync("alice", new NewMemory("private"), Ct)).Memory;

        Assert.Null(await env.Store.GetAsync("bob", alices.Id, Ct));
        Assert.False(await env.Store.DeleteAsync("bob", alices.Id, Ct));
        Assert.Empty((await env.Store.SearchAsync("bob", new SearchQuery("private"), Ct)).Items);
    }

    [Fact]
    public async Task Limits_are_enforced_with_messages_that_say_what_to_change()
    {
        using var env = new TestStore(new StorageOptions { MaxContentBytes = 100, MaxTags = 3, MaxTagLength = 10, MaxMetadataEntries = 2, MaxMetadataBytes = 30, MaxTitleLength = 20 });

        var big = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory(new string('x', 101)), Ct));
        var empty = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("  \n "), Ct));
        var tags = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Tags: ["a", "b", "c", "d"]), Ct));
        var longTag = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Tags: ["abcdefghijk"]), Ct));
        var entries = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Metadata: new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" }), Ct));
        var metaBytes = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Metadata: new Dictionary<string, string> { ["a"] = new string('v', 40) }), Ct));
        var title = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", new string('t', 21)), Ct));
        var control = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("x", Tags: ["a\u0000b"]), Ct));
        var update = await env.Store.StoreAsync("alice", new NewMemory(new string('x', 100)), Ct);
        var bigUpdate = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.UpdateAsync("alice", update.Memory.Id, new MemoryUpdate(new string('y', 101)), Ct));

        Assert.Contains("limit is 100 bytes", big.Message, StringComparison.Ordinal);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 3", tags.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 10", longTag.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 2", entries.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 30 bytes", metaBytes.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 20", title.Message, StringComparison.Ordinal);
        Assert.Contains("control", control.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 100 bytes", bigUpdate.Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(env.UserDirectory("alice"), "*.md"));
    }

    [Fact]
    public async Task A_missing_title_is_derived_from_the_first_line()
    {
        using var env = new TestStore();

        var stored = await env.Store.StoreAsync("alice", new NewMemory("\n# Groceries for Sunday\nmilk, eggs"), Ct);

        Assert.Equal("Groceries for Sunday", stored.Memory.Title);
    }

    [Fact]
    public async Task A_user_folder_that_cannot_be_created_reports_storage_unavailable()
    {
        using var env = new TestStore();
        await File.WriteAllTextAsync(Path.Combine(env.Root, "alice"), "a file where the folder should be", Ct);

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => env.Store.StoreAsync("alice", new NewMemory("first"), Ct));

        Assert.Contains("could not be written", error.Message, StringComparison.Ordinal);
    }
}
