using System.Text.RegularExpressions;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Storage;

/// <summary>Real processes (the storage tool in Memento.Benchmarks) writing one root, concurrently and while being killed.</summary>
public sealed partial class ProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_processes_and_a_replica_in_this_process_writing_one_user_keep_every_acknowledged_write_once()
    {
        using var env = new TestStore();
        using var acks = new TempDirectory("memento-acks");
        Assert.Empty((await env.Store.ListAsync("alice", new ListQuery(), Ct)).Items);

        await using var first = await StartWriterAsync(env.Root, "alice", 100, Path.Combine(acks.Path, "first.txt"), "first");
        await using var second = await StartWriterAsync(env.Root, "alice", 100, Path.Combine(acks.Path, "second.txt"), "second");
        var local = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            local.Add((await env.Store.StoreAsync("alice", new NewMemory($"local memory {i}", Tags: ["local"]), Ct)).Memory.Id);
        }

        await first.WaitForOutputAsync(Done(), Timeout);
        await second.WaitForOutputAsync(Done(), Timeout);

        var acknowledged = ReadAcks(Path.Combine(acks.Path, "first.txt")).Concat(ReadAcks(Path.Combine(acks.Path, "second.txt"))).Concat(local).ToList();
        Assert.Equal(250, acknowledged.Count);
        Assert.Equal(250, acknowledged.Distinct().Count());
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), Directory.GetFiles(env.UserDirectory("alice"), "*.md").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));

        // The replica in this process sees the other processes' writes at its next request.
        Assert.Equal(250, (await env.Store.GetStatsAsync("alice", Ct)).MemoryCount);
        var firstTagged = await env.Store.SearchAsync("alice", new SearchQuery("first process memory", Tags: ["first"], Limit: 100), Ct);
        Assert.Equal(100, firstTagged.Items.Count);
        Assert.All(firstTagged.Items, h => Assert.Contains("first", h.Memory.Tags));
    }

    [Fact]
    public async Task A_process_killed_mid_write_leaves_no_torn_memory_and_every_acknowledged_write_survives()
    {
        using var env = new TestStore(new StorageOptions { TempFileMaxAge = TimeSpan.FromSeconds(1) });
        using var acks = new TempDirectory("memento-acks");
        var ackFile = Path.Combine(acks.Path, "acks.txt");

        await using (var writer = await StartWriterAsync(env.Root, "alice", 100_000, ackFile, "crash", size: 16_000))
        {
            await WaitForAcksAsync(ackFile, 40);
            await writer.KillAsync();
        }

        var acknowledged = ReadAcks(ackFile);
        var files = Directory.GetFiles(env.UserDirectory("alice"), "*.md").Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.Ordinal);
        Assert.True(acknowledged.Count >= 40);
        Assert.Equal(acknowledged.Count, acknowledged.Distinct().Count());
        Assert.Subset(files, acknowledged.ToHashSet(StringComparer.Ordinal));
        Assert.InRange(files.Count, acknowledged.Count, acknowledged.Count + 1);

        // Every visible memory file is whole: it parses and its content is complete.
        var restarted = env.Open();
        foreach (var id in files)
        {
            var memory = await restarted.GetAsync("alice", id, Ct);
            Assert.NotNull(memory);
            Assert.StartsWith("crash process ", memory.Content, StringComparison.Ordinal);
            Assert.EndsWith("\nthe end", memory.Content, StringComparison.Ordinal);
        }

        // The index rebuilt from the files holds each of them, and finds an acknowledged one by its words.
        Assert.Equal(files.Count, (await restarted.GetStatsAsync("alice", Ct)).MemoryCount);
        var last = (await restarted.GetAsync("alice", acknowledged[^1], Ct))!;
        var nonce = NonceWord().Match(last.Content).Groups[1].Value;
        var hit = Assert.Single((await restarted.SearchAsync("alice", new SearchQuery(nonce), Ct)).Items);
        Assert.Equal(last.Id, hit.Memory.Id);

        // Leftover temporary files are ignored above and removed once stale.
        foreach (var temp in Directory.GetFiles(env.UserDirectory("alice"), ".tmp-*"))
        {
            File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddMinutes(-5));
        }

        restarted.CleanTempFiles();
        Assert.Empty(Directory.GetFiles(env.UserDirectory("alice"), ".tmp-*"));
    }

    private static Task<ServiceProcess> StartWriterAsync(string root, string user, int count, string ackFile, string tag, int size = 200) =>
        ServiceProcess.StartAsync(
            "Memento.Benchmarks",
            args: ["write", "--root", root, "--user", user, "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ack-file", ackFile, "--tag", tag, "--size", size.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            waitForListening: false);

    private static List<string> ReadAcks(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        // A kill can cut the last line short; only complete lines were acknowledged.
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        return [.. lines.Take(lines.Length - 1).Where(l => l.Length > 0)];
    }

    private static async Task WaitForAcksAsync(string path, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Timeout);
        while (ReadAcks(path).Count < count)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    [GeneratedRegex("^done ")]
    private static partial Regex Done();

    [GeneratedRegex(@"nonce ([0-9a-f]{32})")]
    private static partial Regex NonceWord();
}
