using System.Diagnostics;
using System.Globalization;
using Memento.McpServer.Embeddings;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Benchmarks.Quality;

/// <summary>Recall@5 and MRR@10 per query kind, over <see cref="LabelledSet"/>.</summary>
internal static class QualityBench
{
    /// <summary>
    /// Each local model alone (vector similarity only, filters applied first): how long it loads and
    /// embeds, and how well it ranks. This is what the default model is chosen by.
    /// </summary>
    public static async Task<int> ModelsAsync(CancellationToken cancellationToken)
    {
        var memories = LabelledSet.Memories;
        var queries = LabelledSet.Queries;
        Console.WriteLine($"labelled set: {memories.Count} memories, {queries.Count} queries ({Describe(queries)})");
        var allScores = new List<float[][]>();
        foreach (var model in LocalModel.All)
        {
            var modelScores = new float[queries.Count][];
            allScores.Add(modelScores);
            var generator = new LocalEmbeddingGenerator(model);
            var started = Stopwatch.GetTimestamp();
            await generator.LoadAsync().WaitAsync(cancellationToken);
            var load = Stopwatch.GetElapsedTime(started);

            var documentTimes = new List<double>();
            var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (var memory in memories)
            {
                var start = Stopwatch.GetTimestamp();
                vectors[memory.Key] = (await generator.GenerateAsync([memory.Title + "\n" + memory.Content], cancellationToken: cancellationToken))[0].Vector.ToArray();
                documentTimes.Add(Stats.Milliseconds(start));
            }

            var queryTimes = new List<double>();
            var ranked = new List<(LabelledQuery Query, List<string> Keys, float Top)>();
            foreach (var query in queries)
            {
                var start = Stopwatch.GetTimestamp();
                var vector = (await generator.GenerateAsync([query.Text], EmbeddingPurpose.Query, cancellationToken))[0].Vector.ToArray();
                queryTimes.Add(Stats.Milliseconds(start));
                modelScores[ranked.Count] = memories.Select(m => System.Numerics.Tensors.TensorPrimitives.Dot<float>(vector, vectors[m.Key])).ToArray();
                var scored = memories
                    .Where(m => InWindow(m, query))
                    .Select(m => (m.Key, Similarity: System.Numerics.Tensors.TensorPrimitives.Dot<float>(vector, vectors[m.Key])))
                    .OrderByDescending(s => s.Similarity)
                    .Take(10)
                    .ToList();
                ranked.Add((query, scored.Select(s => s.Key).ToList(), scored.Count > 0 ? scored[0].Similarity : float.NaN));
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model {model.Id} (vector similarity alone): load {load.TotalMilliseconds:F0} ms; memory embedding {Stats.Describe(documentTimes)}; query embedding {Stats.Describe(queryTimes)}"));
            Report(ranked.Select(r => (r.Query, (IReadOnlyList<string>)r.Keys)).ToList());
            if (Environment.GetEnvironmentVariable("MEMENTO_QUALITY_MISSES") == "1")
            {
                foreach (var (query, keys, _) in ranked.Where(r => r.Query.Target is not null && !r.Keys.Take(5).Contains(r.Query.Target)))
                {
                    var byKey = memories.ToDictionary(m => m.Key);
                    Console.WriteLine($"    miss {query.Kind}: \"{query.Text}\" -> want {byKey[query.Target!].Content[..Math.Min(60, byKey[query.Target!].Content.Length)]} | got {byKey[keys[0]].Content[..Math.Min(60, byKey[keys[0]].Content.Length)]}");
                }
            }

            var answered = ranked.Where(r => r.Query.Kind != QueryKind.Negative).Select(r => (double)r.Top).Order().ToList();
            var negatives = ranked.Where(r => r.Query.Kind == QueryKind.Negative).Select(r => (double)r.Top).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  top similarity: answerable queries p10 {Stats.Percentile(answered, 0.1):F3} median {Stats.Percentile(answered, 0.5):F3}; negatives median {Stats.Percentile(negatives, 0.5):F3} p90 {Stats.Percentile(negatives, 0.9):F3} max {negatives[^1]:F3}"));
        }

        Ensembles(memories, queries, allScores);
        return 0;
    }

    /// <summary>
    /// One model by similarity alone, a memory's text as one vector against several: its title and each of
    /// its sentences as well, the memory scored by the best of them (or the whole plus the best part). Shows
    /// whether splitting a memory finds more paraphrases, at several vectors a memory.
    /// </summary>
    public static async Task<int> PartsAsync(string? modelName, CancellationToken cancellationToken)
    {
        var model = LocalModel.Find(modelName ?? LocalModel.MiniLM.Id) ?? throw new ArgumentException($"Unknown model {modelName}.");
        var memories = LabelledSet.Memories;
        var queries = LabelledSet.Queries;
        var generator = new LocalEmbeddingGenerator(model);
        await generator.LoadAsync().WaitAsync(cancellationToken);
        async Task<float[]> Embed(string text, EmbeddingGenerationOptions? purpose = null) =>
            (await generator.GenerateAsync([text], purpose, cancellationToken))[0].Vector.ToArray();

        var whole = new float[memories.Count][];
        var parts = new List<float[]>[memories.Count];
        var pieces = 0;
        for (var i = 0; i < memories.Count; i++)
        {
            whole[i] = await Embed(memories[i].Title + "\n" + memories[i].Content);
            parts[i] = [await Embed(memories[i].Title)];
            foreach (var sentence in memories[i].Content.Split([". ", "; ", "? ", "! "], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                parts[i].Add(await Embed(sentence));
            }

            pieces += parts[i].Count;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {model.Id}: {memories.Count} memories, {pieces} parts (title and sentences), {(double)(pieces + memories.Count) / memories.Count:F2} vectors a memory"));
        // Scores of a memory: the whole text (w), its title alone (t), its best sentence (b).
        var variants = new (string Name, Func<float, float, float, double> Score)[]
        {
            ("whole memory only", (w, t, b) => w),
            ("best of whole, title and sentences", (w, t, b) => Math.Max(w, Math.Max(t, b))),
            ("whole + best of title and sentences", (w, t, b) => w + Math.Max(t, b)),
            ("whole + title", (w, t, b) => w + t),
            ("whole + half the title", (w, t, b) => w + (0.5 * t)),
            ("whole + best sentence", (w, t, b) => w + b),
            ("whole + title + best sentence", (w, t, b) => w + t + b),
        };
        var queryVectors = new List<float[]>();
        foreach (var query in queries)
        {
            queryVectors.Add(await Embed(query.Text, EmbeddingPurpose.Query));
        }

        foreach (var (name, score) in variants)
        {
            var results = new List<(LabelledQuery, IReadOnlyList<string>)>();
            for (var q = 0; q < queries.Count; q++)
            {
                var vector = queryVectors[q];
                float Dot(float[] other) => System.Numerics.Tensors.TensorPrimitives.Dot<float>(vector, other);
                results.Add((queries[q], Top(memories, queries[q], i => score(Dot(whole[i]), Dot(parts[i][0]), parts[i].Count > 1 ? parts[i].Skip(1).Max(Dot) : Dot(whole[i])))));
            }

            Console.WriteLine();
            Console.WriteLine($"{name}:");
            Report(results);
        }

        // The whole text's vector and the title's, added with a weight into one vector a memory (so a
        // search costs what it does now); each half of the queries reported apart, to see whether a
        // weight holds beyond the queries it was picked on.
        foreach (var weight in new[] { 0.25f, 0.5f, 0.75f, 1f })
        {
            var combined = Enumerable.Range(0, memories.Count).Select(i => MemoryEmbeddings.Combine(whole[i], parts[i][0], weight)).ToArray();
            var results = new List<(LabelledQuery, IReadOnlyList<string>)>();
            for (var q = 0; q < queries.Count; q++)
            {
                var vector = queryVectors[q];
                results.Add((queries[q], Top(memories, queries[q], i => System.Numerics.Tensors.TensorPrimitives.Dot<float>(vector, combined[i]))));
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one vector a memory: whole + {weight} x title, normalised:"));
            Report(results);
            Console.WriteLine("  first half of the queries of each kind / second half:");
            Report(results.Where((r, i) => results.Take(i).Count(o => o.Item1.Kind == r.Item1.Kind) % 2 == 0).ToList(), "    ");
            Report(results.Where((r, i) => results.Take(i).Count(o => o.Item1.Kind == r.Item1.Kind) % 2 == 1).ToList(), "    ");
        }

        return 0;
    }

    /// <summary>
    /// Both models together, each query's similarities combined: summed, summed as z-scores (each model's
    /// scores centred and scaled per query, since arctic-embed-xs's are bunched), or the two rankings fused.
    /// </summary>
    private static void Ensembles(IReadOnlyList<LabelledMemory> memories, IReadOnlyList<LabelledQuery> queries, List<float[][]> scores)
    {
        var combos = new List<(string Name, Func<int, double[]> Score)>
        {
            ("sum of similarities", q => Enumerable.Range(0, memories.Count).Select(i => scores.Sum(s => (double)s[q][i])).ToArray()),
            ("sum of z-scores", q =>
            {
                var z = new double[memories.Count];
                foreach (var s in scores)
                {
                    var mean = s[q].Average(v => (double)v);
                    var sd = Math.Sqrt(s[q].Average(v => (v - mean) * (v - mean)));
                    for (var i = 0; i < z.Length; i++)
                    {
                        z[i] += (s[q][i] - mean) / sd;
                    }
                }

                return z;
            }),
            ("RRF k=60 of the two rankings", q =>
            {
                var f = new double[memories.Count];
                foreach (var s in scores)
                {
                    var order = Enumerable.Range(0, memories.Count).Where(i => InWindow(memories[i], queries[q])).OrderByDescending(i => s[q][i]).ToList();
                    for (var r = 0; r < order.Count; r++)
                    {
                        f[order[r]] += 1.0 / (60 + r + 1);
                    }
                }

                return f;
            }),
        };
        foreach (var (name, score) in combos)
        {
            var results = new List<(LabelledQuery, IReadOnlyList<string>)>();
            for (var q = 0; q < queries.Count; q++)
            {
                var s = score(q);
                results.Add((queries[q], Top(memories, queries[q], i => s[i])));
            }

            Console.WriteLine();
            Console.WriteLine($"ensemble of {scores.Count} models, {name}:");
            Report(results);
        }
    }

    /// <summary>
    /// The real search (FileMemoryStore over files, BM25 in SQLite FTS5, vectors from the background worker)
    /// with <c>off</c>, <c>local</c> and the fusion variants: RRF k, the weight of the similarity ranking, and
    /// the similarity below which a memory is no candidate by meaning. Prints recall@5 and MRR@10 per kind,
    /// and counts results outside a query's time window (there must be none).
    /// </summary>
    public static async Task<int> StoreAsync(string? modelName, CancellationToken cancellationToken)
    {
        const string User = "quality";
        var model = LocalModel.Find(modelName ?? LocalModel.MiniLM.Id) ?? throw new ArgumentException($"Unknown model {modelName}.");
        var root = Path.Combine(Path.GetTempPath(), "memento-quality-" + Guid.NewGuid().ToString("N"));
        var generator = new LocalEmbeddingGenerator(model);
        try
        {
            var keyOf = new Dictionary<string, string>(StringComparer.Ordinal);
            var started = Stopwatch.GetTimestamp();
            using (var writer = new FileMemoryStore(new StorageOptions { Root = root, FlushToDisk = false }, new SearchOptions(), NullLogger<FileMemoryStore>.Instance, embeddings: generator))
            {
                foreach (var memory in LabelledSet.Memories)
                {
                    // Imported with their creation times, which the time-filtered queries depend on.
                    var at = memory.Created;
                    var stored = await writer.ImportAsync(User, new Memory(MemoryIds.New(at), memory.Title, memory.Tags, at, at, memory.Content, null, new Dictionary<string, string>()), cancellationToken);
                    keyOf[stored.Memory.Id] = memory.Key;
                }

                var acknowledged = Stopwatch.GetElapsedTime(started);
                await writer.Embeddings.WhenVectorsReadyAsync(cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"stored {keyOf.Count} memories in {acknowledged.TotalSeconds:F1} s; all vectors made and kept {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s after the first store (model {model.Id}, computed {writer.Embeddings.Worker!.Computed})"));
            }

            Console.WriteLine($"labelled set: {LabelledSet.Memories.Count} memories, {LabelledSet.Queries.Count} queries ({Describe(LabelledSet.Queries)}); search limit 10");
            var variants = new List<(string Name, SearchOptions Options, bool Embeddings)>
            {
                ("off (BM25 only)", new SearchOptions { Embeddings = EmbeddingProvider.Off }, false),
                ("local, RRF k=60, every-word matches fused (default)", new SearchOptions(), true),
                ("local, RRF k=60, any-word matches fused", new SearchOptions { FuseEveryWordOnly = false }, true),
                ("local, RRF k=10, any-word matches fused", new SearchOptions { FuseEveryWordOnly = false, FusionK = 10 }, true),
                ("local, k=60, any-word, similarity weight 4", new SearchOptions { FuseEveryWordOnly = false, SemanticWeight = 4 }, true),
                ("local, RRF k=10", new SearchOptions { FusionK = 10 }, true),
                ("local, RRF k=30", new SearchOptions { FusionK = 30 }, true),
                ("local, RRF k=100", new SearchOptions { FusionK = 100 }, true),
                ("local, k=60, similarity weight 0.5", new SearchOptions { SemanticWeight = 0.5 }, true),
                ("local, k=60, similarity weight 2", new SearchOptions { SemanticWeight = 2 }, true),
                ("local, k=60, similarity only (weight 100)", new SearchOptions { SemanticWeight = 100 }, true),
                ("local, k=60, min similarity 0.2", new SearchOptions { MinSimilarity = 0.2 }, true),
                ("local, k=60, min similarity 0.3", new SearchOptions { MinSimilarity = 0.3 }, true),
                ("local, k=60, min similarity 0.4", new SearchOptions { MinSimilarity = 0.4 }, true),
            };

            foreach (var (name, options, embeddings) in variants)
            {
                var opened = Stopwatch.GetTimestamp();
                using var store = new FileMemoryStore(new StorageOptions { Root = root }, options, NullLogger<FileMemoryStore>.Instance, embeddings: embeddings ? generator : null);
                await store.OpenUserAsync(User, cancellationToken);
                await store.Embeddings.WhenVectorsReadyAsync(cancellationToken);
                var ready = Stopwatch.GetElapsedTime(opened);
                var results = new List<(LabelledQuery, IReadOnlyList<string>)>();
                var leaks = 0;
                var times = new List<double>();
                foreach (var query in LabelledSet.Queries)
                {
                    var start = Stopwatch.GetTimestamp();
                    var page = await store.SearchAsync(User, new SearchQuery(query.Text, Since: query.Since, Until: query.Until, Limit: 10), cancellationToken);
                    times.Add(Stats.Milliseconds(start));
                    leaks += page.Items.Count(h => (query.Since is { } s && h.Memory.Created < s) || (query.Until is { } u && h.Memory.Created >= u));
                    results.Add((query, page.Items.Select(h => keyOf[h.Memory.Id]).ToList()));
                }

                var worker = store.Embeddings.Worker;
                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: open + vectors ready {ready.TotalMilliseconds:F0} ms (vectors read from the store {worker?.Loaded ?? 0}, computed {worker?.Computed ?? 0}); search {Stats.Describe(times)}; results outside the time window: {leaks}"));
                Report(results);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The keys of the 10 memories in the query's time window that <paramref name="score"/> (by index) ranks highest.</summary>
    private static List<string> Top(IReadOnlyList<LabelledMemory> memories, LabelledQuery query, Func<int, double> score) =>
        Enumerable.Range(0, memories.Count).Where(i => InWindow(memories[i], query)).OrderByDescending(score).Take(10).Select(i => memories[i].Key).ToList();

    internal static bool InWindow(LabelledMemory memory, LabelledQuery query) =>
        (query.Since is not { } since || memory.Created >= since) && (query.Until is not { } until || memory.Created < until);

    internal static string Describe(IReadOnlyList<LabelledQuery> queries) =>
        string.Join(", ", queries.GroupBy(q => q.Kind).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));

    /// <summary>Prints recall@5 and MRR@10 per kind; for negatives, how many returned nothing.</summary>
    internal static void Report(IReadOnlyList<(LabelledQuery Query, IReadOnlyList<string> Keys)> results, string indent = "  ")
    {
        foreach (var kind in Enum.GetValues<QueryKind>())
        {
            var of = results.Where(r => r.Query.Kind == kind).ToList();
            if (of.Count == 0)
            {
                continue;
            }

            if (kind == QueryKind.Negative)
            {
                Console.WriteLine($"{indent}{"negative",-13} n={of.Count,3}  returned nothing: {of.Count(r => r.Keys.Count == 0)}/{of.Count}");
                continue;
            }

            var recall = of.Average(r => r.Keys.Take(5).Contains(r.Query.Target) ? 1.0 : 0.0);
            var mrr = of.Average(r => r.Keys.Take(10).ToList().IndexOf(r.Query.Target!) is var i and >= 0 ? 1.0 / (i + 1) : 0.0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{indent}{kind.ToString().ToLowerInvariant(),-13} n={of.Count,3}  recall@5 {recall:F3}  MRR@10 {mrr:F3}"));
        }
    }
}
