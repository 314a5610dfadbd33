using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Auth;

/// <summary>
/// Without authentication, anyone who reaches the port reads every user's memories; so in <c>None</c>
/// mode the server stops at start-up when it listens beyond loopback, unless
/// <c>Memento:Auth:AllowAnonymousNetwork</c> says that is intended (then it warns).
/// </summary>
internal sealed partial class ListenAddressGuard(IServer server, IOptions<AuthOptions> auth, ILogger<ListenAddressGuard> logger)
    : AnonymousNetworkGuard(server)
{
    protected override bool RequiresAuthentication => auth.Value.Mode != AuthMode.None;

    protected override bool AllowsAnonymousNetwork => auth.Value.AllowAnonymousNetwork;

    protected override string RefusalMessage(string addresses) =>
        $"Memento:Auth:Mode is None but the server listens on {addresses}, beyond loopback. " +
        "Set Memento:Auth:Mode to ApiKey or Jwt, listen on 127.0.0.1, or set Memento:Auth:AllowAnonymousNetwork=true to accept that anyone who can reach the port can read every user's memories.";

    protected override void WarnAnonymousNetwork(string addresses) => LogAnonymousNetwork(addresses);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Authentication is off (Memento:Auth:Mode=None) and the server listens on {Addresses}: anyone who can reach it can read and change every user's memories.")]
    private partial void LogAnonymousNetwork(string addresses);
}
