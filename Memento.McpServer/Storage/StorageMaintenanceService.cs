using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Storage;

/// <summary>
/// Logs where memories live, warms the index up from the files at start, and periodically purges the
/// trash and removes temporary files left by interrupted writes.
/// </summary>
internal sealed partial class StorageMaintenanceService(
    FileMemoryStore store,
    IOptions<StorageOptions> options,
    ILogger<StorageMaintenanceService> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LogRoot(store.Root, store.IndexDirectory ?? "memory", store.HybridSearch ? "BM25 + embeddings" : "BM25");
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var started = _time.GetTimestamp();
            await store.WarmUpAsync(stoppingToken);
            LogWarmedUp(_time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Requests refresh each user's index on demand; a failed warm-up only costs the first request time.
            LogMaintenanceFailed("index warm-up", e);
        }

        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, _time);
        do
        {
            try
            {
                store.CleanTempFiles();
                store.PurgeTrash();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogMaintenanceFailed("trash purge and temp-file cleanup", e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memento storage root: {Root} (search index: {Index}, ranking: {Ranking})")]
    private partial void LogRoot(string root, string index, string ranking);

    [LoggerMessage(Level = LogLevel.Information, Message = "Search index warmed up from the files in {Milliseconds:F0} ms")]
    private partial void LogWarmedUp(double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage maintenance ({Task}) failed; it runs again later")]
    private partial void LogMaintenanceFailed(string task, Exception exception);
}
