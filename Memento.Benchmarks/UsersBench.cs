using System.Diagnostics;
using System.Globalization;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Benchmarks;

/// <summary>
/// Memory per replica with many users: every user of a large root touched once through one store, then
/// the process's resident memory and open file descriptors, and the first request for a cold user.
/// </summary>
internal static class UsersBench
{
    private const string ColdUser = "cold-user";

    public static async Task<int> RunAsync(int users, int memories, int coldMemories, string? indexPath, int? maxOpenUsers, CancellationToken cancellationToken)
    {
        Bench.Machine();
        var root = Path.Combine(Path.GetTempPath(), "memento-users-" + Guid.NewGuid().ToString("N"));
        var index = indexPath is null ? null : Path.Combine(Path.GetFullPath(indexPath), Guid.NewGuid().ToString("N"));
        try
        {
            var start = Stopwatch.GetTimestamp();
            var corpus = new Corpus(seed: 11);
            var names = Enumerable.Range(0, users).Select(i => $"user-{i:D5}").ToList();
            foreach (var user in names)
            {
                Seed(root, user, memories, corpus);
            }

            Seed(root, ColdUser, coldMemories, corpus);
            Console.WriteLine($"corpus: {users:N0} users x {memories} memories and one user of {coldMemories:N0}, written in {Stats.Milliseconds(start) / 1000:F1} s");

            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var rssBefore = Process.GetCurrentProcess().WorkingSet64;
            var fdsBefore = OpenFileDescriptors();
            var options = new StorageOptions { Root = root };
            if (maxOpenUsers is { } bound)
            {
                options = options with { MaxOpenUsers = bound };
            }

            using var store = new FileMemoryStore(options, new SearchOptions { IndexPath = index }, NullLogger<FileMemoryStore>.Instance);
            var samples = new List<double>(users);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            start = Stopwatch.GetTimestamp();
            foreach (var user in names)
            {
                var one = Stopwatch.GetTimestamp();
                await store.SearchAsync(user, new SearchQuery("project notes"), cancellationToken);
                samples.Add(Stats.Milliseconds(one));
            }

            var total = Stats.Milliseconds(start);
            Console.WriteLine($"every user touched once (one search each, index {(index is null ? "in memory" : "in local files")}, MaxOpenUsers {options.MaxOpenUsers}): {total / 1000:F1} s, {Stats.Describe(samples)}; CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s");

            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var rss = Process.GetCurrentProcess().WorkingSet64 / 1024.0 / 1024.0;
            var fds = OpenFileDescriptors();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"at the end: process RSS {rss:F0} MiB (before the store: {rssBefore / 1024.0 / 1024.0:F0} MiB), open file descriptors {fds} (before: {fdsBefore}), users open {store.OpenUsers}, managed heap {GC.GetTotalMemory(false) / 1024.0 / 1024.0:F0} MiB, SQLite {SQLitePCL.raw.sqlite3_memory_used() / 1024.0 / 1024.0:F0} MiB"));
            Console.WriteLine($"  targets: RSS < 400 MiB {(rss < 400 ? "met" : "NOT met")}, open file descriptors < 1,000 {(fds < 1000 ? "met" : "NOT met")}");

            start = Stopwatch.GetTimestamp();
            var page = await store.SearchAsync(ColdUser, new SearchQuery("project notes"), cancellationToken);
            var cold = Stats.Milliseconds(start);
            start = Stopwatch.GetTimestamp();
            await store.SearchAsync(ColdUser, new SearchQuery("meeting budget"), cancellationToken);
            var warm = Stats.Milliseconds(start);
            Console.WriteLine($"first request for a cold user of {coldMemories:N0} memories: {cold:F0} ms ({page.Items.Count} hits; the next request {warm:F1} ms); target < 1 s {(cold < 1000 ? "met" : "NOT met")}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            if (index is not null && Directory.Exists(index))
            {
                Directory.Delete(index, recursive: true);
            }
        }
    }

    private static void Seed(string root, string user, int count, Corpus corpus)
    {
        var directory = Path.Combine(root, user);
        Directory.CreateDirectory(directory);
        var created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var document = corpus.Next();
            var at = created.AddMinutes(i);
            var memory = new Memory(MemoryIds.New(at), document.Title, document.Tags, at, at, document.Content, null, new Dictionary<string, string>());
            File.WriteAllText(Path.Combine(directory, memory.Id + MemoryDocument.Extension), MemoryDocument.Serialize(memory));
        }
    }

    private static int OpenFileDescriptors() =>
        Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : -1;
}
