using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Memento.LoadTest.Client;
using Memento.LoadTest.Server;
using Memento.LoadTest.Workload;

namespace Memento.LoadTest.Faults;

/// <summary>
/// Two replicas on one storage root under a store-heavy load; every few seconds one of them is
/// killed with SIGKILL and started again, while clients fail over to the other. Afterwards every
/// acknowledged store must be on disk exactly once, whole, readable and found through both replicas.
/// </summary>
public sealed class KillFault(FaultOptions options, TextWriter log)
{
    public async Task<FaultReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new FaultReport("fault-kill", log);
        var temporary = options.WorkDirectory is null;
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "memento-fault-kill-" + Guid.NewGuid().ToString("N")[..8]);
        var root = Path.Combine(work, "root");
        Directory.CreateDirectory(root);
        // Crash leftovers are cleaned by the store after TempFileMaxAge; seconds instead of an hour let the run see it happen.
        var launch = new ServerLaunch(options.ServerDll, root, ServerLaunch.WithDefaults(options.ServerEnvironment, new Dictionary<string, string>
        {
            ["Memento__Storage__TempFileMaxAge"] = "00:00:02",
            ["Memento__Storage__MaintenanceInterval"] = "00:00:01",
        }));
        ServerProcess[] replicas = [new(launch, ServerProcess.FreePort(), "replica-a"), new(launch, ServerProcess.FreePort(), "replica-b")];
        try
        {
            await Task.WhenAll(replicas.Select(r => r.StartAndWaitAsync(TimeSpan.FromSeconds(60), cancellationToken)));
            report.Event($"replicas up on ports {replicas[0].Port} and {replicas[1].Port}, root {root}");
            var ledger = new WriteLedger();
            var duration = options.Duration ?? TimeSpan.FromSeconds(30);
            report.Fact("load", $"{options.Clients} clients, 70% store_memory / 30% retrieve_memories over {options.Users} users, a kill every {options.KillEvery.TotalSeconds:0.#} s");
            var (kills, failovers, reads, errors) = await LoadWithKillsAsync(replicas, ledger, duration, report, cancellationToken);
            report.Fact("kills (SIGKILL)", kills);
            report.Fact("client failovers to the other replica", failovers);
            report.Fact("stores sent", ledger.All.Count);
            report.Fact("stores acknowledged", ledger.AcknowledgedCount);
            report.Fact("searches answered during the run", reads);
            report.Fact("calls that failed on every replica", errors.IsEmpty ? "none" : string.Join("; ", errors.Take(5)));
            report.Expect(kills >= Math.Max(1, options.MinimumKills), $"only {kills} kill(s) happened");
            report.Expect(ledger.AcknowledgedCount > 0, "no store was acknowledged");

            foreach (var replica in replicas)
            {
                if (!replica.IsRunning)
                {
                    replica.Start();
                }

                await replica.WaitAliveAsync(TimeSpan.FromSeconds(60), cancellationToken);
            }

            report.Event("load stopped, both replicas running; verifying");
            await Verification.CheckTempFilesCleanedAsync(report, root, TimeSpan.FromSeconds(15), cancellationToken);
            Verification.CheckDisk(report, ledger, root);
            await Verification.CheckThroughServersAsync(
                report, ledger, [.. replicas.Select(r => (r.Name, r.McpEndpoint))], options.UserHeader, Math.Min(options.Clients, 8), cancellationToken);
            report.Event("verified");
            return report;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            report.Fail($"the run stopped: {e.GetType().Name}: {e.Message}\n{string.Join("\n", replicas.Select(r => $"--- {r.Name} ---\n{r.Tail(15)}"))}");
            return report;
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }

            if (temporary)
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private async Task<(int Kills, int Failovers, long Reads, ConcurrentBag<string> Errors)> LoadWithKillsAsync(
        ServerProcess[] replicas, WriteLedger ledger, TimeSpan duration, FaultReport report, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var errors = new ConcurrentBag<string>();
        var tag = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);
        var endpoints = replicas.Select(r => r.McpEndpoint).ToList();
        var started = Stopwatch.GetTimestamp();
        var kills = 0;
        long reads = 0;
        var failovers = 0;

        bool Done() =>
            Stopwatch.GetElapsedTime(started) >= duration
            || ((options.Writes > 0 || options.MinimumKills > 0)
                && ledger.AcknowledgedCount >= options.Writes && Volatile.Read(ref kills) >= options.MinimumKills);

        // Kill one replica, start it again at once, and before the next kill wait for it to be back, so
        // that one replica is always answering; the restart overlaps the wait between kills.
        var killer = Task.Run(async () =>
        {
            var victim = 0;
            Task? restarting = null;
            while (ledger.AcknowledgedCount == 0 && !Done())
            {
                // Kills count only under load: wait for the first acknowledged store.
                await Task.Delay(50, stop.Token);
            }

            while (!Done())
            {
                await Task.Delay(options.KillEvery, stop.Token);
                if (restarting is not null)
                {
                    await restarting;
                }

                if (Done())
                {
                    break;
                }

                var replica = replicas[victim];
                await replica.KillAsync();
                Interlocked.Increment(ref kills);
                report.Event($"kill -9 {replica.Name} (acknowledged stores so far: {ledger.AcknowledgedCount})");
                var restart = Stopwatch.GetTimestamp();
                restarting = Task.Run(async () =>
                {
                    await replica.StartAndWaitAsync(TimeSpan.FromSeconds(60), stop.Token);
                    report.Event($"{replica.Name} back after {Stopwatch.GetElapsedTime(restart).TotalSeconds:0.0} s");
                }, stop.Token);
                victim = 1 - victim;
            }

            if (restarting is not null)
            {
                await restarting;
            }
        }, stop.Token);

        var workers = Enumerable.Range(0, options.Clients).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var corpus = new Corpus(1000 + w);
            await using var client = new FailoverClient(endpoints, options.UserHeader, options.AttemptTimeout, start: w);
            var n = 0;
            try
            {
                while (!Done() && !killer.IsFaulted)
                {
                    var u = random.Next(options.Users);
                    var user = options.User(u);
                    try
                    {
                        if (random.NextDouble() < 0.7)
                        {
                            var marker = $"kf{tag}u{u:D2}w{w:D2}n{n++:D6}";
                            var memory = corpus.Next(marker);
                            var write = ledger.Attempt(marker, user, memory.Content, "load");
                            write.Id = await client.CallAsync((c, ct) => c.StoreAsync(user, memory.Content, memory.Title, memory.Tags, ct), TimeSpan.FromSeconds(60), stop.Token);
                        }
                        else
                        {
                            await client.CallAsync((c, ct) => c.RetrieveAsync(user, corpus.Query(), 10, ct), TimeSpan.FromSeconds(60), stop.Token);
                            Interlocked.Increment(ref reads);
                        }
                    }
                    catch (Exception e) when (e is ToolCallException or TimeoutException)
                    {
                        errors.Add(e.Message);
                    }
                }
            }
            finally
            {
                Interlocked.Add(ref failovers, client.Failovers);
            }
        }, stop.Token)).ToList();

        await Task.WhenAll(workers);
        await stop.CancelAsync();
        try
        {
            await killer;
        }
        catch (OperationCanceledException)
        {
        }

        return (kills, failovers, reads, errors);
    }
}
