using System.Text;
using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

/// <summary>What only the file provider does: the files on disk. What every provider does is in <see cref="MemoryStoreContract"/>.</summary>
public sealed class FileMemoryStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Store_writes_one_markdown_file_with_front_matter_and_the_content_verbatim()
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
        Assert.Single(Directory.GetFiles(env.UserDirectory("alice"), "*.md"));
    }

    [Fact]
    public async Task Delete_moves_the_file_into_the_users_trash_folder_named_by_deletion_time_and_id()
    {
        using var env = new TestStore();
        var stored = (await env.Store.StoreAsync("alice", new NewMemory("Delete me later, quarterly planning"), Ct)).Memory;

        await env.Store.DeleteAsync("alice", stored.Id, Ct);

        Assert.Empty(Directory.GetFiles(env.UserDirectory("alice"), "*.md"));
        var trashed = Assert.Single(Directory.GetFiles(Path.Combine(env.UserDirectory("alice"), ".trash")));
        Assert.Matches(@"/[0-9]{8}T[0-9]{6}Z~" + stored.Id + @"\.md$", trashed.Replace('\\', '/'));
    }

    [Fact]
    public async Task A_folder_whose_name_is_not_a_valid_user_id_is_not_a_user()
    {
        using var env = new TestStore();
        await env.Store.StoreAsync("alice", new NewMemory("one"), Ct);
        Directory.CreateDirectory(Path.Combine(env.Root, "Not A User"));
        Directory.CreateDirectory(Path.Combine(env.Root, ".hidden"));

        var users = await env.Store.ListUsersAsync(Ct);

        Assert.Equal(["alice"], users);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("..")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    public async Task Bad_user_ids_are_refused_before_any_path_is_built(string user)
    {
        using var env = new TestStore();

        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.StoreAsync(user, new NewMemory("x"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync(user, new ListQuery(), Ct));

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
    public async Task A_user_folder_that_cannot_be_created_reports_storage_unavailable()
    {
        using var env = new TestStore();
        await File.WriteAllTextAsync(Path.Combine(env.Root, "alice"), "a file where the folder should be", Ct);

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => env.Store.StoreAsync("alice", new NewMemory("first"), Ct));

        Assert.Contains("could not be written", error.Message, StringComparison.Ordinal);
    }
}
