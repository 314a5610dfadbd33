namespace Memento.Tests.App.Scenarios;

/// <summary>
/// The whole app as the scenarios see it: several server replicas sharing one storage root behind one
/// load-balanced address, and the chat client wired to that address. Implemented by real processes
/// behind an in-test reverse proxy (<c>Memento.Tests/App</c>) and by the Aspire AppHost
/// (<c>Memento.AppHost.Tests</c>); the scenarios are written once against this.
/// </summary>
public interface IMementoTopology
{
    /// <summary>Which implementation this is, for messages.</summary>
    string Name { get; }

    /// <summary>The load-balanced address of the server replicas without affinity (MCP at <c>/mcp</c>).</summary>
    Uri ServerAddress { get; }

    /// <summary>The same replicas behind ClientIP affinity, or null when this topology has no such route.</summary>
    Uri? AffinityServerAddress { get; }

    /// <summary>The chat client's base address, or null when this topology runs without it.</summary>
    Uri? ChatAddress { get; }

    /// <summary>True when the replicas serve the legacy HTTP+SSE transport.</summary>
    bool LegacySseEnabled { get; }

    /// <summary>
    /// True when the address without affinity sends consecutive requests to different replicas (round robin per
    /// request); false where the balancer picks a replica per connection, so two requests may meet by chance.
    /// </summary>
    bool BalancesEachRequest => true;

    /// <summary>The folder every replica stores memories in (with the file provider).</summary>
    string StorageRoot { get; }

    /// <summary>
    /// The ids of the user's live memories as the storage itself holds them, read beside the servers rather
    /// than through them: the files under <see cref="StorageRoot"/>, or the rows of the database.
    /// </summary>
    Task<IReadOnlyList<string>> StoredIdsAsync(string user, CancellationToken cancellationToken) =>
        Task.FromResult(MementoMcp.IdsOnDisk(StorageRoot, user));

    /// <summary>The replicas' names.</summary>
    IReadOnlyList<string> Replicas { get; }

    /// <summary>Waits until every replica reports healthy and returns how many did.</summary>
    Task<int> WaitForHealthyReplicasAsync(CancellationToken cancellationToken);

    /// <summary>Kills <paramref name="replica"/> abruptly (no graceful shutdown) and waits until it is gone.</summary>
    Task KillReplicaAsync(string replica, CancellationToken cancellationToken);

    /// <summary>Waits until the load balancer no longer routes to <paramref name="replica"/>.</summary>
    Task WaitUntilOutOfRotationAsync(string replica, CancellationToken cancellationToken);

    /// <summary>Requests each replica has served through <see cref="ServerAddress"/>, or null where routing cannot be observed.</summary>
    IReadOnlyDictionary<string, int>? RequestsByReplica(Uri balancerAddress);
}
