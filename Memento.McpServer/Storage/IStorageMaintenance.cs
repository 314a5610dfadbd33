namespace Memento.McpServer.Storage;

/// <summary>
/// The background upkeep a provider needs, run by <see cref="StorageMaintenanceService"/>: warming up at
/// start, purging the trash after its retention period, removing what interrupted writes left behind.
/// Failures a provider expects (the storage unreachable for a while) are thrown as
/// <see cref="IOException"/> or <see cref="StorageUnavailableException"/>: the service logs them and tries again later.
/// </summary>
public interface IStorageMaintenance
{
    /// <summary>Where memories live and how they are searched, for the start-up log.</summary>
    string Description { get; }

    /// <summary>Prepares for the first requests (a provider with nothing to prepare returns at once).</summary>
    Task WarmUpAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes trashed memories older than the retention period; returns how many.</summary>
    Task<int> PurgeTrashAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes leftovers of interrupted writes; returns how many.</summary>
    Task<int> CleanUpAsync(CancellationToken cancellationToken = default);
}
