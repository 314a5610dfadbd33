using ModelContextProtocol.Client;

namespace Memento.Tests.App.Scenarios;

/// <summary>
/// The legacy HTTP+SSE transport keeps its session in the memory of the replica that opened the
/// stream: the client GETs <c>/sse</c> from one replica and then POSTs every message to
/// <c>/message?sessionId=…</c>. Behind ClientIP affinity both land on the same replica and it works;
/// without affinity the POST reaches a replica that never saw the session, which answers 400 "Session ID
/// not found.", and the client fails. This is
/// the seed's "SSE connection lost" and the reason the Kubernetes Service keeps ClientIP affinity.
/// </summary>
public abstract class LegacySseScenarios(IMementoTopology topology)
{
    [Fact]
    public async Task Legacy_SSE_works_through_the_balancer_with_ClientIP_affinity()
    {
        var ct = TestContext.Current.CancellationToken;
        SkipUnlessLegacySseIsServed();
        if (topology.AffinityServerAddress is null)
        {
            Assert.Skip($"{topology.Name} has no ClientIP-affinity route to the replicas (Aspire's proxy balances without affinity); the process fixture runs this.");
        }

        var affinity = topology.AffinityServerAddress;

        var user = MementoMcp.NewUser("sse");
        var marker = "quokka" + Guid.NewGuid().ToString("N")[..8];
        var before = topology.RequestsByReplica(affinity);

        await using var client = await MementoMcp.ConnectAsync(affinity, user, ct, HttpTransportMode.Sse);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await MementoMcp.StoreAsync(client, $"Legacy client note {i}, code word {marker}.", null, ["sse"], ct));
        }

        var found = await MementoMcp.RetrieveAsync(client, marker, ct);
        var after = topology.RequestsByReplica(affinity);

        Assert.Equal(ids.Order(), found.Order());
        if (before is not null && after is not null)
        {
            var served = topology.Replicas.Where(r => after[r] > before[r]).ToList();
            Assert.Single(served);
        }
    }

    [Fact]
    public async Task Legacy_SSE_fails_without_affinity_because_messages_reach_a_replica_that_never_saw_the_session()
    {
        var ct = TestContext.Current.CancellationToken;
        SkipUnlessLegacySseIsServed();
        // A balancer that picks a replica per request sends the first client's messages away from its stream.
        // One that picks per connection (Aspire's proxy) does so by chance for each new client, whose stream and
        // messages travel on two connections: fresh clients are tried until one is split, each as its own user.
        var attempts = topology.BalancesEachRequest ? 1 : 16;
        Exception? failure = null;
        string? user = null;
        for (var attempt = 0; attempt < attempts && failure is null; attempt++)
        {
            user = MementoMcp.NewUser("sse-rr");
            try
            {
                await using var client = await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct, HttpTransportMode.Sse);
                for (var i = 0; i < 4; i++)
                {
                    await MementoMcp.StoreAsync(client, $"Legacy client note {i} without affinity.", null, null, ct);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                failure = e;
            }
        }

        Assert.True(failure is not null, $"{attempts} legacy SSE client(s) without affinity all worked: every stream and its messages reached the same replica.");
        TestContext.Current.TestOutputHelper?.WriteLine($"{topology.Name}: legacy SSE without affinity failed with {failure.GetType().Name}: {failure.Message}");
        // The replica that receives the POST has never seen the session the stream on the other one opened.
        Assert.Contains("Session ID not found", failure.Message);
        Assert.Empty(await topology.StoredIdsAsync(user!, ct));
    }

    private void SkipUnlessLegacySseIsServed()
    {
        if (!topology.LegacySseEnabled)
        {
            Assert.Skip($"{topology.Name} serves no legacy SSE.");
        }
    }
}
