using Memento.LoadTest;
using Memento.LoadTest.Faults;
using Memento.LoadTest.Server;
using Memento.LoadTest.Workload;

var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "run";
var options = new Arguments(args.SkipWhile(a => !a.StartsWith("--", StringComparison.Ordinal)));
if (options.Flag("help") || command is "help")
{
    Console.WriteLine(Usage.Text);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var commandLine = "dotnet Memento.LoadTest.dll " + string.Join(' ', args);
    switch (command)
    {
        case "run":
        {
            var load = Usage.LoadOptionsFrom(options);
            var json = options.String("json");
            var wantsJson = options.Flag("json");
            options.RejectUnknown();
            var report = await new LoadRunner(load, Console.Error).RunAsync(commandLine, cancel.Token);
            Console.WriteLine(report.ToTable());
            if (wantsJson)
            {
                if (json is null or "-")
                {
                    Console.WriteLine(report.ToJson());
                }
                else
                {
                    await File.WriteAllTextAsync(json, report.ToJson(), cancel.Token);
                    Console.Error.WriteLine($"JSON report written to {json}");
                }
            }

            return 0;
        }

        case "search":
        {
            var memories = options.Int("memories", 10_000);
            var queries = options.Int("queries", 2_000);
            var seed = options.Int("seed", 42);
            options.RejectUnknown();
            await InProcessSearch.RunAsync(memories, queries, seed, Console.Out, cancel.Token);
            return 0;
        }

        case "fault-kill" or "fault-readonly" or "fault-diskfull":
        {
            var fault = Usage.FaultOptionsFrom(options);
            var json = options.String("json");
            var wantsJson = options.Flag("json");
            options.RejectUnknown();
            FaultReport report = command switch
            {
                "fault-kill" => await new KillFault(fault, Console.Error).RunAsync(cancel.Token),
                "fault-readonly" => await new StorageFault(fault, StorageFaultKind.ReadOnly, Console.Error).RunAsync(cancel.Token),
                _ => await new StorageFault(fault, StorageFaultKind.DiskFull, Console.Error).RunAsync(cancel.Token),
            };
            Console.WriteLine(report.ToText());
            if (wantsJson && json is not null and not "-")
            {
                await File.WriteAllTextAsync(json, report.ToJson(), cancel.Token);
            }
            else if (wantsJson)
            {
                Console.WriteLine(report.ToJson());
            }

            return report.Passed ? 0 : 1;
        }

        default:
            Console.Error.WriteLine($"Unknown command '{command}'.\n\n{Usage.Text}");
            return 2;
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message + "\n\n" + Usage.Text);
    return 2;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // A failed run ends with one readable line and exit code 1, not an unhandled-exception dump.
    Console.Error.WriteLine($"The run failed: {e.GetType().Name}: {e.Message}");
    return 1;
}

// The load test references the server (for its file format), whose ASP.NET Core generator would make
// this Program public; tests reference both assemblies, so it stays internal.
internal partial class Program;

