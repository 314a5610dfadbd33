using Memento.LoadTest.Faults;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Faults;

/// <summary>
/// The small version of <c>scripts/fault-kill.sh</c>: two real server replicas on one storage root,
/// a few SIGKILLs under a few hundred writes, then every acknowledged store checked on disk and
/// through both replicas. The full run and its recorded outcome are in docs/benchmarks.md.
/// </summary>
public sealed class KillFaultTests
{
    [Fact]
    public async Task Killing_replicas_under_load_loses_no_acknowledged_store_and_leaves_no_torn_or_temp_file()
    {
        using var work = new TempDirectory("memento-fault-kill");
        var options = new FaultOptions
        {
            ServerDll = RepoPaths.ProjectDll("Memento.McpServer"),
            WorkDirectory = work.Path,
            Clients = 4,
            Users = 4,
            KillEvery = TimeSpan.FromSeconds(1),
            MinimumKills = 3,
            Writes = 200,
            // The run ends as soon as it has 200 acknowledged stores and 3 kills (seconds on an idle machine);
            // the duration and the deadline only bound a machine so loaded that it gets there slowly or hangs.
            Duration = TimeSpan.FromSeconds(120),
        };
        using var log = new TestOutputWriter();
        // The run disposes its replicas when cancelled, so a hang cannot leave processes behind.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(300));

        var report = await new KillFault(options, log).RunAsync(deadline.Token);

        Assert.True(report.Passed, report.ToText());
        Assert.Contains(report.Facts, f => f.Key == "kills (SIGKILL)" && int.Parse(f.Value, System.Globalization.CultureInfo.InvariantCulture) >= 3);
        Assert.Contains(report.Facts, f => f.Key == "stores acknowledged" && int.Parse(f.Value, System.Globalization.CultureInfo.InvariantCulture) >= 200);
    }
}

/// <summary>Sends the fault run's progress lines to the test's output, so a failure shows its timeline.</summary>
internal sealed class TestOutputWriter : StringWriter
{
    public override void WriteLine(string? value)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(value ?? "");
        base.WriteLine(value);
    }
}
