using System.Collections.Concurrent;
using ModelContextProtocol.Client;

namespace Memento.Tests.App.Scenarios;

/// <summary>
/// One replica dies mid-run, as a pod does when its node goes away. The load balancer stops routing to
/// it once its health probe fails; until then a request can still land on the dead replica, so the
/// writers retry like any resilient client (storing identical content again is idempotent, so a retry
/// of a write that did land cannot duplicate it). Every write the service acknowledged must survive.
/// </summary>
public abstract class FailoverScenarios(IMementoTopology topology)
{
    private const int Writers = 4;
    private const int WritesPerWriter = 15;
    private const int KillAfterAcknowledged = 16;
    private const int MaxAttempts = 8;

    [Fact]
    public async Task Killing_one_replica_mid_run_loses_no_acknowledged_write_and_the_survivor_keeps_serving()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(2, await topology.WaitForHealthyReplicasAsync(ct).WaitAsync(TimeSpan.FromSeconds(90), ct));
        var user = MementoMcp.NewUser("failover");
        var run = Guid.NewGuid().ToString("N")[..6];
        var acknowledged = new ConcurrentDictionary<string, string>();
        var retries = 0;
        var enoughWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var victim = topology.Replicas[0];

        async Task Writer(int writer)
        {
            McpClient? client = null;
            try
            {
                for (var i = 0; i < WritesPerWriter; i++)
                {
                    var content = $"Failover note {i} from writer {writer} in run {run}.";
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            client ??= await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct);
                            var id = await MementoMcp.StoreAsync(client, content, null, ["failover"], ct);
                            Assert.True(
                                acknowledged.TryAdd(id, content) || acknowledged[id] == content,
                                $"The id {id} was acknowledged for two different contents.");
                            break;
                        }
                        catch (Exception e) when (e is not ToolCallFailedException && !ct.IsCancellationRequested && attempt < MaxAttempts)
                        {
                            Interlocked.Increment(ref retries);
                            if (client is not null)
                            {
                                await client.DisposeAsync();
                                client = null;
                            }

                            // Back off a little: the balancer needs one probe period to notice the dead replica.
                            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct);
                        }
                    }

                    if (acknowledged.Count >= KillAfterAcknowledged)
                    {
                        enoughWritten.TrySetResult();
                    }
                }
            }
            finally
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var writers = Task.WhenAll(Enumerable.Range(0, Writers).Select(Writer));
        await Task.WhenAny(enoughWritten.Task, writers).WaitAsync(TimeSpan.FromSeconds(60), ct);
        var acknowledgedBeforeKill = acknowledged.Count;
        var killedAt = clock.Elapsed;
        await topology.KillReplicaAsync(victim, ct);
        await writers.WaitAsync(TimeSpan.FromSeconds(90), ct);
        var writersDoneAt = clock.Elapsed;
        await topology.WaitUntilOutOfRotationAsync(victim, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        var outOfRotationAt = clock.Elapsed;

        // The survivor alone now answers every call, first time, through the same address.
        await using var reader = await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct);
        var listed = await MementoMcp.ListAllAsync(reader, ct);
        var contents = new Dictionary<string, string>();
        foreach (var id in acknowledged.Keys)
        {
            contents[id] = await MementoMcp.GetContentAsync(reader, id, ct);
        }

        var onDisk = await topology.StoredIdsAsync(user, ct);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{topology.Name}: {acknowledged.Count} writes acknowledged ({acknowledgedBeforeKill} before the kill at {killedAt.TotalSeconds:0.0} s), " +
            $"{retries} retried attempts; writers done at {writersDoneAt.TotalSeconds:0.0} s, {victim} out of rotation at {outOfRotationAt.TotalSeconds:0.0} s.");

        Assert.True(acknowledgedBeforeKill < Writers * WritesPerWriter, "The replica died only after the run; nothing was written across the kill.");
        Assert.Equal(Writers * WritesPerWriter, acknowledged.Count);
        Assert.All(acknowledged, pair => Assert.Equal(pair.Value, contents[pair.Key]));
        Assert.Equal(acknowledged.Keys.Order(), listed.Order());
        Assert.Equal(acknowledged.Keys.Order(), onDisk.Order());
    }
}
