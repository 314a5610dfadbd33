namespace Memento.McpServer.Storage;

internal static class PeriodicTimerExtensions
{
    /// <summary>Waits for the next tick; false once the timer is disposed or <paramref name="stoppingToken"/> is cancelled.</summary>
    public static async Task<bool> NextTickAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
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
}
