using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The rule both services follow at start-up: without authentication, a service listening beyond loopback
/// (by <see cref="ListenAddress.IsLoopback"/>) stops, unless its configuration says that is intended, and then it
/// warns. A service derives from this with its own settings and wording.
/// </summary>
public abstract class AnonymousNetworkGuard(IServer server) : IHostedLifecycleService
{
    /// <summary>True when callers must authenticate, so any listen address is fine.</summary>
    protected abstract bool RequiresAuthentication { get; }

    /// <summary>True when the configuration accepts anonymous callers from the network.</summary>
    protected abstract bool AllowsAnonymousNetwork { get; }

    /// <summary>Why the service does not start on <paramref name="addresses"/>, naming the settings that would let it.</summary>
    protected abstract string RefusalMessage(string addresses);

    /// <summary>Logs the warning that anonymous callers can reach <paramref name="addresses"/>.</summary>
    protected abstract void WarnAnonymousNetwork(string addresses);

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (RequiresAuthentication)
        {
            return Task.CompletedTask;
        }

        var exposed = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Where(a => !ListenAddress.IsLoopback(a)).ToList();
        if (exposed.Count == 0)
        {
            return Task.CompletedTask;
        }

        var addresses = string.Join(", ", exposed);
        if (!AllowsAnonymousNetwork)
        {
            throw new InvalidOperationException(RefusalMessage(addresses));
        }

        WarnAnonymousNetwork(addresses);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
