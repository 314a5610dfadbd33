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
/// proxy spreads connections over the replicas without affinity; the chat client reaches the server through
/// it by service discovery (<c>services__mcpserver__http__0</c>). Which replica served a request is read from
/// the <c>X-Memento-Replica</c> header of its response. Aspire's proxy has no ClientIP affinity, so the one
/// scenario that needs it runs against the process fixture only. Started once per test class; dispose stops
/// every resource and deletes the storage folder.
/// </summary>
public abstract class AppHostTopology(bool legacySse = false) : IMementoTopology, IAsyncLifetime
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
    // The header's replica name (OpenTelemetry service.instance.id) to the instance's resource id.
    private IReadOnlyDictionary<string, string> _replicaIds = new Dictionary<string, string>();

    public string Name => $"AppHost ({GetType().Name})";

    public Uri ServerAddress { get; private set; } = null!;

    public Uri? AffinityServerAddress => null;

    public Uri? ChatAddress { get; private set; }

    public bool LegacySseEnabled => legacySse;

    // Aspire's proxy picks a replica per connection, not per request.
    public bool BalancesEachRequest => false;

    public string StorageRoot => _storage.FullName;

    public IReadOnlyList<string> Replicas => _replicas;

    /// <summary>Each replica's OpenTelemetry <c>service.instance.id</c>, as its telemetry and its replica header name it.</summary>
    public IReadOnlyCollection<string> ReplicaInstanceIds => [.. _replicaIds.Keys];

    /// <summary>The started app, for tests that look at its resources directly.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not been started.");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Memento_AppHost>(
            [
                "Memento:Storage:Root=" + _storage.FullName,
                // An empty openai connection string keeps the chat client on its offline engine.
                "ConnectionStrings:openai=",
                "Memento:Http:EnableLegacySse=" + (legacySse ? "true" : ""),
            ],
            ct);
        await ConfigureAsync(appHost, ct);
        _app = await appHost.BuildAsync(ct).WaitAsync(StartTimeout, ct);
        await _app.StartAsync(ct).WaitAsync(StartTimeout, ct);

        await WaitForHealthyReplicasAsync(ct).WaitAsync(StartTimeout, ct);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(ChatResource, ct).WaitAsync(StartTimeout, ct);

        ServerAddress = _app.GetEndpoint(ServerResource, "http");
        ChatAddress = _app.GetEndpoint(ChatResource, "http");
    }

    /// <summary>Changes the AppHost's model before it is built (e.g. where its resources send telemetry).</summary>
    protected virtual ValueTask ConfigureAsync(IDistributedApplicationTestingBuilder appHost, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Releases what <see cref="ConfigureAsync"/> started, after the app has stopped.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    /// <summary>Each replica is its own resource instance (its own resource id) under the <c>mcpserver</c> resource.</summary>
    public async Task<int> WaitForHealthyReplicasAsync(CancellationToken cancellationToken)
    {
        var healthy = new HashSet<string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name != ServerResource)
            {
                continue;
            }

            if (InstanceId(update.Snapshot) is { } instance)
            {
                names[instance] = update.ResourceId;
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
        _replicaIds = names;
        return healthy.Count;
    }

    // What the replica puts in its X-Memento-Replica header: the service.instance.id Aspire gives each instance.
    private static string? InstanceId(CustomResourceSnapshot snapshot) =>
        snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "OTEL_RESOURCE_ATTRIBUTES")?.Value?
            .Split(',', StringSplitOptions.TrimEntries)
            .Select(a => a.Split('=', 2, StringSplitOptions.TrimEntries))
            .FirstOrDefault(a => a is ["service.instance.id", { Length: > 0 }])?[1];

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

    public IReadOnlyDictionary<string, int>? RequestsByReplica(Uri balancerAddress)
    {
        var replies = MementoMcp.RepliesByReplica(balancerAddress);
        var unknown = replies.Keys.Where(name => !_replicaIds.ContainsKey(name)).ToList();
        Assert.True(unknown.Count == 0, $"Replies came from replicas the AppHost does not know: {string.Join(", ", unknown)}.");
        return _replicas.ToDictionary(
            id => id,
            id => replies.Where(r => _replicaIds[r.Key] == id).Sum(r => r.Value),
            StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await DisposeCoreAsync();
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

/// <summary>The AppHost with legacy SSE switched on; Aspire's proxy has no affinity, so only the failure without it runs here.</summary>
public sealed class AppHostLegacySseTopology() : AppHostTopology(legacySse: true);