internal static class Usage
{
    public const string Text = """
        Memento end-to-end load test and fault runs (real MCP clients over Streamable HTTP).

        Commands:
          run              the benchmark (default): seed, cold start, then ping and mixed phases
          search           the load test's corpus and queries searched in process (no MCP, no HTTP)
          fault-kill       two replicas on one root, kill -9 one every few seconds under load, then verify
          fault-readonly   make the storage folder read-only mid-run (needs root: bind mount), then writable
          fault-diskfull   fill the storage file system mid-run (needs root: tmpfs), then free it

        Options for run:
          --url URL             use a running server's /mcp endpoint instead of starting one; it is
                        seeded through store_memory unless --root names its storage root
                        as seeded by an earlier run
          --server-dll PATH     server to start (default: Memento.McpServer/bin/Release/net10.0)
          --root DIR            storage root; a seeded root is reused (<root>.corpus.json); default: temp, removed
          --memories N          corpus size (default 10000)
          --users M             spread the corpus over M users bench-000.. (default 1)
          --provider P          files (default) or postgres: the storage provider of the started servers
          --connection-string CS  with postgres: the database (seeded through the provider's import path)
          --replicas N          server replicas on the same storage, clients spread over them (default 1)
          --database-pid PID    the database server's main process (PostgreSQL's postmaster) on this
                        machine: each phase also reports the CPU it and its backends used
          --seed-with WAY       files: Markdown files in the store's on-disk format (default, fast);
                                tools: store_memory calls over MCP (slow: one flush to disk each)
          --seed-clients N      concurrent clients when seeding with tools (default 8)
          --seed-vectors MODEL  files: also write a vector file for each memory under
                                .vectors/MODEL (random unit vectors, 384 dimensions), so a server
                                with that vector key (the default: all-minilm-l6-v2+title) has every vector made;
                                for memory and restart figures, not for quality
          --clients N[,N...]    concurrent clients per phase (default 16)
          --duration S          seconds per phase (default 20)
          --requests N          requests per phase instead of a duration
          --warmup S            seconds of unrecorded mixed load first (default 15)
          --mix SPEC            e.g. retrieve=80,store=15,get=5 (default)
          --limit N             retrieve_memories limit (default 10)
          --user-header NAME    header that names the user (default X-Memento-User)
          --server-env K=V      extra environment for the started server (repeatable)
          --seed N              random seed (default 42)
          --json [FILE]         also write the report as JSON (to FILE, or stdout)

        Options for search:
          --memories N          corpus size, one user (default 10000)
          --queries N           timed queries (default 2000)
          --seed N              random seed (default 42)

        Options for fault-*:
          --server-dll PATH     as above
          --work DIR            folder for the storage root and mounts (default: temp, removed)
          --clients N           concurrent clients (default 8)
          --duration S          seconds of load (default 30; fault-readonly/diskfull: per stage, default 6)
          --kill-every S        fault-kill: seconds between kills (default 3)
          --writes N            fault-kill: may stop once N stores are acknowledged and --kills done
          --kills N             fault-kill: may stop once N kills are done (with --writes; default 0)
          --users M             users the writes go to (default 4)
          --json [FILE]         also write the outcome as JSON
        """;

    public static LoadOptions LoadOptionsFrom(Arguments a)
    {
        var url = a.String("url");
        return new LoadOptions
        {
            Url = url is null ? null : new Uri(url),
            ServerDll = a.String("server-dll") ?? ServerLaunch.DefaultServerDll(),
            Root = a.String("root"),
            Memories = a.Int("memories", 10_000),
            Provider = a.String("provider", "files") is var provider && provider is "files" or "postgres" ? provider : throw new ArgumentException("--provider: files or postgres."),
            ConnectionString = a.String("connection-string"),
            Replicas = a.Int("replicas", 1),
            DatabasePid = a.Int("database-pid", 0) is > 0 and var databasePid ? databasePid : null,
            Users = a.Int("users", 1),
            SeedClients = a.Int("seed-clients", 8),
            SeedVectors = a.String("seed-vectors"),
            SeedWith = a.String("seed-with", "files") is var way && way is "files" or "tools" ? way : throw new ArgumentException("--seed-with: files or tools."),
            Clients = a.String("clients", "16").Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            Duration = a.Seconds("duration", 20),
            Requests = a.Int("requests", 0),
            Warmup = a.Seconds("warmup", LoadOptions.DefaultWarmupSeconds),
            Mix = a.String("mix") is { } mix ? Mix.Parse(mix) : Mix.Default,
            Limit = a.Int("limit", 10),
            UserHeader = a.String("user-header", "X-Memento-User"),
            ServerEnvironment = a.ParseServerEnvironment(),
            Seed = a.Int("seed", 42),
        };
    }

    public static FaultOptions FaultOptionsFrom(Arguments a) => new()
    {
        ServerDll = a.String("server-dll") ?? ServerLaunch.DefaultServerDll(),
        WorkDirectory = a.String("work"),
        Clients = a.Int("clients", 8),
        Duration = a.String("duration") is null ? null : a.Seconds("duration", 0),
        KillEvery = a.Seconds("kill-every", 3),
        Writes = a.Int("writes", 0),
        MinimumKills = a.Int("kills", 0),
        Users = a.Int("users", 4),
        UserHeader = a.String("user-header", "X-Memento-User"),
        ServerEnvironment = a.ParseServerEnvironment(),
    };
}
