using System.Diagnostics;
using System.Globalization;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.LoadTest.Workload;

/// <summary>
/// The load test's corpus and queries, searched in process (no MCP, no HTTP): how much of a
/// <c>retrieve_memories</c> call is the search itself. Prints one line and returns.
/// </summary>
public static class InProcessSearch
{
    public static async Task RunAsync(int memories, int queries, int seed, TextWriter output, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"memento-search-{Guid.NewGuid():N}");
        try
        {
            var options = new LoadOptions { Memories = memories, Users = 1, Seed = seed };
            FileSeeder.Seed(root, options, new IdPool());
            using var store = new FileMemoryStore(new StorageOptions { Root = root }, new SearchOptions(), NullLogger<FileMemoryStore>.Instance);
            var user = options.User(0);
            var corpus = new Corpus(seed);
            var texts = Enumerable.Range(0, queries).Select(_ => corpus.Query()).ToList();
            await store.OpenUserAsync(user, cancellationToken);
            foreach (var text in texts.Take(Math.Min(500, queries)))
            {
                await store.SearchAsync(user, new SearchQuery(text, Limit: 10), cancellationToken);
            }

            var times = new List<double>(queries);
            var hits = 0L;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var text in texts)
            {
                var started = Stopwatch.GetTimestamp();
                var page = await store.SearchAsync(user, new SearchQuery(text, Limit: 10), cancellationToken);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                hits += page.Items.Count;
            }

            var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;

            // Then, untimed (tracing costs a little), the searches that found no memory with every word and
            // searched again for any word.
            var anyWord = 0;
            using var listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == StorageTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == "memento.search" && Equals(activity.GetTagItem("memento.search.every_word"), false))
                    {
                        Interlocked.Increment(ref anyWord);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);

            foreach (var text in texts)
            {
                await store.SearchAsync(user, new SearchQuery(text, Limit: 10), cancellationToken);
            }

            times.Sort();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"in-process search, the load test's queries (1-3 words), {memories:N0} memories of one user: median {times[times.Count / 2]:F3} ms, p95 {times[(int)(times.Count * 0.95)]:F3} ms, mean {times.Average():F3} ms, mean CPU {cpuMs / times.Count:F3} ms/query (n={times.Count}); {hits / (double)times.Count:F1} hits per query; {100.0 * anyWord / times.Count:F0}% found no memory with every word and searched for any word"));
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
