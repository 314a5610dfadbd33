using Memento.LoadTest.Client;

namespace Memento.LoadTest.Faults;

/// <summary>
/// A client that knows every replica and, when the one it talks to fails at the transport level
/// (connection refused or reset, a response cut short, no answer in time), moves to the next and
/// retries the same call. Tool errors are answers, not failures of a replica, and are not retried.
/// </summary>
public sealed class FailoverClient(IReadOnlyList<Uri> endpoints, string userHeader, TimeSpan attemptTimeout, int start = 0) : IAsyncDisposable
{
    private MementoClient? _client;
    private int _current = start % endpoints.Count;

    /// <summary>Transport failures this client absorbed by moving to another replica.</summary>
    public int Failovers { get; private set; }

    public async Task<T> CallAsync<T>(Func<MementoClient, CancellationToken, Task<T>> call, TimeSpan budget, CancellationToken cancellationToken)
    {
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(budget);
        Exception? last = null;
        while (true)
        {
            if (overall.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"No replica answered within {budget.TotalSeconds:0} s; last failure: {last?.GetType().Name}: {last?.Message}", last);
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
            attempt.CancelAfter(attemptTimeout);
            try
            {
                _client ??= await MementoClient.ConnectAsync(endpoints[_current], userHeader, attempt.Token);
                return await call(_client, attempt.Token);
            }
            catch (ToolCallException)
            {
                throw;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                last = e;
                Failovers++;
                await DropAsync();
                _current = (_current + 1) % endpoints.Count;
                try
                {
                    // Both replicas can be down for a moment (one killed, the other still starting).
                    await Task.Delay(50, overall.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync() => await DropAsync();

    private async Task DropAsync()
    {
        if (_client is not null)
        {
            try
            {
                await _client.DisposeAsync();
            }
            catch (Exception)
            {
                // The replica behind it may be dead; nothing to close politely.
            }

            _client = null;
        }
    }
}
