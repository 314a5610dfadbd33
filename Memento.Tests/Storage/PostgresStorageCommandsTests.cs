using System.IO.Compression;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Npgsql;
using static Memento.Tests.Storage.StorageCommandsTests;

namespace Memento.Tests.Storage;

/// <summary>
/// The operator commands with <c>Memento:Storage:Provider=Postgres</c> on the test PostgreSQL server, and <c>move</c>
/// between the Files root and the database, run through the server's command entry point as an operator runs them.
/// </summary>
public sealed class PostgresStorageCommandsTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_export_and_reindex_work_on_postgres_as_on_files()
    {
        // Arrange: a folder as operators bring it (seed layout, loose Markdown, Memento's own files) and an empty schema.
        await using var database = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        using var source = new TempDirectory("memento-import");
        using var work = new TempDirectory("memento-export");
        var kept = WriteOperatorFolder(source);
        string[] postgres = ["--Memento:Storage:Provider=Postgres", "--ConnectionStrings:memento-db=" + database.ConnectionString];

        // Act: import twice, export to a zip and to a folder, reindex under another text search configuration.
        var first = await RunAsync(["import", source.Path, .. postgres], work.Path);
        var second = await RunAsync(["import", source.Path, .. postgres], work.Path);
        var zip = Path.Combine(work.Path, "corpus.zip");
        var folder = Path.Combine(work.Path, "corpus");
        var toZip = await RunAsync(["export", "--to", zip, .. postgres], work.Path);
        var toFolder = await RunAsync(["export", "--to", folder, "--user", "carol", .. postgres], work.Path);
        var before = await SearchVectorAsync(database.ConnectionString, "alice");
        var reindex = await RunAsync(["reindex", "--Memento:Storage:Postgres:TextSearchConfiguration=simple", .. postgres], work.Path);
        var after = await SearchVectorAsync(database.ConnectionString, "alice");

        // Assert
        Assert.Equal(1, first.Code);
        Assert.Contains("imported 3, already present 0, skipped 2", first.Output, StringComparison.Ordinal);
        Assert.Contains("'Bad User' is not a valid user id", first.Output, StringComparison.Ordinal);
        Assert.Contains("empty.md: The content is empty", first.Output, StringComparison.Ordinal);
        Assert.Matches(@"import: 4 of 4 \(100%\), [\d,]+/s, about \d+ s left", first.Error);
        Assert.Contains("imported 0, already present 3, skipped 2", second.Output, StringComparison.Ordinal);
        var store = database.Store;
        Assert.Equal(kept, await store.GetAsync("carol", kept.Id, Ct), new MemoryComparer());
        Assert.Equal(["work"], Assert.Single((await store.SearchAsync("alice", new SearchQuery("kubernetes budget"), Ct)).Items).Memory.Tags);
        Assert.Equal((0, 0), (toZip.Code, toFolder.Code));
        Assert.Contains("exported 3 memories of 3 users", toZip.Output, StringComparison.Ordinal);
        using (var archive = ZipFile.OpenRead(zip))
        {
            Assert.Equal(3, archive.Entries.Count);
            Assert.Contains(archive.Entries, e => e.FullName == $"carol/{kept.Id}.md");
        }

        Assert.Equal(MemoryDocument.Serialize(kept), await File.ReadAllTextAsync(Path.Combine(folder, "carol", kept.Id + ".md"), Ct));
        Assert.Equal(0, reindex.Code);
        Assert.Contains("reindexed 3 users", reindex.Output, StringComparison.Ordinal);
        Assert.Contains("'meet'", before, StringComparison.Ordinal);
        Assert.DoesNotContain("'again'", before, StringComparison.Ordinal);
        Assert.Contains("'meetings'", after, StringComparison.Ordinal);
        Assert.Contains("'again'", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Move_copies_a_corpus_with_its_trash_to_postgres_and_back_byte_for_byte_and_a_second_run_copies_nothing()
    {
        // Arrange: a corpus written by the file provider, with updates and a trash.
        await using var database = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        using var from = new TempDirectory("memento-from");
        using var back = new TempDirectory("memento-back");
        using (var files = Open(from.Path))
        {
            for (var i = 0; i < 30; i++)
            {
                var user = i % 3 == 0 ? "alice" : i % 3 == 1 ? "bob" : "carol.smith";
                var stored = (await files.StoreAsync(user, new NewMemory($"Note {i}: ünïcode — “{i}”\r\n\n  kept", i % 2 == 0 ? $"Title {i}" : null, ["moved", $"t{i % 4}"], new Dictionary<string, string> { ["n"] = $"{i}" }), Ct)).Memory;
                if (i % 5 == 4)
                {
                    await files.UpdateAsync(user, stored.Id, new MemoryUpdate(Tags: ["edited"]), Ct);
                }

                if (i % 7 == 6)
                {
                    await files.DeleteAsync(user, stored.Id, Ct);
                }
            }
        }

        Write(from, "Not A User/x.md", "never moved");
        string[] connection = ["--ConnectionStrings:memento-db=" + database.ConnectionString];

        // Act: files -> PostgreSQL twice, PostgreSQL -> an empty folder twice.
        var toPostgres = await RunAsync(["move", "--to", "postgres", .. connection], from.Path);
        var again = await RunAsync(["move", "--to", "postgres", .. connection], from.Path);
        var toFiles = await RunAsync(["move", "--to", "files", .. connection], back.Path);
        var filesAgain = await RunAsync(["move", "--to", "files", .. connection], back.Path);

        // Assert: counts, progress and reasons are reported, and every file comes back identical.
        Assert.Equal(1, toPostgres.Code);
        Assert.Contains("copied 30, already present 0, skipped 1", toPostgres.Output, StringComparison.Ordinal);
        Assert.Contains("'Not A User' is not a valid user id", toPostgres.Output, StringComparison.Ordinal);
        Assert.Contains($"move: files at {from.Path} -> PostgreSQL 127.0.0.1:{server.Port}/postgres", toPostgres.Error, StringComparison.Ordinal);
        Assert.Matches(@"move: 30 of 30 \(100%\), [\d,]+/s, about \d+ s left", toPostgres.Error);
        Assert.Contains("copied 0, already present 30, skipped 1", again.Output, StringComparison.Ordinal);
        Assert.Equal((0, 0), (toFiles.Code, filesAgain.Code));
        Assert.Contains("copied 30, already present 0, skipped 0", toFiles.Output, StringComparison.Ordinal);
        Assert.Contains("copied 0, already present 30, skipped 0", filesAgain.Output, StringComparison.Ordinal);
        var original = Snapshot(from.Path);
        Assert.Equal(original, Snapshot(back.Path));
        Assert.Equal(4, original.Keys.Count(k => k.Contains("/.trash/", StringComparison.Ordinal)));
        Assert.Equal(["alice", "bob", "carol.smith"], await database.Store.ListUsersAsync(Ct));
        // Rows are copied without a vector: the replicas' embedding workers fill them (docs/storage.md), not the command.
        Assert.Equal((26L, 0L), await CountAsync(database.ConnectionString, "count(*) FILTER (WHERE deleted_at IS NULL)", "count(embedding)"));
    }

    [Fact]
    public async Task A_move_never_overwrites_a_different_file_and_without_a_connection_string_says_which_key_to_set()
    {
        await using var database = await PostgresStoreEnvironment.CreateAsync(server, new StoreSetup(), Ct);
        var memory = (await database.Store.StoreAsync("alice", new NewMemory("From the database"), Ct)).Memory;
        using var target = new TempDirectory("memento-target");
        Write(target, $"alice/{memory.Id}.md", "edited by hand");

        var moved = await RunAsync(["move", "--to", "files", "--ConnectionStrings:memento-db=" + database.ConnectionString], target.Path);
        var missing = await RunAsync(["move", "--to", "postgres"], target.Path);
        var unknown = await RunAsync(["move", "--to", "sqlite"], target.Path);

        Assert.Equal(1, moved.Code);
        Assert.Contains("copied 0, already present 0, skipped 1", moved.Output, StringComparison.Ordinal);
        Assert.Contains($"{memory.Id}.md: a different file is already there; left as it is", moved.Output, StringComparison.Ordinal);
        Assert.Equal("edited by hand", await File.ReadAllTextAsync(Path.Combine(target.Path, "alice", memory.Id + ".md"), Ct));
        Assert.Equal(2, missing.Code);
        Assert.Contains("ConnectionStrings__memento-db", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("move --to <postgres|files>", unknown.Error, StringComparison.Ordinal);
    }

    private static async Task<string> SearchVectorAsync(string connectionString, string user)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT string_agg(search::text, ' ') FROM memento_memories WHERE user_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user });
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<(long, long)> CountAsync(string connectionString, string first, string second)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"SELECT {first}, {second} FROM memento_memories");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Every memory file under a root (live and trash), by path relative to it, as bytes.</summary>
    private static SortedDictionary<string, string> Snapshot(string root) =>
        new(Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.changes/", StringComparison.Ordinal) && !f.Contains("Not A User", StringComparison.Ordinal))
            .ToDictionary(f => "/" + Path.GetRelativePath(root, f).Replace('\\', '/'), f => Convert.ToBase64String(File.ReadAllBytes(f))), StringComparer.Ordinal);
}
