using System.IO.Compression;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Tests.Storage;

public sealed class ImportExportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_seed_layout_is_imported_with_its_tags_metadata_and_times_and_a_second_import_adds_nothing()
    {
        using var seed = new TempDirectory("memento-seed");
        Directory.CreateDirectory(Path.Combine(seed.Path, "alice"));
        Directory.CreateDirectory(Path.Combine(seed.Path, "bob"));
        Directory.CreateDirectory(Path.Combine(seed.Path, "Bad User"));
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "alice", "20250714_212005_memory.txt"), "Team meeting about the kubernetes budget.", Ct);
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "alice", "20250714_212005_memory.txt.meta"), """{"tags": ["work", "Meeting"], "metadata": {"priority": "high", "attendees": 4}, "user_id": "alice"}""", Ct);
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "alice", "20250715_105856_memory.txt"), "Buy oat milk.", Ct);
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "bob", "20250716_080000_memory.txt"), "Bob's note.", Ct);
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "bob", "20250716_080000_memory.meta"), """{"tags": "personal, todo", "timestamp": "2025-07-16T08:00:30Z", "mood": "calm"}""", Ct);
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "bob", "20250717_080000_memory.txt"), "", Ct);
        await File.WriteAllTextAsync(Path.Combine(seed.Path, "Bad User", "20250717_080000_memory.txt"), "never imported", Ct);
        using var env = new TestStore();
        var importer = new SeedImporter(env.Store, NullLogger<SeedImporter>.Instance);

        var first = await importer.ImportAsync(seed.Path, Ct);
        var second = await importer.ImportAsync(seed.Path, Ct);

        Assert.Equal(3, first.Imported);
        Assert.Equal(2, first.Skipped.Count);
        Assert.Contains(first.Skipped, s => s.Contains("Bad User", StringComparison.Ordinal));
        Assert.Contains(first.Skipped, s => s.Contains("empty", StringComparison.Ordinal));
        Assert.Equal(0, second.Imported);
        Assert.Equal(3, second.Duplicates);
        var hit = Assert.Single((await env.Store.SearchAsync("alice", new SearchQuery("meetings kubernetes"), Ct)).Items);
        var meeting = (await env.Store.GetAsync("alice", hit.Memory.Id, Ct))!;
        Assert.Equal(["work", "meeting"], meeting.Tags);
        Assert.Equal("high", meeting.Metadata["priority"]);
        Assert.Equal("4", meeting.Metadata["attendees"]);
        Assert.Equal("import", meeting.Source);
        Assert.Equal(new DateTimeOffset(2025, 7, 14, 21, 20, 5, TimeSpan.Zero), meeting.Created);
        var bobs = (await env.Store.ListAsync("bob", new ListQuery(), Ct)).Items;
        var note = (await env.Store.GetAsync("bob", Assert.Single(bobs).Id, Ct))!;
        Assert.Equal(["personal", "todo"], note.Tags);
        Assert.Equal("calm", note.Metadata["mood"]);
        Assert.Equal(new DateTimeOffset(2025, 7, 16, 8, 0, 30, TimeSpan.Zero), note.Created);
        Assert.StartsWith("20250716T080030000Z-", note.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_writes_each_live_memory_file_verbatim_into_a_zip()
    {
        using var env = new TestStore();
        var kept = (await env.Store.StoreAsync("alice", new NewMemory("keep one", Tags: ["x"]), Ct)).Memory;
        await env.Store.StoreAsync("alice", new NewMemory("keep two"), Ct);
        var gone = (await env.Store.StoreAsync("alice", new NewMemory("deleted"), Ct)).Memory;
        await env.Store.DeleteAsync("alice", gone.Id, Ct);
        using var zipStream = new MemoryStream();

        var count = await env.Store.ExportAsync("alice", zipStream, Ct);

        Assert.Equal(2, count);
        zipStream.Position = 0;
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);
        Assert.Equal(2, zip.Entries.Count);
        var entry = zip.GetEntry(kept.Id + ".md")!;
        using var reader = new StreamReader(entry.Open());
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(env.UserDirectory("alice"), kept.Id + ".md"), Ct), await reader.ReadToEndAsync(Ct));
    }
}
