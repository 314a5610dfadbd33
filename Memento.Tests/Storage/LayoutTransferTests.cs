using System.Text;
using Memento.McpServer.Storage;
using Memento.McpServer.Storage.Postgres;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Tests.Storage;

/// <summary>Moving a corpus from the file layout into PostgreSQL and back loses nothing.</summary>
public sealed class LayoutTransferTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_corpus_round_trips_from_files_to_postgres_and_back_byte_for_byte()
    {
        // Arrange: a corpus written by the file provider, with everything a memory file can hold and a trash.
        var time = new ManualTime(new DateTimeOffset(2025, 7, 14, 9, 30, 0, TimeSpan.Zero));
        using var files = new TestStore(new StorageOptions { FlushToDisk = false }, time: time);
        var random = new Random(17);
        var deleted = new List<string>();
        foreach (var user in new[] { "alice", "bob", "carol.smith" })
        {
            for (var i = 0; i < 40; i++)
            {
                var content = i switch
                {
                    0 => "---\nnot: front matter\n---\n\n  indented\r\nwindows line\n\n",
                    1 => "ünïcode 😀 — “quotes” and a tab\there",
                    _ => $"Note {i} for {user}: {string.Join(' ', Enumerable.Range(0, random.Next(3, 40)).Select(_ => "word" + random.Next(100)))}",
                };
                var metadata = i % 3 == 0 ? new Dictionary<string, string> { ["project"] = "apollo", ["colon"] = "a: b", ["empty"] = "" } : null;
                var stored = (await files.Store.StoreAsync(user, new NewMemory(content, i % 4 == 0 ? null : $"Title {i}: with colon", i % 2 == 0 ? ["work", $"t{i % 5}"] : null, metadata, i % 5 == 0 ? "chat" : null), Ct)).Memory;
                time.Advance(TimeSpan.FromMinutes(7));
                if (i % 6 == 5)
                {
                    await files.Store.UpdateAsync(user, stored.Id, new MemoryUpdate(Tags: ["edited"]), Ct);
                }

                if (i % 10 == 9)
                {
                    await files.Store.DeleteAsync(user, stored.Id, Ct);
                    deleted.Add(stored.Id);
                }
            }
        }

        await using var postgres = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        var transfer = new LayoutTransfer(postgres.Postgres, new StorageOptions { FlushToDisk = false }, NullLogger<LayoutTransfer>.Instance);
        using var exported = new TempDirectory("memento-export");

        // Act: files -> PostgreSQL (twice), PostgreSQL -> a fresh layout.
        var first = await transfer.ImportAsync(files.Root, Ct);
        var second = await transfer.ImportAsync(files.Root, Ct);
        var written = await transfer.ExportAsync(exported.Path, Ct);

        // Assert: every file, live and trashed, comes back identical; the database served them meanwhile.
        var original = Snapshot(files.Root);
        var copy = Snapshot(exported.Path);
        Assert.Equal(120, first.Imported);
        Assert.Empty(first.Skipped);
        Assert.Equal(0, second.Imported);
        Assert.Equal(120, second.Duplicates);
        Assert.Equal(120, written);
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), copy.Keys.Order(StringComparer.Ordinal));
        Assert.All(original, file => Assert.Equal(file.Value, copy[file.Key]));
        Assert.Equal(deleted.Count, original.Keys.Count(k => k.Contains("/.trash/", StringComparison.Ordinal)));
        Assert.Equal(["alice", "bob", "carol.smith"], await postgres.Store.ListUsersAsync(Ct));
        var stats = await postgres.Store.GetStatsAsync("alice", Ct);
        Assert.Equal(36, stats.MemoryCount);
        Assert.Equal(4, stats.TrashedCount);
        var firstNote = (await files.Store.ListAsync("alice", new ListQuery(Limit: 100), Ct)).Items[^1];
        Assert.Equal((await files.Store.GetAsync("alice", firstNote.Id, Ct))!.Content, (await postgres.Store.GetAsync("alice", firstNote.Id, Ct))!.Content);
        Assert.NotEmpty((await postgres.Store.SearchAsync("alice", new SearchQuery("windows line indented"), Ct)).Items);

        // And the exported layout is a working file store again.
        using var reopened = new FileMemoryStore(new StorageOptions { Root = exported.Path }, new McpServer.Search.SearchOptions(), NullLogger<FileMemoryStore>.Instance);
        Assert.Equal(36, (await reopened.GetStatsAsync("alice", Ct)).MemoryCount);
    }

    /// <summary>Every memory file under a root, by path relative to it, as bytes.</summary>
    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.changes/", StringComparison.Ordinal))
            .ToDictionary(f => "/" + Path.GetRelativePath(root, f).Replace('\\', '/'), f => Convert.ToBase64String(File.ReadAllBytes(f)));
}
