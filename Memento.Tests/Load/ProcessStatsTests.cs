using System.Diagnostics;
using Memento.LoadTest.Measurement;

namespace Memento.Tests.Load;

/// <summary>
/// The load test's CPU figures for a database server count the work of the processes it starts (a
/// backend per connection), also after they have exited, which a reading of the main process alone misses.
/// </summary>
public sealed class ProcessStatsTests
{
    [Fact]
    public async Task A_process_trees_cpu_includes_children_that_worked_and_exited()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The figures are read from /proc, which only Linux has.");
        // The shell does nothing itself: a child busy for about half a second of CPU, then a sleep.
        var start = new ProcessStartInfo("bash", ["-c", "( i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done ); exec sleep 60"]) { UseShellExecute = false };
        using var shell = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var machineAtStart = ProcessStats.MachineBusyTime();
        try
        {
            // The exec replaces the shell by sleep once the child has exited and been waited for.
            while (!File.ReadAllText($"/proc/{shell.Id}/stat").Contains("(sleep)", StringComparison.Ordinal))
            {
                await Task.Delay(20, timeout.Token);
            }

            var own = ProcessStats.CpuTime(shell.Id);
            var tree = ProcessStats.TreeCpuTime(shell.Id);
            Assert.True(tree - own >= TimeSpan.FromMilliseconds(100), $"tree {tree.TotalMilliseconds} ms, own {own.TotalMilliseconds} ms");
            // The machine was busy at least as long as the child worked.
            Assert.True(ProcessStats.MachineBusyTime() - machineAtStart >= tree - own, "the machine's busy time grew less than the child's CPU");
        }
        finally
        {
            shell.Kill(entireProcessTree: true);
            await shell.WaitForExitAsync(CancellationToken.None);
        }
    }
}
