using System.Text;
using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

/// <summary>What only the file provider does: the files on disk. What every provider does is in <see cref="MemoryStoreContract"/>.</summary>
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
    [InlineData("bob\n")]
    [InlineData("alice\r\n")]
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
    [InlineData("20250101T000000000Z-abcdefghij\n")]
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
    public async Task A_tag_limit_stops_at_the_first_tag_past_it_in_linear_time()
    {
        using var env = new TestStore();
        var tags = Enumerable.Range(0, 200_000).Select(i => "t" + i).ToArray();
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("x"), Ct)).Memory;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var onStore = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync("alice", new NewMemory("y", Tags: tags), Ct));
        var onUpdate = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.UpdateAsync("alice", stored.Id, new MemoryUpdate(Tags: tags), Ct));
        watch.Stop();

        Assert.Contains("the limit is 20", onStore.Message, StringComparison.Ordinal);
        Assert.Equal(onStore.Message, onUpdate.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"two refusals took {watch.Elapsed}");
        var duplicates = (await env.Store.StoreAsync("alice", new NewMemory("z", Tags: [.. Enumerable.Repeat("Same", 100_000), "other"]), Ct)).Memory;
        Assert.Equal(["same", "other"], duplicates.Tags);
    }

    [Fact]
    public async Task A_range_whose_since_is_not_before_until_is_refused_with_the_one_wording()
    {
        using var env = new TestStore();
        var day = new DateTimeOffset(2025, 7, 14, 0, 0, 0, TimeSpan.Zero);

        var list = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Since: day, Until: day), Ct));
        var search = await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("x", Since: day, Until: day.AddDays(-1)), Ct));

        Assert.Equal("'since' must be earlier than 'until'.", list.Message);
        Assert.Equal(list.Message, search.Message);
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
    public async Task A_user_folder_that_cannot_be_created_reports_storage_unavailable()
    {
        using var env = new TestStore();
        await File.WriteAllTextAsync(Path.Combine(env.Root, "alice"), "a file where the folder should be", Ct);

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => env.Store.StoreAsync("alice", new NewMemory("first"), Ct));

        Assert.Contains("could not be written", error.Message, StringComparison.Ordinal);
    }
}
