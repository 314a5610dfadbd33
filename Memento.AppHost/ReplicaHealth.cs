using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

#pragma warning disable ASPIREPROBES001 // Probe annotations are experimental; they are the model's own words for what Kubernetes probes, and the AKS contract test reads them.

namespace Memento.AppHost;

/// <summary>
/// Readiness and liveness probes run against each replica's own port. Aspire's <c>WithHttpHealthCheck</c>
/// probes a replicated resource through its shared proxy and copies that one answer to every replica, so a
/// hung or broken replica could show healthy whenever the proxy happened to pick the other one. Here each
/// replica instance gets its own health reports, published on that instance alone, with the reason a probe
/// failed; the resource as a whole (what <c>WaitFor</c> waits on) is ready once any replica is.
/// </summary>
public static class ReplicaHealth
{
    /// <summary>The per-replica health report names, as the dashboard shows them.</summary>
    public const string ReadinessReport = "readiness";
    public const string LivenessReport = "liveness";

    /// <summary>
    /// Adds a readiness and a liveness HTTP probe on <paramref name="endpointName"/> (the same probes the
    /// Kubernetes Deployment declares) and runs them against every replica separately.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicaProbes(
        this IResourceBuilder<ProjectResource> builder, string readinessPath, string livenessPath, string endpointName = "http")
    {
        var endpoint = builder.GetEndpoint(endpointName);
        builder
            .WithAnnotation(new EndpointProbeAnnotation { Type = ProbeType.Readiness, EndpointReference = endpoint, Path = readinessPath, PeriodSeconds = 2, TimeoutSeconds = 3, FailureThreshold = 3, SuccessThreshold = 1 })
            .WithAnnotation(new EndpointProbeAnnotation { Type = ProbeType.Liveness, EndpointReference = endpoint, Path = livenessPath, PeriodSeconds = 5, TimeoutSeconds = 3, FailureThreshold = 3, SuccessThreshold = 1 });

        var anyReady = $"{builder.Resource.Name}-any-replica-ready";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            anyReady,
            services => new AnyReplicaReadyCheck(services.GetRequiredService<ReplicaProbeMonitor>(), builder.Resource.Name),
            failureStatus: null,
            tags: null));
        builder.WithHealthCheck(anyReady);

        builder.ApplicationBuilder.TryAddReplicaProbeMonitor();
        return builder;
    }

    private static void TryAddReplicaProbeMonitor(this IDistributedApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(ReplicaProbeMonitor)))
        {
            return;
        }

        builder.Services.AddSingleton<ReplicaProbeMonitor>();

        // Started with the orchestration rather than as a hosted service: the host starts its hosted services
        // one after another, and Aspire's own start (which waits on health for WaitFor) comes first.
        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            started.Services.GetRequiredService<ReplicaProbeMonitor>().Start();
            return Task.CompletedTask;
        });
    }

    private sealed class AnyReplicaReadyCheck(ReplicaProbeMonitor monitor, string resourceName) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(monitor.ReadyReplicas(resourceName) is > 0 and var ready
                ? HealthCheckResult.Healthy($"{ready} replica(s) ready")
                : HealthCheckResult.Unhealthy("no replica is ready yet"));
    }
}

