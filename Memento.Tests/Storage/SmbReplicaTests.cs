using Memento.McpServer.Search;
using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

/// <summary>
/// Two replicas on one Azure Files share, played by <see cref="SmbShare"/>: a replica replaces a memory
/// file or compacts its change log while the other holds that file open, so the server refuses the rename
/// and the Linux client unlinks the target first. Nothing may be lost, and the other replica must read
/// the new version, not a missing file.
/// </summary>
public sealed class SmbReplicaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    // The other replica holds the old file longer than a reader waits for the replace (a slow client, a loaded machine).
    [InlineData(true)]
    public async Task An_update_while_another_replica_reads_the_memory_file_lands_and_that_replica_reads_it(bool heldPastTheReadersWait)
    {
        var share = new SmbShare(SmbShare.ClientFallback.UnlinkThenRename);
        using var env = new TestStore(new StorageOptions { FileSystem = share });
        var a = env.Store;
        var b = env.Open();
        var stored = (await a.StoreAsync("alice", new NewMemory("Budget review for the kubernetes cluster"), Ct)).Memory;
        Assert.Single((await b.SearchAsync("alice", new SearchQuery("kubernetes"), Ct)).Items);
        var file = Path.Combine(env.UserDirectory("alice"), stored.Id + MemoryDocument.Extension);
        var held = HoldWhileReplaced(share, file);

        // Both calls block in the file system while the share refuses; run them off the test's thread.
        var update = Task.Run(() => a.UpdateAsync("alice", stored.Id, new MemoryUpdate("Budget review for the database cluster"), Ct), Ct);
        await share.WaitForRefusalAsync(Ct);
        // Replica B asks for the memory while A's client has unlinked it and the old handle still holds the name.
        var read = Task.Run(() => b.GetAsync("alice", stored.Id, Ct), Ct);
        await share.WaitForFailedOpenAsync(Ct);
        if (heldPastTheReadersWait)
        {
            // The reader must not answer "not found" for a memory that exists, however long the name stays held.
            Assert.Equal("Budget review for the database cluster", (await read.WaitAsync(TimeSpan.FromSeconds(30), Ct))?.Content);
        }

        (await held).Dispose();

        Assert.Equal("Budget review for the database cluster", (await read.WaitAsync(TimeSpan.FromSeconds(30), Ct))?.Content);
        await update.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(share.Unlinks >= 1);
        var hit = Assert.Single((await b.SearchAsync("alice", new SearchQuery("database"), Ct)).Items);
        Assert.Equal("Budget review for the database cluster", hit.Memory.Preview);
        Assert.Empty(Directory.GetFiles(env.UserDirectory("alice"), AtomicFile.TempPrefix + "*"));
    }

    [Fact]
    public async Task A_change_log_compaction_while_another_replica_reads_the_log_loses_no_change()
    {
        var share = new SmbShare(SmbShare.ClientFallback.UnlinkThenRename);
        using var env = new TestStore(new StorageOptions { FileSystem = share, ChangeLogRewriteAt = 4 });
        var a = env.Store;
        var b = env.Open();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await a.StoreAsync("alice", new NewMemory($"note {i} about the harbour"), Ct)).Memory.Id);
        }

        Assert.Equal(3, (await b.SearchAsync("alice", new SearchQuery("harbour"), Ct)).Items.Count);
        var log = Path.Combine(ChangeLog.Folder(env.UserDirectory("alice")), a.InstanceId);
        var held = HoldWhileReplaced(share, log);

        // The next entries pass the compaction threshold: A rewrites its log while B has it open.
        var store = Task.Run(async () =>
        {
            ids.Add((await a.StoreAsync("alice", new NewMemory("note 3 about the harbour"), Ct)).Memory.Id);
            ids.Add((await a.StoreAsync("alice", new NewMemory("note 4 about the harbour"), Ct)).Memory.Id);
        }, Ct);
        await share.WaitForRefusalAsync(Ct);
        (await held).Dispose();
        await store.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.True(share.Unlinks >= 1);
        var found = await b.SearchAsync("alice", new SearchQuery("harbour") { Limit = 10 }, Ct);
        Assert.Equal(ids.Order(StringComparer.Ordinal), found.Items.Select(h => h.Memory.Id).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(ChangeLog.Folder(env.UserDirectory("alice")), AtomicFile.TempPrefix + "*"));
    }

    /// <summary>Opens <paramref name="path"/> the first time a rename targets it, as another replica reading it would; the task gives that handle.</summary>
    private static Task<Stream> HoldWhileReplaced(SmbShare share, string path)
    {
        var held = new TaskCompletionSource<Stream>(TaskCreationOptions.RunContinuationsAsynchronously);
        share.BeforeMove = (_, destination) =>
        {
            if (destination == path && !held.Task.IsCompleted)
            {
                held.TrySetResult(share.OpenRead(path));
            }
        };
        return held.Task;
    }
}
