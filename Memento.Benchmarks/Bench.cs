using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Benchmarks;

/// <summary>In-process storage and search measurements that print their numbers.</summary>
internal static class Bench
{
    private const string User = "bench";

    public static async Task<int> AllAsync(CancellationToken cancellationToken)
    {
        await StoreAsync(2000, cancellationToken);
        await SearchAsync(10_000, 2000, cancellationToken);
        await SearchAsync(100_000, 1000, cancellationToken);
        return 0;
    }

    public static async Task<int> StoreAsync(int count, CancellationToken cancellationToken)
    {
        Machine();
        foreach (var flush in new[] { true, false })
        {
            var root = Path.Combine(Path.GetTempPath(), "memento-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var store = new FileMemoryStore(new StorageOptions { Root = root, FlushToDisk = flush }, new SearchOptions(), NullLogger<FileMemoryStore>.Instance);
                var corpus = new Corpus(seed: 7);
                for (var i = 0; i < 100; i++)
                {
                    await store.StoreAsync(User, ToMemory(corpus.Next()), cancellationToken);
                }

                var samples = new List<double>(count);
                var flushSamples = new List<double>(count);
                var cpu = Cpu();
                for (var i = 0; i < count; i++)
                {
                    var memory = ToMemory(corpus.Next());
                    var flushBefore = AtomicFile.TotalFlushTime;
                    var start = Stopwatch.GetTimestamp();
                    await store.StoreAsync(User, memory, cancellationToken);
                    samples.Add(Stats.Milliseconds(start));
                    flushSamples.Add((AtomicFile.TotalFlushTime - flushBefore).TotalMilliseconds);
                }

                Console.WriteLine($"store ({(flush ? "flush to disk" : "no flush"),-13}) on {FileSystem(root)}: {Stats.Describe(samples)}; mean CPU {(Cpu() - cpu).TotalMilliseconds / count:F3} ms/store");
                if (flush)
                {
                    Console.WriteLine($"  of which flush to disk: {Stats.Describe(flushSamples)}");
                }
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        return 0;
    }

    public static async Task<int> SearchAsync(int memories, int queries, CancellationToken cancellationToken)
    {
        Machine();
        var root = Path.Combine(Path.GetTempPath(), "memento-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var corpus = new Corpus(seed: 42);
            var documents = new List<Corpus.Document>(memories);
            var start = Stopwatch.GetTimestamp();
            var directory = Path.Combine(root, User);
            Directory.CreateDirectory(directory);
            var created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var ids = new string[memories];
            for (var i = 0; i < memories; i++)
            {
                var document = corpus.Next();
                documents.Add(document);
                var at = created.AddMinutes(i);
                ids[i] = MemoryIds.New(at);
                var memory = new Memory(ids[i], document.Title, document.Tags, at, at, document.Content, null, new Dictionary<string, string>());
                File.WriteAllText(Path.Combine(directory, ids[i] + ".md"), MemoryDocument.Serialize(memory));
            }

            Console.WriteLine($"corpus: {memories:N0} memory files written in {Stats.Milliseconds(start) / 1000:F1} s ({DirectorySize(directory) / 1024.0 / 1024.0:F0} MiB)");

            // Take the heap baseline before the index exists, and drop the corpus so only the store remains.
            var queryTexts = Enumerable.Range(0, queries).Select(q => (Index: q * 7919 % memories, Text: "")).ToList();
            queryTexts = [.. queryTexts.Select(q => (q.Index, corpus.Query(documents[q.Index])))];
            documents.Clear();
            documents.TrimExcess();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var rssBefore = Process.GetCurrentProcess().WorkingSet64;

            using var store = new FileMemoryStore(new StorageOptions { Root = root }, new SearchOptions(), NullLogger<FileMemoryStore>.Instance);
            start = Stopwatch.GetTimestamp();
            var cpu = Cpu();
            await store.OpenUserAsync(User, cancellationToken);
            var build = Stats.Milliseconds(start);
            Console.WriteLine($"index build from files ({memories:N0} memories, in-memory index): {build / 1000:F2} s wall, {(Cpu() - cpu).TotalSeconds:F2} s CPU");

            var samples = new List<double>(queries);
            var found = 0;
            for (var warm = 0; warm < 50; warm++)
            {
                await store.SearchAsync(User, new SearchQuery(queryTexts[warm].Text), cancellationToken);
            }

            cpu = Cpu();
            foreach (var (index, text) in queryTexts)
            {
                start = Stopwatch.GetTimestamp();
                var page = await store.SearchAsync(User, new SearchQuery(text, Limit: 10), cancellationToken);
                samples.Add(Stats.Milliseconds(start));
                if (page.Items.Any(h => h.Memory.Id == ids[index]))
                {
                    found++;
                }
            }

            var cpuPerQuery = (Cpu() - cpu).TotalMilliseconds / queries;
            Console.WriteLine($"search over {memories:N0} memories (2-5 word queries, limit 10): {Stats.Describe(samples)}; mean CPU {cpuPerQuery:F3} ms/query; known item in top 10: {100.0 * found / queries:F1}%");

            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var process = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory with {memories:N0} indexed memories: process RSS {process.WorkingSet64 / 1024.0 / 1024.0:F0} MiB (before the index: {rssBefore / 1024.0 / 1024.0:F0} MiB), managed heap {GC.GetTotalMemory(false) / 1024.0 / 1024.0:F0} MiB, SQLite {SQLitePCL.raw.sqlite3_memory_used() / 1024.0 / 1024.0:F0} MiB"));
            GC.KeepAlive(store);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private static NewMemory ToMemory(Corpus.Document document) => new(document.Content, document.Title, document.Tags);

    internal static void Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        Console.WriteLine($"load average at start: {load}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    }

    private static string FileSystem(string path)
    {
        try
        {
            var drive = new DriveInfo(path);
            return $"{drive.DriveFormat} ({path})";
        }
        catch (ArgumentException)
        {
            return path;
        }
    }

    private static long DirectorySize(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length);
}
