using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Memento.LoadTest.Client;
using Memento.LoadTest.Server;
using Memento.LoadTest.Workload;

namespace Memento.LoadTest.Faults;

public enum StorageFaultKind
{
    /// <summary>The storage root is a bind mount that is remounted read-only, then read-write.</summary>
    ReadOnly,

    /// <summary>The storage root is a small tmpfs that is filled to the last byte, then freed.</summary>
    DiskFull,
}

/// <summary>
/// A server under a mixed load whose storage stops taking writes mid-run and later takes them again.
/// Three stages of equal length: healthy, broken, healed. While broken every store must fail with
/// a tool error a person can read, every read must still work, and the process must stay up; once
/// healed, stores must work again; and afterwards every acknowledged store is on disk once, whole,
/// readable and found, while no store from the broken stage left anything behind.
/// </summary>
public sealed partial class StorageFault(FaultOptions options, StorageFaultKind kind, TextWriter log)
{
    private static readonly string[] ClearWords = ["read-only", "read only", "readonly", "full", "space", "storage", "writ", "unavailable"];

    public async Task<FaultReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new FaultReport(kind == StorageFaultKind.ReadOnly ? "fault-readonly" : "fault-diskfull", log);
        var temporary = options.WorkDirectory is null;
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"memento-{report.Name}-{Guid.NewGuid().ToString("N")[..8]}");
        var root = Path.Combine(work, "root");
        var backing = Path.Combine(work, "backing");
        Directory.CreateDirectory(root);
        var mounted = false;
        var filler = Path.Combine(root, "memento-fault-filler.bin");
        ServerProcess? server = null;
        try
        {
            if (kind == StorageFaultKind.ReadOnly)
            {
                Directory.CreateDirectory(backing);
                await Mounts.BindAsync(backing, root);
                report.Fact("mechanism", $"bind mount of {backing} on {root}, remounted read-only (mount -o remount,bind,ro) and back");
            }
            else
            {
                await Mounts.TmpfsAsync(root, 64);
                report.Fact("mechanism", $"64 MB tmpfs on {root}, filled with {Path.GetFileName(filler)} until ENOSPC, then the filler deleted");
            }

            mounted = true;
            server = new ServerProcess(new ServerLaunch(options.ServerDll, root, ServerLaunch.WithDefaults(options.ServerEnvironment)), ServerProcess.FreePort());
            await server.StartAndWaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            var pid = server.Pid;
            report.Event($"server up on port {server.Port}, pid {pid}");
            var stage = options.Duration ?? TimeSpan.FromSeconds(6);
            var ledger = new WriteLedger();
            report.Fact("load", $"{options.Clients} clients, 40% store_memory / 40% retrieve_memories / 20% get_memory_content over {options.Users} users, {stage.TotalSeconds:0} s per stage");

            var healthy = await LoadAsync(server, ledger, "healthy", stage, cancellationToken);
            report.Event($"healthy: {healthy}");

            if (kind == StorageFaultKind.ReadOnly)
            {
                await Mounts.SetReadOnlyAsync(root, readOnly: true);
                report.Event("storage remounted read-only");
            }
            else
            {
                var bytes = Mounts.Fill(filler);
                report.Event($"storage filled ({bytes / 1048576.0:0.0} MB filler; df: {FreeBytes(root)} bytes free)");
            }

            var broken = await LoadAsync(server, ledger, "broken", stage, cancellationToken);
            report.Event($"broken: {broken}");
            var aliveWhileBroken = await AliveAsync(server);

            if (kind == StorageFaultKind.ReadOnly)
            {
                await Mounts.SetReadOnlyAsync(root, readOnly: false);
                report.Event("storage remounted read-write");
            }
            else
            {
                File.Delete(filler);
                report.Event($"filler deleted ({FreeBytes(root)} bytes free)");
            }

            var healed = await LoadAsync(server, ledger, "healed", stage, cancellationToken);
            report.Event($"healed: {healed}");

            report.Fact("healthy stage", healthy);
            report.Fact("broken stage", broken);
            report.Fact("healed stage", healed);
            report.Fact("store errors while broken (distinct messages)", broken.StoreErrors.IsEmpty ? "none" : string.Join(" | ", broken.StoreErrors.Keys.Take(5)));
            report.Fact("server process", server.IsRunning && server.Pid == pid ? $"same process (pid {pid}) throughout" : "restarted or gone");

            report.Expect(healthy.StoresOk > 0 && healthy.StoresFailed == 0, $"stores failed before the fault: {healthy}");
            report.Expect(broken.StoresOk == 0, $"{broken.StoresOk} store(s) were acknowledged while the storage could not be written");
            report.Expect(broken.StoresFailed > 0, "no store was attempted while broken");
            report.Expect(broken.UnclearErrors == 0, $"{broken.UnclearErrors} store failure(s) while broken were not a clear tool error: {string.Join(" | ", broken.StoreErrors.Keys.Take(3))}");
            report.Expect(broken.ReadsFailed == 0 && broken.ReadsOk > 0, $"reads while broken: {broken.ReadsOk} ok, {broken.ReadsFailed} failed ({string.Join(" | ", broken.ReadErrors.Keys.Take(3))})");
            report.Expect(aliveWhileBroken, "/alive did not answer 200 while the storage was broken");
            report.Expect(server.IsRunning && server.Pid == pid, "the server process did not stay up");
            report.Expect(healed.StoresOk > 0 && healed.StoresFailedAfterFirstSuccess == 0, $"stores did not recover once the storage was writable again: {healed}");

            Verification.CheckDisk(report, ledger, root);
            var leftovers = DiskScan.Of(root);
            var brokenOnDisk = ledger.All.Where(w => w.Stage == "broken" && leftovers.FilesFor(w.Marker).Count > 0).ToList();
            report.Expect(brokenOnDisk.Count == 0, $"{brokenOnDisk.Count} store(s) refused while broken are on disk anyway");
            await Verification.CheckThroughServersAsync(report, ledger, [("the server", server.McpEndpoint)], options.UserHeader, Math.Min(options.Clients, 8), cancellationToken);
            report.Event("verified");
            return report;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            report.Fail($"the run stopped: {e.GetType().Name}: {e.Message}{(server is null ? "" : "\n" + server.Tail(15))}");
            return report;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (mounted)
            {
                await Mounts.UnmountAsync(root);
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

    private async Task<StageResult> LoadAsync(ServerProcess server, WriteLedger ledger, string stage, TimeSpan duration, CancellationToken cancellationToken)
    {
        var result = new StageResult();
        var clients = await Task.WhenAll(Enumerable.Range(0, options.Clients)
            .Select(_ => MementoClient.ConnectAsync(server.McpEndpoint, options.UserHeader, cancellationToken)));
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tag = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture);
        var workers = clients.Select((client, w) => Task.Run(async () =>
        {
            var random = new Random(w);
            var corpus = new Corpus(2000 + w);
            await using var _ = client;
            var n = 0;
            var succeeded = false;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var u = random.Next(options.Users);
                var user = options.User(u);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.AttemptTimeout);
                var roll = random.NextDouble();
                if (roll < 0.4)
                {
                    var marker = $"sf{tag}u{u:D2}w{w:D2}n{n++:D6}";
                    var memory = corpus.Next(marker);
                    var write = ledger.Attempt(marker, user, memory.Content, stage);
                    try
                    {
                        write.Id = await client.StoreAsync(user, memory.Content, memory.Title, memory.Tags, timeout.Token);
                        Interlocked.Increment(ref result.StoresOk);
                        succeeded = true;
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref result.StoresFailed);
                        if (succeeded)
                        {
                            Interlocked.Increment(ref result.StoresFailedAfterFirstSuccess);
                        }

                        var message = e is ToolCallException tool ? tool.ToolMessage : $"{e.GetType().Name}: {e.Message}";
                        if (!IsClear(e))
                        {
                            Interlocked.Increment(ref result.UnclearErrors);
                        }

                        result.StoreErrors.AddOrUpdate(Shorten(message), 1, (_, c) => c + 1);
                    }
                }
                else
                {
                    try
                    {
                        var id = roll < 0.8 ? null : ledger.Acknowledged.Where(x => x.User == user).Select(x => x.Id).FirstOrDefault();
                        if (id is null)
                        {
                            await client.RetrieveAsync(user, corpus.Query(), 10, timeout.Token);
                        }
                        else
                        {
                            await client.GetContentAsync(user, id, timeout.Token);
                        }

                        Interlocked.Increment(ref result.ReadsOk);
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref result.ReadsFailed);
                        result.ReadErrors.AddOrUpdate(Shorten($"{e.GetType().Name}: {e.Message}"), 1, (_, c) => c + 1);
                    }
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        return result;
    }

    // A clear error is the tool's own message (not a transport failure, not the SDK's bare
    // "An error occurred invoking 'x'." that an unhandled exception becomes), free of stack traces, saying what is wrong with the storage.
    private static bool IsClear(Exception e) =>
        e is ToolCallException tool
        && !GenericToolError().IsMatch(tool.ToolMessage.Trim())
        && !tool.ToolMessage.Contains("   at ", StringComparison.Ordinal)
        && ClearWords.Any(w => tool.ToolMessage.Contains(w, StringComparison.OrdinalIgnoreCase));

    [System.Text.RegularExpressions.GeneratedRegex(@"^An error occurred invoking '[^']*'\.?$")]
    private static partial System.Text.RegularExpressions.Regex GenericToolError();

    private static async Task<bool> AliveAsync(ServerProcess server)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync("/alive");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static long FreeBytes(string path) => new DriveInfo(path).AvailableFreeSpace;

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;

    private sealed class StageResult
    {
        public int StoresOk;
        public int StoresFailed;
        public int StoresFailedAfterFirstSuccess;
        public int UnclearErrors;
        public int ReadsOk;
        public int ReadsFailed;
        public readonly ConcurrentDictionary<string, int> StoreErrors = new();
        public readonly ConcurrentDictionary<string, int> ReadErrors = new();

        public override string ToString() =>
            $"stores {StoresOk} ok / {StoresFailed} failed, reads {ReadsOk} ok / {ReadsFailed} failed";
    }
}
