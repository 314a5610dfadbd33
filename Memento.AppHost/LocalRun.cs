using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Memento.AppHost;

/// <summary>What a local run (F5) needs from the developer's machine: a storage folder and free ports.</summary>
public static class LocalRun
{
    /// <summary>
    /// The folder every server replica stores memories in: <c>Memento:Storage:Root</c> when set, else the
    /// standalone server's own default (the OS's local application data folder, <c>~/.local/share/memento</c>
    /// on Linux), so F5 and <c>dotnet run --project Memento.McpServer</c> see the same memories and no run
    /// writes into the work tree.
    /// </summary>
    public static string StorageRoot(IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["Memento:Storage:Root"] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured, builder.AppHostDirectory);
        }

        // The same rule as StorageOptions.ResolveRoot in Memento.McpServer.
        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return string.IsNullOrEmpty(local)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".memento")
            : Path.Combine(local, "memento");
    }

    // Where the dashboard's address is pinned (launch profile or environment); Aspire's proxy binds it.
    // Not the OTLP settings: with the dashboard off they name a collector that is meant to be listening,
    // and not the resource service's, which the AppHost binds itself and reports clearly when it cannot.
    private static readonly string[] AddressSettings = ["ASPNETCORE_URLS"];

    /// <summary>
    /// Prints the storage folder at start, and refuses to start when a port the run is told to use (the
    /// dashboard's, any endpoint given a fixed port) is already taken: Aspire would
    /// otherwise start a proxy that cannot bind, and the address it prints would silently never answer.
    /// </summary>
    /// <exception cref="PortInUseException">A fixed port is in use; the message names it and what to do.</exception>
    public static void CheckLocalRun(this IDistributedApplicationBuilder builder, string storageRoot)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        foreach (var setting in AddressSettings)
        {
            foreach (var url in (builder.Configuration[setting] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                    && uri.Port > 0 && IsTaken(uri.Port))
                {
                    throw new PortInUseException(
                        $"Port {uri.Port} ({setting}={url}) is already in use by another process. Stop that process, " +
                        $"or unset {setting} to let Aspire pick a free port.");
                }
            }
        }

        foreach (var resource in builder.Resources)
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.Port is > 0 && IsTaken(e.Port.Value)))
            {
                throw new PortInUseException(
                    $"Port {endpoint.Port} ({resource.Name}, endpoint '{endpoint.Name}') is already in use by another process. " +
                    "Stop that process, or give the endpoint no fixed port so that Aspire picks a free one.");
            }
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            started.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Memento.AppHost")
                .LogInformation("Memento storage folder (shared by every mcpserver replica): {StorageRoot}", storageRoot);
            return Task.CompletedTask;
        });
    }

    private static bool IsTaken(int port)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return true;
            }
            catch (SocketException)
            {
                // No such address family on this machine (e.g. IPv6 off): nothing can be listening there.
            }
        }

        return false;
    }
}

/// <summary>A port the AppHost needs is taken; the message says which and what to do.</summary>
public sealed class PortInUseException(string message) : Exception(message);
