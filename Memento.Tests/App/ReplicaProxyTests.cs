using Memento.Tests.App.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Memento.Tests.App;

/// <summary>The proxy on its own, in front of two tiny backends that answer with their name.</summary>
public sealed class ReplicaProxyTests
{
    [Fact]
    public async Task Round_robin_sends_consecutive_requests_to_different_replicas()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = await Backend.StartAsync("replica-0", ct);
        await using var b = await Backend.StartAsync("replica-1", ct);
        await using var proxy = await ReplicaProxy.StartAsync(Destinations(a, b), Balancing.RoundRobin, ct);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await http.GetStringAsync("/who", ct));
        }

        Assert.All(answers.Zip(answers.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
        Assert.Equal(3, proxy.RequestsByReplica["replica-0"]);
        Assert.Equal(3, proxy.RequestsByReplica["replica-1"]);
    }

    [Fact]
    public async Task ClientIP_affinity_sends_every_request_from_one_client_to_one_replica()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = await Backend.StartAsync("replica-0", ct);
        await using var b = await Backend.StartAsync("replica-1", ct);
        await using var proxy = await ReplicaProxy.StartAsync(Destinations(a, b), Balancing.ClientIp, ct);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var answers = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await http.GetStringAsync("/who", ct));
        }

        Assert.Single(answers);
    }

    [Fact]
    public async Task A_dead_replica_leaves_rotation_and_the_survivor_takes_every_request()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await Backend.StartAsync("replica-0", ct);
        await using var b = await Backend.StartAsync("replica-1", ct);
        await using var proxy = await ReplicaProxy.StartAsync(Destinations(a, b), Balancing.RoundRobin, ct);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        await a.DisposeAsync();
        await proxy.WaitUntilOutOfRotationAsync("replica-0", ReplicaProxy.ProbeInterval * 20, ct);
        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await http.GetStringAsync("/who", ct));
        }

        Assert.All(answers, answer => Assert.Equal("replica-1", answer));
        Assert.True(proxy.IsInRotation("replica-1"));
    }

    private static Dictionary<string, Uri> Destinations(params Backend[] backends) =>
        backends.ToDictionary(b => b.Name, b => b.Address);

    private sealed class Backend(string name, WebApplication app) : IAsyncDisposable
    {
        public string Name => name;

        public Uri Address { get; } = new(app.Urls.First());

        public static async Task<Backend> StartAsync(string name, CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.MapGet("/who", () => name);
            app.MapGet("/health", () => Results.Ok());
            await app.StartAsync(cancellationToken);
            return new Backend(name, app);
        }

        public async ValueTask DisposeAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await app.StopAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
            }

            await app.DisposeAsync();
        }
    }
}
