namespace Memento.LoadTest.Workload;

/// <summary>What a load run does; every field maps to one command-line option (see <c>Program.Usage</c>).</summary>
public sealed record LoadOptions
{
    /// <summary>An already running server's MCP endpoint; null to start one from <see cref="ServerDll"/>.</summary>
    public Uri? Url { get; init; }

    public string ServerDll { get; init; } = "";

    /// <summary>Storage root for a started server; null for a fresh temporary folder removed afterwards.</summary>
    public string? Root { get; init; }

    public IReadOnlyList<int> Clients { get; init; } = [16];

    /// <summary>The storage provider of the started servers: <c>files</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; init; } = "files";

    /// <summary>With <c>postgres</c>: the database every started replica uses (and the corpus is seeded into).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Server replicas started on the same storage; the clients are spread over them evenly.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>
    /// The database server's main process (PostgreSQL's postmaster) when it runs on this machine: each
    /// phase then reports the CPU it and its backends used, beside the servers' and the load generator's.
    /// </summary>
    public int? DatabasePid { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>When above 0, each phase ends after this many requests instead of after <see cref="Duration"/>.</summary>
    public int Requests { get; init; }

    /// <summary>
    /// Unrecorded mixed load before the phases. 15 s by default: on two cores the runtime is still
    /// recompiling the hot paths (tiered JIT) well after 5 s, and a ping phase run then measured
    /// 3,400-3,700 calls/s instead of 8,400.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(DefaultWarmupSeconds);

    public const double DefaultWarmupSeconds = 15;

    public Mix Mix { get; init; } = Mix.Default;

    public int Memories { get; init; } = 10_000;

    public int Users { get; init; } = 1;

    public string UserPrefix { get; init; } = "bench-";

    public int Seed { get; init; } = 42;

    /// <summary>How the corpus is written: <c>files</c> (Markdown files in the store's format; the default) or <c>tools</c> (store_memory calls).</summary>
    public string SeedWith { get; init; } = "files";

    public int SeedClients { get; init; } = 8;

    /// <summary>
    /// With <c>files</c> seeding: a model id whose vector files the seeder writes beside each memory
    /// (random unit vectors of <see cref="SeedVectorDimensions"/>), so a server with that model finds every
    /// vector made; null for none. For measuring memory and restart with vectors at sizes the model would
    /// take hours to embed: neither depends on the vectors' values (quality is measured on real ones).
    /// </summary>
    public string? SeedVectors { get; init; }

    public int SeedVectorDimensions { get; init; } = 384;

    public string UserHeader { get; init; } = "X-Memento-User";

    public int Limit { get; init; } = 10;

    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    public string User(int index) => $"{UserPrefix}{index:D3}";
}
