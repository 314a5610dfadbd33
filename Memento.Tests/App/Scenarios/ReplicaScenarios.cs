using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Memento.Tests.App.Scenarios;

/// <summary>
/// The replicas behind one load-balanced address, as users reach them: healthy, read-your-writes
/// through whichever replica answers, and many concurrent clients losing and duplicating nothing.
/// </summary>
public abstract class ReplicaScenarios(IMementoTopology topology)
{
    private const int MaxReadRounds = 16;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Both_replicas_are_healthy_and_the_balancer_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = topology.ServerAddress, Timeout = TimeSpan.FromSeconds(10) };

        var healthy = await topology.WaitForHealthyReplicasAsync(ct).WaitAsync(StartTimeout, ct);
        var throughBalancer = await http.GetAsync("/health", ct);

        Assert.Equal(2, topology.Replicas.Count);
        Assert.Equal(2, healthy);
        Assert.Equal(HttpStatusCode.OK, throughBalancer.StatusCode);
    }

    [Fact]
    public async Task A_memory_stored_through_the_balancer_is_found_on_the_next_calls_whichever_replica_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = MementoMcp.NewUser("ryw");
        var marker = "zephyr" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct);
        var content = $"Budget review for the Kubernetes migration, code word {marker}.";

        var id = await MementoMcp.StoreAsync(client, content, "Budget review", ["budget", "kubernetes"], ct);
        var before = topology.RequestsByReplica(topology.ServerAddress);
        var searches = new List<IReadOnlyList<string>>();
        var contents = new List<string>();
        var after = before;

        // Each round reads through a new client, so a new connection: a balancer that spreads connections
        // (Aspire's proxy, a Kubernetes Service) spreads these as well as one that spreads requests (the test
        // proxy). At least four rounds; more, up to a bound, only until every replica has served two calls.
        for (var round = 0; round < 4 || (round < MaxReadRounds && !EveryReplicaServed(before, after, 2)); round++)
        {
            await using var reader = await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct);
            searches.Add(await MementoMcp.RetrieveAsync(reader, $"kubernetes budget review {marker}", ct));
            contents.Add(await MementoMcp.GetContentAsync(reader, id, ct));
            after = topology.RequestsByReplica(topology.ServerAddress);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{topology.Name}: {searches.Count} read rounds; served by replica: {string.Join(", ", topology.Replicas.Select(r => $"{r}={Served(before, after, r)}"))}.");
        Assert.All(searches, found => Assert.Contains(id, found));
        Assert.All(contents, found => Assert.Equal(content, found));
        if (before is not null && after is not null)
        {
            // Without this the test could pass with every call landing on the replica that wrote.
            Assert.All(topology.Replicas, replica => Assert.True(
                after[replica] - before[replica] >= 2,
                $"{replica} served {after[replica] - before[replica]} of the calls in {searches.Count} read rounds; the balancer did not spread them."));
        }
    }

    private bool EveryReplicaServed(IReadOnlyDictionary<string, int>? before, IReadOnlyDictionary<string, int>? after, int calls) =>
        before is null || after is null || topology.Replicas.All(r => Served(before, after, r) >= calls);

    private static int Served(IReadOnlyDictionary<string, int>? before, IReadOnlyDictionary<string, int>? after, string replica) =>
        before is null || after is null ? 0 : after[replica] - before[replica];

    [Fact]
    public async Task Two_hundred_mixed_calls_from_eight_concurrent_clients_all_succeed_and_lose_or_duplicate_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Clients = 8;
        const int CallsPerClient = 25;
        var user = MementoMcp.NewUser("load");
        var run = Guid.NewGuid().ToString("N")[..6];
        var stored = new ConcurrentDictionary<string, string>();
        var calls = 0;

        async Task Worker(int worker)
        {
            await using var client = await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct);
            var marker = $"w{worker}x{run}";
            string? last = null;
            for (var call = 0; call < CallsPerClient; call++)
            {
                switch (call % 5)
                {
                    case 0 or 1:
                        var content = $"Note {call} from worker {worker}, marker {marker}.";
                        last = await MementoMcp.StoreAsync(client, content, null, ["load", $"worker-{worker}"], ct);
                        Assert.True(stored.TryAdd(last, content), $"The id {last} was handed out twice.");
                        break;
                    case 2:
                        Assert.Contains(last!, await MementoMcp.RetrieveAsync(client, marker, ct, limit: 50));
                        break;
                    case 3:
                        Assert.Equal(stored[last!], await MementoMcp.GetContentAsync(client, last!, ct));
                        break;
                    default:
                        var (page, _) = await MementoMcp.ListPageAsync(client, 5, null, ct);
                        Assert.NotEmpty(page);
                        break;
                }

                Interlocked.Increment(ref calls);
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(Worker)).WaitAsync(TimeSpan.FromSeconds(90), ct);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{topology.Name}: {calls} calls from {Clients} clients in {clock.Elapsed.TotalSeconds:0.0} s ({calls / clock.Elapsed.TotalSeconds:0} calls/s); " +
            $"served by replica: {string.Join(", ", topology.RequestsByReplica(topology.ServerAddress)?.Select(p => $"{p.Key}={p.Value}") ?? ["not observable"])}.");
        await using var reader = await MementoMcp.ConnectAsync(topology.ServerAddress, user, ct);
        var listed = await MementoMcp.ListAllAsync(reader, ct);
        var onDisk = await topology.StoredIdsAsync(user, ct);

        Assert.Equal(Clients * CallsPerClient, calls);
        Assert.Equal(Clients * 10, stored.Count);
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(stored.Keys.Order(), listed.Order());
        Assert.Equal(stored.Keys.Order(), onDisk.Order());
    }

    [Fact]
    public async Task The_chat_client_answers_through_the_balancer_with_its_offline_engine()
    {
        var ct = TestContext.Current.CancellationToken;
        if (topology.ChatAddress is null)
        {
            Assert.Skip($"{topology.Name} runs without the chat client.");
        }

        using var chat = new HttpClient { BaseAddress = topology.ChatAddress, Timeout = ChatWeb.AnswerTimeout };
        var marker = "pangolin" + Guid.NewGuid().ToString("N")[..8];

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var info = await chat.GetFromJsonAsync<JsonElement>("/api/info", ct);
        var stored = await ChatWeb.SendAsync(chat, $"remember that the quarterly budget review moved to Thursday, code word {marker}", ct);
        var storedAt = clock.Elapsed;
        var found = await ChatWeb.SendAsync(chat, $"search for {marker}", ct);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{topology.Name}: chat stored in {storedAt.TotalSeconds:0.0} s, answered the search after {clock.Elapsed.TotalSeconds:0.0} s: {ChatWeb.Said(found)}");
        await using var direct = await MementoMcp.ConnectAsync(topology.ServerAddress, info.GetProperty("user").GetString()!, ct);
        var hits = await MementoMcp.RetrieveAsync(direct, marker, ct);

        var server = new Uri(info.GetProperty("server").GetString()!);
        Assert.Equal("offline", info.GetProperty("providerKind").GetString());
        Assert.Equal(topology.ServerAddress.Port, server.Port);
        Assert.Equal(MementoMcp.McpPath, server.AbsolutePath);
        Assert.Contains(stored, e => e is { Kind: "tool-call", Tool: "store_memory" });
        Assert.Contains(found, e => e is { Kind: "tool-call", Tool: "retrieve_memories" });
        Assert.DoesNotContain(stored.Concat(found), e => e.IsError);
        var id = Assert.Single(hits);
        Assert.Contains(id, ChatWeb.Said(stored));
        Assert.Contains(marker, ChatWeb.Said(found));
    }
}
