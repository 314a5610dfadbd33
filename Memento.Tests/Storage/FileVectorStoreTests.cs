using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Storage;

public sealed class FileVectorStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_vector_is_found_by_user_content_hash_and_model_and_by_no_other_key()
    {
        using var root = new TempDirectory("memento-vectors");
        var store = new FileVectorStore(root.Path);
        float[] vector = [0.25f, -0.5f, 1f];

        await store.PutAsync("alice", "abc123", "all-minilm-l6-v2", vector, Ct);

        Assert.Equal(vector, await new FileVectorStore(root.Path).GetAsync("alice", "abc123", "all-minilm-l6-v2", Ct));
        Assert.Null(await store.GetAsync("alice", "abc123", "text-embedding-3-small", Ct));
        Assert.Null(await store.GetAsync("bob", "abc123", "all-minilm-l6-v2", Ct));
        Assert.Null(await store.GetAsync("alice", "abc124", "all-minilm-l6-v2", Ct));
        Assert.True(File.Exists(Path.Combine(root.Path, "alice", ".vectors", "all-minilm-l6-v2", "abc123.vec")));
    }

    [Fact]
    public async Task A_torn_or_foreign_file_reads_as_no_vector_and_bad_keys_are_refused()
    {
        using var root = new TempDirectory("memento-vectors");
        var store = new FileVectorStore(root.Path);
        await store.PutAsync("alice", "abc123", "m", new float[] { 1, 2, 3 }, Ct);
        var path = Path.Combine(root.Path, "alice", ".vectors", "m", "abc123.vec");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..10]);

        Assert.Null(await store.GetAsync("alice", "abc123", "m", Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync("alice", "../x", "m", Ct));
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.GetAsync("../alice", "abc", "m", Ct));
    }
}
