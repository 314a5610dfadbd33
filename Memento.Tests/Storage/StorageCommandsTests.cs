using System.IO.Compression;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Tests.Storage;

/// <summary>The server's operator commands: <c>import</c>, <c>export</c> and <c>reindex</c>, as an operator runs them.</summary>
public sealed class StorageCommandsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_takes_the_seed_layout_and_markdown_folders_shows_progress_and_says_what_it_skipped_and_why()
    {
        using var source = new TempDirectory("memento-import");
        using var root = new TempDirectory("memento-root");
        Write(source, "alice/20250714_212005_memory.txt", "Team meeting about the kubernetes budget.");
        Write(source, "alice/20250714_212005_memory.txt.meta", """{"tags": ["work"]}""");
        Write(source, "bob/groceries.md", "# Groceries\n\nBuy oat milk and bread.");
        var kept = new Memory("20240301T101500000Z-abcdefghjk", "Ferry times", ["travel"], new DateTimeOffset(2024, 3, 1, 10, 15, 0, TimeSpan.Zero),
            new DateTimeOffset(2024, 3, 2, 8, 0, 0, TimeSpan.Zero), "The ferry leaves at nine.", null, new Dictionary<string, string>());
        Write(source, $"carol/{kept.Id}.md", MemoryDocument.Serialize(kept));
        Write(source, "carol/empty.md", "   ");
        Write(source, "Bad User/x.md", "never imported");

        var (code, output, error) = await RunAsync(["import", source.Path], root.Path);

        Assert.Equal(1, code);
        Assert.Contains("imported 3, already present 0, skipped 2", output, StringComparison.Ordinal);
        Assert.Contains("'Bad User' is not a valid user id", output, StringComparison.Ordinal);
        Assert.Contains("empty.md: The content is empty", output, StringComparison.Ordinal);
        Assert.Matches(@"import: 4 of 4 \(100%\), [\d,]+/s, about \d+ s left", error);
        using var store = Open(root.Path);
        var carol = await store.GetAsync("carol", kept.Id, Ct);
        Assert.Equal((kept.Title, kept.Created, kept.Updated), (carol!.Title, carol.Created, carol.Updated));
        Assert.Equal(kept.Tags, carol.Tags);
        Assert.Equal("Groceries", Assert.Single((await store.ListAsync("bob", new ListQuery(), Ct)).Items).Title);
        Assert.Equal(["work"], Assert.Single((await store.SearchAsync("alice", new SearchQuery("kubernetes budget"), Ct)).Items).Memory.Tags);
    }

    [Fact]
    public async Task Export_then_import_moves_a_corpus_through_a_zip_or_a_folder_with_its_ids_and_times_and_a_second_import_adds_nothing()
    {
        using var from = new TempDirectory("memento-from");
        using var work = new TempDirectory("memento-export");
        var stored = new List<(string User, Memory Memory)>();
        using (var store = Open(from.Path))
        {
            foreach (var (user, text) in new[] { ("alice", "Alice's first note"), ("alice", "Alice's second note"), ("bob", "Bob's only note") })
            {
                stored.Add((user, (await store.StoreAsync(user, new NewMemory(text, Tags: ["moved"], Metadata: new Dictionary<string, string> { ["k"] = "v" }), Ct)).Memory));
            }
        }

        foreach (var destination in new[] { Path.Combine(work.Path, "corpus.zip"), Path.Combine(work.Path, "corpus") })
        {
            using var to = new TempDirectory("memento-to");
            var exported = await RunAsync(["export", "--to", destination], from.Path);
            Assert.Equal(0, exported.Code);
            Assert.Contains("exported 3 memories of 2 users", exported.Output, StringComparison.Ordinal);
            if (destination.EndsWith(".zip", StringComparison.Ordinal))
            {
                using var zip = ZipFile.OpenRead(destination);
                Assert.Equal(stored.Select(s => $"{s.User}/{s.Memory.Id}.md").Order(StringComparer.Ordinal), zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            }

            var first = await RunAsync(["import", destination], to.Path);
            var second = await RunAsync(["import", destination], to.Path);

            Assert.Equal(0, first.Code);
            Assert.Contains("imported 3, already present 0, skipped 0", first.Output, StringComparison.Ordinal);
            Assert.Contains("imported 0, already present 3, skipped 0", second.Output, StringComparison.Ordinal);
            using var store = Open(to.Path);
            foreach (var (user, memory) in stored)
            {
                Assert.Equal(memory, await store.GetAsync(user, memory.Id, Ct), MemoryComparer.Instance);
            }
        }
    }

    [Fact]
    public async Task Files_directly_in_the_folder_belong_to_the_user_named_and_are_skipped_without_one()
    {
        using var source = new TempDirectory("memento-import");
        using var root = new TempDirectory("memento-root");
        Write(source, "one.md", "First loose note");
        Write(source, "two.md", "Second loose note");

        var without = await RunAsync(["import", source.Path], root.Path);
        var with = await RunAsync(["import", source.Path, "--user", "dana"], root.Path);

        Assert.Equal(1, without.Code);
        Assert.Contains("2 files directly in the folder; say which user they belong to with --user", without.Output, StringComparison.Ordinal);
        Assert.Equal(0, with.Code);
        using var store = Open(root.Path);
        Assert.Equal(2, (await store.ListAsync("dana", new ListQuery(), Ct)).Items.Count);
    }

    [Fact]
    public async Task Reindex_rebuilds_the_index_of_every_user_and_a_bad_command_prints_the_usage()
    {
        using var root = new TempDirectory("memento-root");
        using var index = new TempDirectory("memento-index");
        using (var store = new FileMemoryStore(new StorageOptions { Root = root.Path }, new SearchOptions { IndexPath = index.Path }, NullLogger<FileMemoryStore>.Instance))
        {
            await store.StoreAsync("alice", new NewMemory("Alice's note"), Ct);
            await store.StoreAsync("bob", new NewMemory("Bob's note"), Ct);
        }

        File.Delete(Path.Combine(index.Path, "alice.db"));
        var (code, output, _) = await RunAsync(["reindex", "--Memento:Search:IndexPath=" + index.Path], root.Path);

        Assert.Equal(0, code);
        Assert.Contains("reindexed 2 users", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(index.Path, "alice.db")));
        var bad = await RunAsync(["export"], root.Path);
        Assert.Equal(2, bad.Code);
        Assert.Contains("usage:", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_says_how_many_how_fast_and_how_long_is_left()
    {
        Assert.Equal("1,200 of 10,000 (12%), 600/s, about 15 s left", new RunProgress(1200, 10_000, TimeSpan.FromSeconds(2)).ToString());
        Assert.Equal("30 of 90 (33%), 1/s, about 1 min 0 s left", new RunProgress(30, 90, TimeSpan.FromSeconds(30)).ToString());
        Assert.Equal("0 of 5 (0%), 0/s, time left unknown", new RunProgress(0, 5, TimeSpan.Zero).ToString());
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string root)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MementoCommandLine.RunStorageCommandAsync([.. args, "--Memento:Storage:Root=" + root], output, error, Ct)
            .WaitAsync(TimeSpan.FromSeconds(60), Ct);
        return (code, output.ToString(), error.ToString());
    }

    private static FileMemoryStore Open(string root) =>
        new(new StorageOptions { Root = root }, new SearchOptions(), NullLogger<FileMemoryStore>.Instance);

    private static void Write(TempDirectory root, string relative, string text)
    {
        var path = Path.Combine(root.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private sealed class MemoryComparer : IEqualityComparer<Memory?>
    {
        public static readonly MemoryComparer Instance = new();

        public bool Equals(Memory? x, Memory? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Title == y.Title && x.Tags.SequenceEqual(y.Tags) && x.Created == y.Created
            && x.Updated == y.Updated && x.Content == y.Content && x.Source == y.Source && x.Metadata.OrderBy(p => p.Key).SequenceEqual(y.Metadata.OrderBy(p => p.Key));

        public int GetHashCode(Memory? obj) => obj?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
