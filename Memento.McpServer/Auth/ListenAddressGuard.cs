using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Auth;

/// <summary>
/// Without authentication, anyone who reaches the port reads every user's memories; so in <c>None</c>
/// mode the server stops at start-up when it listens beyond loopback, unless
/// <c>Memento:Auth:AllowAnonymousNetwork</c> says that is intended (then it warns).
/// </summary>
internal sealed partial class ListenAddressGuard(IServer server, IOptions<AuthOptions> auth, ILogger<ListenAddressGuard> logger)
    : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (auth.Value.Mode != AuthMode.None)
        {
            return Task.CompletedTask;
        }

        var exposed = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Where(a => !ListenAddress.IsLoopback(a)).ToList();
        if (exposed.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (!auth.Value.AllowAnonymousNetwork)
        {
            throw new InvalidOperationException(
                $"Memento:Auth:Mode is None but the server listens on {string.Join(", ", exposed)}, beyond loopback. " +
                "Set Memento:Auth:Mode to ApiKey or Jwt, listen on 127.0.0.1, or set Memento:Auth:AllowAnonymousNetwork=true to accept that anyone who can reach the port can read every user's memories.");
        }

        LogAnonymousNetwork(string.Join(", ", exposed));
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Authentication is off (Memento:Auth:Mode=None) and the server listens on {Addresses}: anyone who can reach it can read and change every user's memories.")]
    private partial void LogAnonymousNetwork(string addresses);
}
