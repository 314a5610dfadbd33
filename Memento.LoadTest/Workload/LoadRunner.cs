using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Memento.LoadTest.Client;
using Memento.LoadTest.Measurement;
using Memento.LoadTest.Reporting;
using Memento.LoadTest.Server;

namespace Memento.LoadTest.Workload;

/// <summary>
/// The end-to-end benchmark: seed a corpus, start the server cold and time its first search, then
/// for each client count run a <c>ping</c> phase (the floor) and a mixed-tool phase with the same
/// number of concurrent MCP clients, measuring latency, throughput and the server's CPU and memory.
/// </summary>
public sealed partial class LoadRunner(LoadOptions options, TextWriter log)
{
    private readonly IdPool _ids = new();
    private readonly string _runTag = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);

    public async Task<RunReport> RunAsync(string commandLine, CancellationToken cancellationToken)
    {
        var machine = Machine.Current();
        if (options.Url is { } url)
        {
            // The server's own root, seeded by an earlier run, is reused when named with --root; anything
            // else is seeded through the server's tools, since its files may be on another machine.
            CorpusInfo corpus;
            if (options.Root is { } serverRoot && ReuseManifest(serverRoot) is { } reused)
            {
                corpus = reused;
            }
            else
            {
                corpus = await SeedAsync(url, pid: null, root: options.Root ?? "(existing server)", cancellationToken);
                if (options.Root is not null)
                {
                    CorpusManifest.Write(options.Root, options, corpus, _ids);
                }
            }

            var phases = await RunPhasesAsync([url], [], cancellationToken);
            return new RunReport(machine, commandLine, corpus, null, phases, Targets(phases, null));
        }

        var temporaryRoot = options.Root is null;
        var root = options.Root ?? Path.Combine(Path.GetTempPath(), "memento-load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var postgres = options.Provider == "postgres";
            if (postgres && options.ConnectionString is null)
            {
                throw new ArgumentException("--provider postgres needs --connection-string.");
            }

            var providerEnvironment = postgres
                ? new Dictionary<string, string> { ["Memento__Storage__Provider"] = "Postgres", ["ConnectionStrings__memento-db"] = options.ConnectionString! }
                : null;
            var launch = new ServerLaunch(options.ServerDll, root, ServerLaunch.WithDefaults(options.ServerEnvironment, providerEnvironment));
            CorpusInfo corpusInfo;
            await using (var seeding = new ServerProcess(launch, ServerProcess.FreePort(), "seed server"))
            {
                if (ReuseManifest(root) is { } reused)
                {
                    corpusInfo = reused;
                }
                else if (postgres && options.SeedWith == "files")
                {
                    log.WriteLine($"Seeding {options.Memories:N0} memories over {options.Users} user(s) into PostgreSQL...");
                    var clock = Stopwatch.StartNew();
                    await PostgresSeeder.SeedAsync(options.ConnectionString!, options, _ids, cancellationToken);
                    log.WriteLine($"Seeded {options.Memories:N0} in {clock.Elapsed.TotalSeconds:0.0} s ({options.Memories / clock.Elapsed.TotalSeconds:0} per second)");
                    corpusInfo = new CorpusInfo(options.Memories, options.Users, "PostgreSQL rows through the provider's import", Math.Round(clock.Elapsed.TotalSeconds, 1), "(database)");
                    CorpusManifest.Write(root, options, corpusInfo, _ids);
                }
                else if (options.SeedWith == "files")
                {
                    corpusInfo = SeedFiles(root);
                    CorpusManifest.Write(root, options, corpusInfo, _ids);
                }
                else
                {
                    await seeding.StartAndWaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                    corpusInfo = await SeedAsync(seeding.McpEndpoint, seeding.Pid, root, cancellationToken);
                    CorpusManifest.Write(root, options, corpusInfo, _ids);
                }
            }

            await using var server = new ServerProcess(launch, ServerProcess.FreePort());
            ColdStart? cold = null;
            if (corpusInfo.Memories > 0)
            {
                cold = await ColdStartAsync(server, cancellationToken);
                log.WriteLine($"Cold start: alive {cold.AliveSeconds:0.00} s, first search with hits {cold.FirstSearchSeconds:0.00} s");
                cold = await SearchEveryUserAsync(server, cold, cancellationToken);
                log.WriteLine($"Every user searched once {cold.AllUsersSeconds:0.00} s after the start");
            }
            else
            {
                await server.StartAndWaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            }

            // More replicas on the same storage: the clients are spread over them as a balancer would.
            var others = Enumerable.Range(1, Math.Max(0, options.Replicas - 1)).Select(r => new ServerProcess(launch, ServerProcess.FreePort(), $"replica {r}")).ToList();
            try
            {
                foreach (var other in others)
                {
                    await other.StartAndWaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
                }

                var replicas = new[] { server }.Concat(others).ToList();
                var phases = await RunPhasesAsync([.. replicas.Select(s => s.McpEndpoint)], [.. replicas.Select(s => s.Pid)], cancellationToken);
                return new RunReport(machine, commandLine, corpusInfo, cold, phases, Targets(phases, cold));
            }
            finally
            {
                foreach (var other in others)
                {
                    await other.DisposeAsync();
                }
            }
        }
        finally
        {
            if (temporaryRoot)
            {
                TryDelete(root);
                File.Delete(CorpusManifest.PathFor(root));
            }
        }
    }

    /// <summary>The corpus an earlier run seeded in <paramref name="root"/> for the same options, with its ids loaded; else null.</summary>
    private CorpusInfo? ReuseManifest(string root)
    {
        var manifest = CorpusManifest.Read(root);
        if (manifest is null || !manifest.Matches(options))
        {
            return null;
        }

        log.WriteLine($"Corpus in {root} already holds {manifest.Memories:N0} memories over {manifest.Users} user(s); not seeding again.");
        manifest.LoadInto(_ids);
        var memories = manifest.Memories;
        var onDisk = MemoryFilesIn(root, manifest.Users);
        if (onDisk > manifest.Memories)
        {
            // Store phases of earlier runs added memories: the figures are for the corpus as it is now.
            log.WriteLine($"WARNING: the folders now hold {onDisk:N0} memories, {onDisk - manifest.Memories:N0} more than were seeded (stores of earlier runs); " +
                $"this run measures {onDisk:N0}. Use a fresh --root for a corpus of exactly {manifest.Memories:N0}.");
            memories = onDisk;
        }

        return new CorpusInfo(memories, manifest.Users, manifest.SeededBy + " (earlier run)", manifest.SeedSeconds, root);
    }

    /// <summary>Memory files in the users' folders of a file-provider corpus (0 for a database corpus, which has no folders).</summary>
    private int MemoryFilesIn(string root, int users)
    {
        var count = 0;
        for (var i = 0; i < users; i++)
        {
            var folder = Path.Combine(root, options.User(i));
            count += Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.md").Count() : 0;
        }

        return count;
    }

    /// <summary>Starts the server on an existing corpus and times process start → alive → first search with hits.</summary>
    public async Task<ColdStart> ColdStartAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        server.Start();
        var started = server.StartedAt;
        await server.WaitAliveAsync(TimeSpan.FromSeconds(120), cancellationToken);
        var alive = Stopwatch.GetElapsedTime(started);
        var user = options.User(0);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(5));
        string? lastError = null;
        while (true)
        {
            deadline.Token.ThrowIfCancellationRequested();
            try
            {
                await using var client = await MementoClient.ConnectAsync(server.McpEndpoint, options.UserHeader, deadline.Token);
                var hits = await client.RetrieveAsync(user, "meeting", options.Limit, deadline.Token);
                if (hits.Count > 0)
                {
                    return new ColdStart(
                        Math.Round(alive.TotalSeconds, 2),
                        Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 2),
                        $"retrieve_memories \"meeting\" for {user}, {CountFor(user):N0} of the user's memories; {lastError ?? "no failed attempt"}");
                }

                lastError = "an earlier attempt returned no hits";
            }
            catch (Exception e) when (e is HttpRequestException or IOException or ToolCallException or ModelContextProtocol.McpException)
            {
                lastError = "an earlier attempt failed: " + e.Message;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    /// <summary>
    /// One search for every user, so the phases measure a server whose index is warm for all of them
    /// (the first search only proves one user's index is ready); also times the start until then.
    /// </summary>
    private async Task<ColdStart> SearchEveryUserAsync(ServerProcess server, ColdStart cold, CancellationToken cancellationToken)
    {
        var next = -1;
        var failed = 0;
        string? firstFailure = null;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(TimeSpan.FromMinutes(20));
        var workers = Enumerable.Range(0, Math.Min(options.Users, 4)).Select(_ => Task.Run(async () =>
        {
            await using var client = await MementoClient.ConnectAsync(server.McpEndpoint, options.UserHeader, budget.Token);
            int u;
            while ((u = Interlocked.Increment(ref next)) < options.Users)
            {
                // While the server is still indexing, a search can outlast its request timeout; ask again.
                while (true)
                {
                    try
                    {
                        await client.RetrieveAsync(options.User(u), "meeting", options.Limit, budget.Token);
                        break;
                    }
                    catch (ToolCallException e)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstFailure, e.ToolMessage, null);
                    }
                }
            }
        }, budget.Token)).ToList();
        await Task.WhenAll(workers);
        var note = failed == 0 ? cold.Note : $"{cold.Note}; while warming up, {failed} search(es) failed and were repeated: {firstFailure}";
        return cold with { AllUsersSeconds = Math.Round(Stopwatch.GetElapsedTime(server.StartedAt).TotalSeconds, 2), Note = note };
    }

    private int CountFor(string user) => _ids.Snapshot().TryGetValue(user, out var ids) ? ids.Length : 0;

    private CorpusInfo SeedFiles(string root)
    {
        log.WriteLine($"Seeding {options.Memories:N0} memories over {options.Users} user(s) as Markdown files...");
        var started = Stopwatch.GetTimestamp();
        FileSeeder.Seed(root, options, _ids);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        log.WriteLine($"Seeded {options.Memories:N0} in {seconds:0.0} s ({options.Memories / seconds:0} per second)");
        return new CorpusInfo(options.Memories, options.Users, "Markdown files written directly in the store's format", Math.Round(seconds, 1), root);
    }

    private async Task<CorpusInfo> SeedAsync(Uri endpoint, int? pid, string root, CancellationToken cancellationToken)
    {
        if (options.Memories <= 0)
        {
            return new CorpusInfo(0, options.Users, "none", 0, root);
        }

        log.WriteLine($"Seeding {options.Memories:N0} memories over {options.Users} user(s) through store_memory with {options.SeedClients} clients...");
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        var done = 0;
        using var progress = new Timer(_ => log.WriteLine($"  seeded {Volatile.Read(ref done):N0}"), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        var workers = Enumerable.Range(0, options.SeedClients).Select(w => Task.Run(async () =>
        {
            var corpus = new Corpus(options.Seed * 1000 + w);
            await using var client = await MementoClient.ConnectAsync(endpoint, options.UserHeader, cancellationToken);
            int i;
            while ((i = Interlocked.Increment(ref next)) < options.Memories)
            {
                var user = options.User(i % options.Users);
                var memory = corpus.Next();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.OperationTimeout);
                var id = await client.StoreAsync(user, memory.Content, memory.Title, memory.Tags, timeout.Token);
                _ids.Add(user, id);
                Interlocked.Increment(ref done);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        log.WriteLine($"Seeded {options.Memories:N0} in {seconds:0.0} s ({options.Memories / seconds:0} per second){(pid is { } p ? $", server peak RSS {ProcessStats.PeakResidentBytes(p) / 1048576.0:0} MB" : "")}");
        return new CorpusInfo(options.Memories, options.Users, $"store_memory over MCP ({options.SeedClients} clients)", Math.Round(seconds, 1), root);
    }

    /// <param name="pids">The started replicas' processes, in the order of <paramref name="endpoint"/>; empty for a server this run did not start.</param>
    private async Task<List<PhaseReport>> RunPhasesAsync(IReadOnlyList<Uri> endpoint, IReadOnlyList<int> pids, CancellationToken cancellationToken)
    {
        var phases = new List<PhaseReport>();
        if (options.Warmup > TimeSpan.Zero)
        {
            log.WriteLine($"Warm-up: {options.Warmup.TotalSeconds:0} s of the mixed workload (not recorded)");
            await RunPhaseAsync("warm-up", endpoint, pids, options.Clients.Max(), pingOnly: false, options.Warmup, 0, cancellationToken);
        }

        foreach (var clients in options.Clients)
        {
            foreach (var pingOnly in new[] { true, false })
            {
                var name = pingOnly ? "ping" : "mixed";
                log.WriteLine($"Phase {name} with {clients} clients...");
                phases.Add(await RunPhaseAsync(name, endpoint, pids, clients, pingOnly, options.Duration, options.Requests, cancellationToken));
            }
        }

        return phases;
    }

    private async Task<PhaseReport> RunPhaseAsync(
        string name, IReadOnlyList<Uri> endpoints, IReadOnlyList<int> pids, int clientCount, bool pingOnly, TimeSpan duration, int requests, CancellationToken cancellationToken)
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, clientCount)
            .Select(c => MementoClient.ConnectAsync(endpoints[c % endpoints.Count], options.UserHeader, cancellationToken)));
        var recorders = Enum.GetValues<Operation>().ToDictionary(o => o, o => new LatencyRecorder(OperationNames.Of(o)));
        var errors = new ConcurrentDictionary<string, int>();
        long tickets = requests > 0 ? requests : long.MaxValue;
        long retrieveHits = 0, retrieveEmpty = 0;
        try
        {
            var meter = pids.Count > 0 ? UsageMeter.Start(pids[0], resetPeak: false) : null;
            var cpu = CpuMeter.Start(pids, options.DatabasePid);
            var ownCpuAtStart = Environment.CpuUsage.TotalTime;
            var started = Stopwatch.GetTimestamp();
            var deadline = requests > 0 ? long.MaxValue : started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var workers = clients.Select((client, w) => Task.Run(async () =>
            {
                var random = new Random(options.Seed * 7919 + w);
                var corpus = new Corpus(options.Seed * 104729 + w);
                var stored = 0;
                while (Stopwatch.GetTimestamp() < deadline && Interlocked.Decrement(ref tickets) >= 0)
                {
                    var operation = pingOnly ? Operation.Ping : options.Mix.Choose(random);
                    var user = options.User(random.Next(options.Users));
                    string? id = null;
                    if (operation == Operation.GetContent && (id = _ids.Pick(user, random)) is null)
                    {
                        operation = Operation.Retrieve;
                    }

                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(options.OperationTimeout);
                    var recorder = recorders[operation];
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        switch (operation)
                        {
                            case Operation.Ping:
                                await client.PingAsync(timeout.Token);
                                break;
                            case Operation.Retrieve:
                                var hits = await client.RetrieveAsync(user, corpus.Query(), options.Limit, timeout.Token);
                                Interlocked.Increment(ref hits.Count > 0 ? ref retrieveHits : ref retrieveEmpty);
                                break;
                            case Operation.Store:
                                var memory = corpus.Next($"lt{_runTag}w{w}n{stored++}");
                                _ids.Add(user, await client.StoreAsync(user, memory.Content, memory.Title, memory.Tags, timeout.Token));
                                break;
                            case Operation.GetContent:
                                await client.GetContentAsync(user, id!, timeout.Token);
                                break;
                        }

                        recorder.Record(start);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        recorder.RecordError();
                        var key = ErrorKey().Replace($"{OperationNames.Of(operation)}: {e.GetType().Name}: {e.Message}", "\"id\":_");
                        errors.AddOrUpdate(key.Length > 240 ? key[..240] : key, 1, (_, n) => n + 1);
                    }
                }
            }, cancellationToken)).ToList();
            await Task.WhenAll(workers);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var usage = meter?.Stop();
            var cpuUse = cpu.Stop();
            var operations = recorders.Values.Select(r => r.Summarize(elapsed)).Where(s => s.Count + s.Errors > 0).ToList();
            var total = operations.Sum(o => o.Count);
            var ownCpu = (Environment.CpuUsage.TotalTime - ownCpuAtStart).TotalSeconds;
            var sampleErrors = errors.OrderByDescending(e => e.Value).Take(5).Select(e => $"{e.Value} x {e.Key}").ToList();
            var notes = new List<string>();
            if (retrieveHits + retrieveEmpty > 0)
            {
                notes.Add($"{retrieveHits * 100.0 / (retrieveHits + retrieveEmpty):0.0}% of searches returned at least one hit");
            }

            return new PhaseReport(name, clientCount, Math.Round(elapsed.TotalSeconds, 2), Math.Round(total / elapsed.TotalSeconds, 1),
                operations, usage, Math.Round(ownCpu, 2), Machine.LoadAverageNow(), notes, sampleErrors) { Cpu = cpuUse };
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static List<TargetCheck> Targets(IReadOnlyList<PhaseReport> phases, ColdStart? cold)
    {
        var c = CultureInfo.InvariantCulture;
        var checks = new List<TargetCheck>();
        foreach (var clients in phases.Select(p => p.Clients).Distinct())
        {
            var ping = phases.Single(p => p.Name == "ping" && p.Clients == clients);
            var mixed = phases.Single(p => p.Name == "mixed" && p.Clients == clients);
            var pingStats = ping.Operations.FirstOrDefault(o => o.Operation == "ping");
            if (pingStats is null || pingStats.Count == 0)
            {
                continue;
            }

            foreach (var (tool, factor) in new[] { ("retrieve_memories", 2.0), ("store_memory", 4.0) })
            {
                if (mixed.Operations.FirstOrDefault(o => o.Operation == tool) is { Count: > 0 } stats)
                {
                    checks.Add(new TargetCheck(
                        $"{tool} median vs ping median, {clients} clients",
                        string.Create(c, $"<= {factor}x"),
                        string.Create(c, $"{stats.P50:0.00} ms vs {pingStats.P50:0.00} ms = {stats.P50 / pingStats.P50:0.00}x"),
                        stats.P50 <= factor * pingStats.P50));
                }
            }

            // The end-to-end medians the storage providers are held to (docs/benchmarks.md).
            foreach (var tool in new[] { "retrieve_memories", "store_memory" })
            {
                if (mixed.Operations.FirstOrDefault(o => o.Operation == tool) is { Count: > 0 } stats)
                {
                    checks.Add(new TargetCheck($"{tool} median, {clients} clients", "<= 5 ms", string.Create(c, $"{stats.P50:0.00} ms"), stats.P50 <= 5));
                }
            }

            var failed = ping.Operations.Sum(o => o.Errors) + mixed.Operations.Sum(o => o.Errors);
            checks.Add(new TargetCheck(
                $"no failed calls, {clients} clients",
                "0",
                failed.ToString(c),
                failed == 0));
            checks.Add(new TargetCheck(
                $"mixed throughput vs ping throughput, {clients} clients",
                ">= 0.5x",
                string.Create(c, $"{mixed.TotalPerSecond:0} vs {ping.TotalPerSecond:0} ops/s = {mixed.TotalPerSecond / ping.TotalPerSecond:0.00}x"),
                mixed.TotalPerSecond >= 0.5 * ping.TotalPerSecond));
        }

        var peak = phases.Select(p => p.Server?.PeakResidentMegabytes ?? 0).DefaultIfEmpty(0).Max();
        if (peak > 0)
        {
            checks.Add(new TargetCheck("server peak memory (VmHWM since start)", "< 500 MB", string.Create(c, $"{peak:0} MB"), peak < 500));
        }

        if (cold is not null)
        {
            checks.Add(new TargetCheck("cold start to first successful search", "reported", string.Create(c, $"{cold.FirstSearchSeconds:0.00} s"), true));
        }

        return checks;
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"id\":\\d+")]
    private static partial System.Text.RegularExpressions.Regex ErrorKey();

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// What a seeded root holds, kept beside it (<c>&lt;root&gt;.corpus.json</c>) so a later run on the same
/// root skips seeding and still knows the ids for <c>get_memory_content</c>.
/// </summary>
internal sealed record CorpusManifest(int Memories, int Users, int Seed, string UserPrefix, string SeededBy, double SeedSeconds, Dictionary<string, string[]> Ids)
{
    public static string PathFor(string root) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + ".corpus.json";

    public static CorpusManifest? Read(string root)
    {
        var path = PathFor(root);
        return File.Exists(path) ? JsonSerializer.Deserialize<CorpusManifest>(File.ReadAllText(path), RunReport.Json) : null;
    }

    public static void Write(string root, LoadOptions options, CorpusInfo info, IdPool ids) =>
        File.WriteAllText(PathFor(root), JsonSerializer.Serialize(
            new CorpusManifest(info.Memories, info.Users, options.Seed, options.UserPrefix, info.SeededBy, info.SeedSeconds, ids.Snapshot().ToDictionary()),
            RunReport.Json));

    public bool Matches(LoadOptions options) =>
        Memories == options.Memories && Users == options.Users && Seed == options.Seed && UserPrefix == options.UserPrefix;

    public void LoadInto(IdPool pool)
    {
        foreach (var (user, ids) in Ids)
        {
            foreach (var id in ids)
            {
                pool.Add(user, id);
            }
        }
    }
}
