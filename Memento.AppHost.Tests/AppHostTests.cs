using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Memento.AppHost.Tests;

/// <summary>What F5 promises beyond the scenarios: a clear error for a taken port, and health per replica.</summary>
public sealed class AppHostTests(AppHostHealthTopology topology) : IClassFixture<AppHostHealthTopology>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_port_that_is_taken_stops_the_AppHost_with_a_clear_error()
    {
        // Arrange: something else already listens where the dashboard is told to.
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        using var storage = new TempDirectory("memento-apphost-port");
        var start = new ProcessStartInfo("dotnet", [RepoPaths.ProjectDll("Memento.AppHost")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{port}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["Memento__Storage__Root"] = storage.Path;

        // Act
        using var appHost = Process.Start(start)!;
        var stderr = appHost.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = appHost.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await appHost.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }

        // Assert
        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains($"error: Port {port} (ASPNETCORE_URLS=http://localhost:{port}) is already in use by another process", await stderr);
        Assert.DoesNotContain("Distributed application started", await stdout);
    }

    [Fact]
    public async Task Each_replica_reports_its_own_health_so_a_hung_one_is_unhealthy_while_the_other_stays_healthy()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(2, await topology.WaitForHealthyReplicasAsync(ct).WaitAsync(Timeout, ct));
        var (victim, survivor) = (topology.Replicas[0], topology.Replicas[1]);
        var processes = await topology.ProcessTreeAsync(victim, ct);

        // Act: the victim stops answering (as a replica stuck on a hung share does) but does not exit.
        await SignalAsync(processes, "STOP");
        ResourceEvent hung;
        try
        {
            hung = await topology.App.ResourceNotifications.WaitForResourceAsync(
                "mcpserver", e => e.ResourceId == victim && IsReadiness(e.Snapshot, HealthStatus.Unhealthy), ct).WaitAsync(Timeout, ct);
        }
        finally
        {
            await SignalAsync(processes, "CONT");
        }

        var other = await topology.App.ResourceNotifications.WaitForResourceAsync("mcpserver", e => e.ResourceId == survivor, ct).WaitAsync(Timeout, ct);
        var recovered = await topology.App.ResourceNotifications.WaitForResourceAsync(
            "mcpserver", e => e.ResourceId == victim && e.Snapshot.HealthStatus == HealthStatus.Healthy, ct).WaitAsync(Timeout, ct);

        // Assert
        var readiness = Assert.Single(hung.Snapshot.HealthReports, r => r.Name == ReplicaHealth.ReadinessReport);
        Assert.Equal(HealthStatus.Unhealthy, readiness.Status);
        Assert.Contains("/health did not answer", readiness.Description);
        Assert.Equal(HealthStatus.Healthy, other.Snapshot.HealthStatus);
        Assert.Equal(HealthStatus.Healthy, Assert.Single(other.Snapshot.HealthReports, r => r.Name == ReplicaHealth.ReadinessReport).Status);
        Assert.Equal(KnownResourceStates.Running, recovered.Snapshot.State?.Text);
    }

    // The readiness report alone: liveness has its own period and may fail first, which also makes the replica's overall status unhealthy.
    private static bool IsReadiness(CustomResourceSnapshot snapshot, HealthStatus status) =>
        snapshot.HealthReports.Any(r => r.Name == ReplicaHealth.ReadinessReport && r.Status == status);

    private static async Task SignalAsync(IEnumerable<int> processes, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", .. processes.Select(p => p.ToString(CultureInfo.InvariantCulture))]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}

/// <summary>An AppHost of its own for the test that freezes a replica.</summary>
public sealed class AppHostHealthTopology : AppHostTopology
{
    /// <summary>The replica's process and every process under it (Aspire starts a project through <c>dotnet run</c>).</summary>
    public async Task<IReadOnlyList<int>> ProcessTreeAsync(string replica, CancellationToken cancellationToken)
    {
        var running = await App.ResourceNotifications.WaitForResourceAsync(
            "mcpserver", e => e.ResourceId == replica && e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), cancellationToken);
        var root = Convert.ToInt32(running.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{tree[i]}/task"))
            {
                var children = File.Exists(Path.Combine(task, "children")) ? File.ReadAllText(Path.Combine(task, "children")) : "";
                tree.AddRange(children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
            }
        }

        return tree;
    }
}
