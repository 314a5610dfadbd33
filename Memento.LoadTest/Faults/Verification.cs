using System.Collections.Concurrent;
using Memento.LoadTest.Client;

namespace Memento.LoadTest.Faults;

/// <summary>The checks every fault run ends with: each acknowledged store is on disk once, whole, readable and found.</summary>
public static class Verification
{
    public static void CheckDisk(FaultReport report, WriteLedger ledger, string root)
    {
        var scan = DiskScan.Of(root);
        var acknowledged = ledger.Acknowledged;
        report.Fact("memory files on disk", scan.MemoryFiles);
        report.Fact("torn memory files", scan.TornFiles.Count);
        report.Fact("other files in user folders", scan.OtherFiles.Count == 0 ? "none" : string.Join(", ", scan.OtherFiles.Take(10)));
        report.Fact("hidden temp files (.tmp-*) on disk", scan.TempFiles.Count);

        var missing = new List<string>();
        var duplicated = new List<string>();
        var misplaced = new List<string>();
        foreach (var write in acknowledged)
        {
            var files = scan.FilesFor(write.Marker);
            if (files.Count == 0)
            {
                missing.Add($"{write.User}/{write.Id}");
            }
            else if (files.Count > 1)
            {
                duplicated.Add($"{write.Marker} in {string.Join(", ", files)}");
            }
            else if (files[0] != Path.Combine(write.User, write.Id + ".md"))
            {
                misplaced.Add($"{write.Marker}: acknowledged as {write.User}/{write.Id}, on disk as {files[0]}");
            }
        }

        var unacknowledged = ledger.All.Where(w => w.Id is null).ToList();
        var unacknowledgedOnDisk = unacknowledged.Count(w => scan.FilesFor(w.Marker).Count == 1);
        var unacknowledgedDuplicated = unacknowledged.Where(w => scan.FilesFor(w.Marker).Count > 1).Select(w => w.Marker).ToList();
        report.Fact("acknowledged stores missing on disk", missing.Count);
        report.Fact("stores on disk more than once", duplicated.Count + unacknowledgedDuplicated.Count);
        report.Fact("unacknowledged stores that still landed (once)", $"{unacknowledgedOnDisk} of {unacknowledged.Count}");
        report.Expect(missing.Count == 0, $"{missing.Count} acknowledged store(s) are not on disk: {string.Join(", ", missing.Take(5))}");
        report.Expect(duplicated.Count == 0 && unacknowledgedDuplicated.Count == 0,
            $"stores on disk more than once: {string.Join("; ", duplicated.Concat(unacknowledgedDuplicated).Take(5))}");
        report.Expect(misplaced.Count == 0, $"stores under another id or user than acknowledged: {string.Join("; ", misplaced.Take(5))}");
        report.Expect(scan.TornFiles.Count == 0, $"torn memory files: {string.Join(", ", scan.TornFiles.Take(5))}");
        report.Expect(scan.TempFiles.Count == 0, $"temp files left on disk: {string.Join(", ", scan.TempFiles.Take(5))}");
        report.Expect(scan.OtherFiles.Count == 0, $"files in user folders that are neither memories nor hidden temp files: {string.Join(", ", scan.OtherFiles.Take(5))}");
    }

    /// <summary>
    /// Temp files left by writes that a kill interrupted must be removed by the store's own cleanup
    /// (the fault runs set <c>Memento:Storage:TempFileMaxAge</c> and <c>MaintenanceInterval</c> to seconds).
    /// </summary>
    public static async Task CheckTempFilesCleanedAsync(FaultReport report, string root, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var atStart = DiskScan.Of(root).TempFiles.Count;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var left = atStart;
        while (left > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(250, cancellationToken);
            left = DiskScan.Of(root).TempFiles.Count;
        }

        report.Fact("temp files left by interrupted writes", left == atStart
            ? $"{atStart}"
            : $"{atStart} after the load, {left} after {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s of the store's own cleanup");
        report.Expect(left == 0, $"{left} temp file(s) still on disk {timeout.TotalSeconds:0} s after the load: {string.Join(", ", DiskScan.Of(root).TempFiles.Take(5))}");
    }

    /// <summary>Reads back and searches for every acknowledged store through each replica, <paramref name="clients"/> calls at a time.</summary>
    public static async Task CheckThroughServersAsync(
        FaultReport report, WriteLedger ledger, IReadOnlyList<(string Name, Uri Endpoint)> replicas, string userHeader, int clients, CancellationToken cancellationToken)
    {
        var acknowledged = ledger.Acknowledged;
        foreach (var (name, endpoint) in replicas)
        {
            var unreadable = new ConcurrentBag<string>();
            var unfound = new ConcurrentBag<string>();
            var queue = new ConcurrentQueue<WriteRecord>(acknowledged);
            var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                await using var client = await MementoClient.ConnectAsync(endpoint, userHeader, cancellationToken);
                while (queue.TryDequeue(out var write))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(30));
                    try
                    {
                        var content = await client.GetContentAsync(write.User, write.Id!, timeout.Token);
                        if (content.Trim() != write.Content.Trim())
                        {
                            unreadable.Add($"{write.Id}: content differs ({content.Length} vs {write.Content.Length} chars)");
                        }
                    }
                    catch (ToolCallException e)
                    {
                        unreadable.Add($"{write.Id}: {e.ToolMessage}");
                    }

                    try
                    {
                        var hits = await client.RetrieveAsync(write.User, write.Marker, 10, timeout.Token);
                        if (!hits.Contains(write.Id!))
                        {
                            unfound.Add($"{write.Id} ({hits.Count} hits)");
                        }
                    }
                    catch (ToolCallException e)
                    {
                        unfound.Add($"{write.Id}: {e.ToolMessage}");
                    }
                }
            }, cancellationToken)).ToList();
            await Task.WhenAll(workers);
            report.Fact($"acknowledged stores readable through {name}", $"{acknowledged.Count - unreadable.Count} of {acknowledged.Count}");
            report.Fact($"acknowledged stores found by search through {name}", $"{acknowledged.Count - unfound.Count} of {acknowledged.Count}");
            report.Expect(unreadable.IsEmpty, $"{unreadable.Count} acknowledged store(s) not readable through {name}: {string.Join("; ", unreadable.Take(5))}");
            report.Expect(unfound.IsEmpty, $"{unfound.Count} acknowledged store(s) not found by search through {name}: {string.Join("; ", unfound.Take(5))}");
        }
    }
}
