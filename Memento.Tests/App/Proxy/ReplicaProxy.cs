using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Memento.Tests.App.Proxy;

/// <summary>How the proxy spreads requests over the replicas.</summary>
public enum Balancing
{
    /// <summary>Each request goes to the next replica in turn: a Kubernetes Service without affinity.</summary>
    RoundRobin,

    /// <summary>Every request from one client address goes to one replica: <c>sessionAffinity: ClientIP</c>.</summary>
    ClientIp,
}

/// <summary>
/// A YARP reverse proxy on a loopback port in front of the server replicas, playing the part of the
/// Kubernetes Service. Like a Service with readiness probes it takes a replica out of rotation when its
/// <c>/health</c> stops answering (YARP active health checks), and it counts which replica served each
/// request so tests can see the routing they rely on.
/// </summary>
public sealed class ReplicaProxy : IAsyncDisposable
{
    /// <summary>How often the proxy probes each replica's <c>/health</c>, like a readiness probe's period.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);

    private const string ClusterId = "mcpserver";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _requests;

    private ReplicaProxy(WebApplication app, Uri baseAddress, ConcurrentDictionary<string, int> requests)
    {
        _app = app;
        BaseAddress = baseAddress;
        _requests = requests;
    }

    public Uri BaseAddress { get; }

    /// <summary>How many proxied requests each replica has served so far, by replica name.</summary>
    public IReadOnlyDictionary<string, int> RequestsByReplica => new Dictionary<string, int>(_requests);

    /// <summary>Starts a proxy over <paramref name="replicas"/> (name → base address) on 127.0.0.1 with a port the OS picks.</summary>
    public static async Task<ReplicaProxy> StartAsync(IReadOnlyDictionary<string, Uri> replicas, Balancing balancing, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = balancing == Balancing.ClientIp ? ClientIpAffinityPolicy.PolicyName : LoadBalancingPolicies.RoundRobin,
            Destinations = replicas.ToDictionary(r => r.Key, r => new DestinationConfig { Address = r.Value.ToString() }),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = ProbeInterval,
                    Timeout = TimeSpan.FromSeconds(5),
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = "/health",
                },
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyAndUnknown,
            },
            HttpRequest = new ForwarderRequestConfig
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            },
        };
        var route = new RouteConfig { RouteId = "all", ClusterId = ClusterId, Match = new RouteMatch { Path = "{**catch-all}" } };

        builder.Services.AddSingleton<ILoadBalancingPolicy, ClientIpAffinityPolicy>();
        builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);

        var app = builder.Build();
        var requests = new ConcurrentDictionary<string, int>(replicas.Keys.Select(k => KeyValuePair.Create(k, 0)));
        app.MapReverseProxy(pipeline =>
        {
            pipeline.Use(async (context, next) =>
            {
                await next();
                if (context.GetReverseProxyFeature().ProxiedDestination is { } destination)
                {
                    requests.AddOrUpdate(destination.DestinationId, 1, (_, n) => n + 1);
                }
            });
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
        });

        await app.StartAsync(cancellationToken);
        return new ReplicaProxy(app, new Uri(app.Urls.First()), requests);
    }

    /// <summary>True while the proxy still routes requests to <paramref name="replica"/>.</summary>
    public bool IsInRotation(string replica)
    {
        var lookup = _app.Services.GetRequiredService<IProxyStateLookup>();
        return lookup.TryGetCluster(ClusterId, out var cluster)
            && cluster.DestinationsState.AvailableDestinations.Any(d => d.DestinationId == replica);
    }

    /// <summary>Waits until the health probes have taken <paramref name="replica"/> out of rotation.</summary>
    public async Task WaitUntilOutOfRotationAsync(string replica, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (IsInRotation(replica))
        {
            try
            {
                await timer.WaitForNextTickAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The proxy still routes to {replica} after {timeout}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
