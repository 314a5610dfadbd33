using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Memento.Tests.App.Scenarios;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Memento.AppHost.Tests;

/// <summary>
/// The real AppHost under <c>Aspire.Hosting.Testing</c>, seen through the same <see cref="IMementoTopology"/>
/// the process fixture implements. The server address is Aspire's own endpoint for <c>mcpserver</c>, whose
/// proxy spreads requests over the replicas without affinity; the chat client reaches the server through
/// it by service discovery (<c>services__mcpserver__http__0</c>). Aspire's proxy has no ClientIP affinity and
/// the AppHost serves no legacy SSE, so those scenarios are skipped here and run against the process fixture.
/// Started once per test class; dispose stops every resource.
/// </summary>
public abstract class AppHostTopology : IMementoTopology, IAsyncLifetime
{
    private const string ServerResource = "mcpserver";
    private const string ChatResource = "chat";
    private const int ExpectedReplicas = 2;

    // KnownProperties.Executable.Pid in Aspire.Hosting: the process id of an executable or project instance.
    private const string PidProperty = "executable.pid";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly DirectoryInfo _storage = Directory.CreateTempSubdirectory("memento-apphost");
    private DistributedApplication? _app;
    private IReadOnlyList<string> _replicas = [];

    public string Name => $"AppHost ({GetType().Name})";

    public Uri ServerAddress { get; private set; } = null!;

    public Uri? AffinityServerAddress => null;

    public Uri? ChatAddress { get; private set; }

    public bool LegacySseEnabled => false;

    public string StorageRoot => _storage.FullName;

    public IReadOnlyList<string> Replicas => _replicas;

    private DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not been started.");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Memento_AppHost>(
            // An empty openai connection string keeps the chat client on its offline engine.
            ["Memento:Storage:Root=" + _storage.FullName, "ConnectionStrings:openai="], ct);
        _app = await appHost.BuildAsync(ct).WaitAsync(StartTimeout, ct);
        await _app.StartAsync(ct).WaitAsync(StartTimeout, ct);

        await WaitForHealthyReplicasAsync(ct).WaitAsync(StartTimeout, ct);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(ChatResource, ct).WaitAsync(StartTimeout, ct);

        ServerAddress = _app.GetEndpoint(ServerResource, "http");
        ChatAddress = _app.GetEndpoint(ChatResource, "http");
    }

    /// <summary>Each replica is its own resource instance (its own resource id) under the <c>mcpserver</c> resource.</summary>
    public async Task<int> WaitForHealthyReplicasAsync(CancellationToken cancellationToken)
    {
        var healthy = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name != ServerResource)
            {
                continue;
            }

            if (update.Snapshot.HealthStatus == HealthStatus.Healthy)
            {
                healthy.Add(update.ResourceId);
            }
            else
            {
                healthy.Remove(update.ResourceId);
            }

            if (healthy.Count == ExpectedReplicas)
            {
                break;
            }
        }

        _replicas = [.. healthy.Order(StringComparer.Ordinal)];
        return healthy.Count;
    }

    /// <summary>Kills the replica's process tree outright (its pid from the resource snapshot), as a node failure would.</summary>
    public async Task KillReplicaAsync(string replica, CancellationToken cancellationToken)
    {
        // The watch replays each instance's latest snapshot first, so this returns at once for a running replica.
        var running = await App.ResourceNotifications.WaitForResourceAsync(
            ServerResource,
            update => update.ResourceId == replica && update.Snapshot.Properties.Any(p => p.Name == PidProperty && p.Value is not null),
            cancellationToken);
        var pid = running.Snapshot.Properties.First(p => p.Name == PidProperty).Value;
        using var process = Process.GetProcessById(Convert.ToInt32(pid, CultureInfo.InvariantCulture));
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>
    /// The closest signal Aspire exposes: the orchestrator has seen the instance exit. Its proxy's routing
    /// table is not observable, which is why the scenario's writers retry.
    /// </summary>
    public async Task WaitUntilOutOfRotationAsync(string replica, CancellationToken cancellationToken) =>
        await App.ResourceNotifications.WaitForResourceAsync(
            ServerResource,
            update => update.ResourceId == replica
                && (update.Snapshot.ExitCode is not null
                    || update.Snapshot.State?.Text == KnownResourceStates.Exited
                    || update.Snapshot.State?.Text == KnownResourceStates.Finished),
            cancellationToken);

    public IReadOnlyDictionary<string, int>? RequestsByReplica(Uri balancerAddress) => null;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        try
        {
            _storage.Delete(recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The AppHost for the replica and chat scenarios.</summary>
public sealed class AppHostAppTopology : AppHostTopology;

/// <summary>A separate AppHost for the scenario that kills a replica.</summary>
public sealed class AppHostFailoverTopology : AppHostTopology;

/// <summary>The AppHost for the legacy SSE scenarios, which it skips (no SSE, no affinity in Aspire's proxy).</summary>
public sealed class AppHostLegacySseTopology : AppHostTopology;