/// <summary>Watches the replicas of every resource with probe annotations and probes each one on its own port.</summary>
internal sealed partial class ReplicaProbeMonitor(ResourceNotificationService notifications, ILogger<ReplicaProbeMonitor> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Probing> _probing = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _watching = Task.CompletedTask;

    // Each probe has its own timeout; no retries or other handlers: a probe reports what it saw.
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>How many replicas of <paramref name="resourceName"/> currently pass their readiness probe.</summary>
    public int ReadyReplicas(string resourceName) => _probing.Values.Count(p => p.ResourceName == resourceName && p.Ready);

    /// <summary>Starts watching the resources; disposing the monitor (with the app) stops every probe.</summary>
    public void Start() => _watching = Task.Run(() => WatchAsync(_stopping.Token));

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                if (update.Resource is not ProjectResource resource
                    || !resource.TryGetAnnotationsOfType<EndpointProbeAnnotation>(out var probes))
                {
                    continue;
                }

                var running = update.Snapshot.State?.Text == KnownResourceStates.Running;
                if (running && !_probing.ContainsKey(update.ResourceId) && ReplicaAddress(update.Snapshot) is { } address)
                {
                    var probing = new Probing(resource.Name, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken));
                    if (_probing.TryAdd(update.ResourceId, probing))
                    {
                        LogProbing(update.ResourceId, address);
                        var resourceId = update.ResourceId;
                        _ = Task.Run(
                            async () =>
                            {
                                try
                                {
                                    await ProbeAsync(resource, resourceId, address, [.. probes], probing);
                                }
                                catch (Exception e) when (!probing.Cancellation.IsCancellationRequested)
                                {
                                    LogProbingFailed(resourceId, e);
                                }
                            },
                            CancellationToken.None);
                    }
                }
                else if (KnownResourceStates.TerminalStates.Contains(update.Snapshot.State?.Text) && _probing.TryRemove(update.ResourceId, out var stopped))
                {
                    await stopped.Cancellation.CancelAsync();
                    stopped.Cancellation.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // The replica's own address: the URL Aspire told that instance to listen on (its target port, not the proxy's).
    private static Uri? ReplicaAddress(CustomResourceSnapshot snapshot)
    {
        var urls = snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "ASPNETCORE_URLS")?.Value;
        var http = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        return http is null ? null : new Uri(http.Replace("://+:", "://localhost:", StringComparison.Ordinal).Replace("://*:", "://localhost:", StringComparison.Ordinal));
    }

    private async Task ProbeAsync(ProjectResource resource, string resourceId, Uri address, EndpointProbeAnnotation[] probes, Probing probing)
    {
        var readiness = probes.FirstOrDefault(p => p.Type == ProbeType.Readiness);
        var liveness = probes.FirstOrDefault(p => p.Type == ProbeType.Liveness);

        // Not ready until the first readiness probe passes, as in Kubernetes.
        await PublishAsync(resource, resourceId, [Pending(ReplicaHealth.ReadinessReport, readiness), Pending(ReplicaHealth.LivenessReport, liveness)]);

        // Each probe on its own clock, as the kubelet runs them: a probe that waits out its timeout does not
        // delay the other one.
        await Task.WhenAll(
            readiness is null ? Task.CompletedTask : ProbeLoopAsync(resource, resourceId, address, readiness, ReplicaHealth.ReadinessReport, healthy => probing.Ready = healthy, () => probing.Ready, probing.Cancellation.Token),
            liveness is null ? Task.CompletedTask : ProbeLoopAsync(resource, resourceId, address, liveness, ReplicaHealth.LivenessReport, healthy => probing.Alive = healthy, () => probing.Alive, probing.Cancellation.Token));
    }

    private async Task ProbeLoopAsync(
        ProjectResource resource, string resourceId, Uri address, EndpointProbeAnnotation probe, string reportName,
        Action<bool> setHealthy, Func<bool> wasHealthy, CancellationToken ct)
    {
        var failures = 0;
        using var period = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds)));
        do
        {
            var (passed, detail) = await ProbeOnceAsync(_http, new Uri(address, probe.Path), TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds)), ct);
            if (ct.IsCancellationRequested)
            {
                return;
            }

            failures = passed ? 0 : failures + 1;
            var healthy = passed || (wasHealthy() && failures < Math.Max(1, probe.FailureThreshold));
            setHealthy(healthy);
            await PublishAsync(resource, resourceId, [new HealthReportSnapshot(reportName, healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy, detail, null) { LastRunAt = DateTime.UtcNow }]);
        }
        while (await WaitForNextAsync(period, ct));
    }

    private static async Task<bool> WaitForNextAsync(PeriodicTimer period, CancellationToken ct)
    {
        try
        {
            return await period.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<(bool Passed, string Detail)> ProbeOnceAsync(HttpClient http, Uri url, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(url, cts.Token);
            var body = (await response.Content.ReadAsStringAsync(cts.Token)).Trim();
            return ((int)response.StatusCode is >= 200 and < 400, $"GET {url} answered {(int)response.StatusCode}: {body}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"GET {url} did not answer within {timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            return (false, $"GET {url} failed: {e.Message}");
        }
    }

    private static HealthReportSnapshot Pending(string name, EndpointProbeAnnotation? probe) =>
        new(name, null, probe is null ? "no probe" : $"waiting for the first {probe.Path} probe", null);

    private async Task PublishAsync(ProjectResource resource, string resourceId, IReadOnlyList<HealthReportSnapshot> reports)
    {
        try
        {
            await notifications.PublishUpdateAsync(resource, resourceId, snapshot =>
                snapshot.WithHealthReports([.. snapshot.HealthReports.Where(r => reports.All(n => n.Name != r.Name)), .. reports]));
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The app is shutting down; the snapshot no longer matters.
            LogPublishFailed(resourceId, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var probing in _probing.Values)
        {
            await probing.Cancellation.CancelAsync();
        }

        _http.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Probing replica {ResourceId} at {Address}")]
    private partial void LogProbing(string resourceId, Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Probing replica {ResourceId} stopped")]
    private partial void LogProbingFailed(string resourceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Health of replica {ResourceId} not published: {Reason}")]
    private partial void LogPublishFailed(string resourceId, string reason);

    private sealed class Probing(string resourceName, CancellationTokenSource cancellation)
    {
        public string ResourceName { get; } = resourceName;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public volatile bool Ready;

        public volatile bool Alive;
    }
}
