using System.Diagnostics;
using System.Globalization;
using Memento.Benchmarks;

// Memento's storage benchmarks and the storage tool used by the process-level tests.
//   write   --root R --user U --count N --ack-file F   store N memories, appending each acknowledged id to F
//   store   [--count N]                                store latency, with and without the flush to disk
//   search  [--memories N] [--queries Q]               index build from files, search latency, memory
//   all                                                store, then search at 10,000 and 100,000 memories
//   quality [--model M]                                retrieval quality (recall@5, MRR) on the labelled set: off, local, fusion variants
//   quality --models                                   each local model by vector similarity alone: speed and quality
//   quality --parts [--model M]                        one model, a vector per memory against one per sentence too
//   users   [--users N] [--memories M] [--cold C]      N users of M memories touched once: RSS, open files, cold user
//           [--index-path DIR] [--max-open-users B]    (the index in local files under DIR; another user bound)
// Import, export and reindex are commands of the server: dotnet Memento.McpServer.dll import|export|reindex (README).
var options = Arguments.Parse(args.Skip(1));
var command = args.FirstOrDefault() ?? "all";
var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    return command switch
    {
        "write" => await Tool.WriteAsync(options, cancellation.Token),
        "store" => await Bench.StoreAsync(options.Int("count", 2000), cancellation.Token),
        "search" => await Bench.SearchAsync(options.Int("memories", 10_000), options.Int("queries", 2000), cancellation.Token),
        "all" => await Bench.AllAsync(cancellation.Token),
        "quality" => options.Optional("parts") is not null
            ? await Memento.Benchmarks.Quality.QualityBench.PartsAsync(options.Optional("model"), cancellation.Token)
            : options.Optional("models") is not null
            ? await Memento.Benchmarks.Quality.QualityBench.ModelsAsync(cancellation.Token)
            : await Memento.Benchmarks.Quality.QualityBench.StoreAsync(options.Optional("model"), cancellation.Token),
        "users" => await UsersBench.RunAsync(options.Int("users", 10_000), options.Int("memories", 10), options.Int("cold", 1000), options.Optional("index-path"), options.Optional("max-open-users") is null ? null : options.Int("max-open-users", 0), cancellation.Token),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: Memento.Benchmarks [write|store|search|all|users|quality] [--option value ...]; see docs/benchmarks.md");
    return 2;
}

namespace Memento.Benchmarks
{
    internal sealed class Arguments(Dictionary<string, string> values)
    {
        public static Arguments Parse(IEnumerable<string> args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            string? key = null;
            foreach (var arg in args)
            {
                if (arg.StartsWith("--", StringComparison.Ordinal))
                {
                    key = arg[2..];
                    values[key] = "true";
                }
                else if (key is not null)
                {
                    values[key] = arg;
                    key = null;
                }
            }

            return new Arguments(values);
        }

        public string Required(string name) =>
            values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

        public string? Optional(string name) => values.GetValueOrDefault(name);

        public int Int(string name, int fallback) =>
            values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
    }

    internal static class Stats
    {
        public static string Describe(List<double> samples)
        {
            samples.Sort();
            return string.Create(CultureInfo.InvariantCulture, $"median {Percentile(samples, 0.5):F3} ms, p95 {Percentile(samples, 0.95):F3} ms, p99 {Percentile(samples, 0.99):F3} ms (n={samples.Count})");
        }

        public static double Percentile(List<double> sorted, double p) =>
            sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];

        public static double Milliseconds(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
