using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Storage;

/// <summary>
/// Logs where memories live, warms the provider up at start, and periodically purges the trash and
/// removes what interrupted writes left behind.
/// </summary>
internal sealed partial class StorageMaintenanceService(
    IStorageMaintenance storage,
    IOptions<StorageOptions> options,
    ILogger<StorageMaintenanceService> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LogStorage(storage.Description);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var started = _time.GetTimestamp();
            await storage.WarmUpAsync(stoppingToken);
            LogWarmedUp(_time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Requests refresh each user's index on demand; a failed warm-up only costs the first request time.
            LogMaintenanceFailed("warm-up", e);
        }

        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, _time);
        do
        {
            try
            {
                await storage.CleanUpAsync(stoppingToken);
                await storage.PurgeTrashAsync(stoppingToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageUnavailableException)
            {
                LogMaintenanceFailed("trash purge and temp-file cleanup", e);
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memento storage: {Description}")]
    private partial void LogStorage(string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage warmed up in {Milliseconds:F0} ms")]
    private partial void LogWarmedUp(double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage maintenance ({Task}) failed; it runs again later")]
    private partial void LogMaintenanceFailed(string task, Exception exception);
}
