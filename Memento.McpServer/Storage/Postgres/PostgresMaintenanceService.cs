using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// Applies the schema migrations at start (retrying while the database is not reachable yet), then
/// periodically purges the trash. Every replica runs it; the migrations serialise themselves.
/// </summary>
internal sealed partial class PostgresMaintenanceService(
    PostgresMemoryStore store,
    IOptions<StorageOptions> options,
    ILogger<PostgresMaintenanceService> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await store.EnsureSchemaAsync(stoppingToken);
                LogReady(store.Vectors == PostgresSchema.VectorKind.PgVector ? "pgvector" : "real[]", store.HybridSearch ? "full text + embeddings" : "full text");
                break;
            }
            catch (StorageUnavailableException e)
            {
                LogMaintenanceFailed("schema migration", delay.TotalSeconds, e);
                if (!await DelayAsync(delay, stoppingToken))
                {
                    return;
                }

                delay = Backoff.Next(delay, TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, _time);
        do
        {
            try
            {
                await store.PurgeTrashAsync(stoppingToken);
            }
            catch (NpgsqlException e)
            {
                LogMaintenanceFailed("trash purge", options.Value.MaintenanceInterval.TotalSeconds, e);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, _time, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memento storage: PostgreSQL, schema up to date (vectors: {Vectors}, ranking: {Ranking})")]
    private partial void LogReady(string vectors, string ranking);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage maintenance ({Task}) failed; it runs again in {Seconds:F0} s")]
    private partial void LogMaintenanceFailed(string task, double seconds, Exception exception);
}

/// <summary>Ready only once this replica has brought the schema up to date (the database's own reachability is Aspire's check).</summary>
internal sealed class PostgresSchemaHealthCheck(PostgresMemoryStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.SchemaReady
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The storage schema is not up to date yet (migrations pending or the database unreachable)."));
}
