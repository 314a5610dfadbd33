using System.Net.Http.Headers;
using Memento.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.Client;

namespace Memento.Tests.Tools;

/// <summary>
/// The real server (<c>Program</c>) on Kestrel at a loopback port the OS picks, with its own settings
/// and storage root, and real MCP clients connected to it over HTTP.
/// </summary>
public sealed class McpServerHost : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly WebApplicationFactory<Program> _factory;
    private readonly TempDirectory? _ownedStorage;

    private McpServerHost(WebApplicationFactory<Program> factory, string storageRoot, TempDirectory? ownedStorage)
    {
        _factory = factory;
        StorageRoot = storageRoot;
        _ownedStorage = ownedStorage;
    }

    public string StorageRoot { get; }

    public required Uri BaseAddress { get; init; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts a server; <paramref name="storageRoot"/> shares a folder with another instance, else a fresh one is used;
    /// <paramref name="services"/> adds to the server's services (a log collector, a test-only tool).
    /// </summary>
    public static McpServerHost Start(IDictionary<string, string?>? settings = null, string? storageRoot = null, Action<IServiceCollection>? services = null)
    {
        var owned = storageRoot is null ? new TempDirectory("memento-mcp") : null;
        var root = storageRoot ?? owned!.Path;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("urls", "http://127.0.0.1:0");
            web.UseSetting("Memento:Storage:Root", root);
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                web.UseSetting(key, value);
            }

            if (services is not null)
            {
                web.ConfigureServices(services);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new McpServerHost(factory, root, owned) { BaseAddress = new Uri(addresses.First()) };
    }

    /// <summary>A plain HttpClient to the server, for requests where the HTTP exchange itself is under test.</summary>
    public HttpClient CreateHttpClient(string? bearer = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    /// <summary>Connects the SDK's MCP client over Streamable HTTP (or legacy SSE).</summary>
    public Task<McpClient> ConnectAsync(
        string? user = null,
        string? bearer = null,
        HttpTransportMode mode = HttpTransportMode.StreamableHttp,
        string path = "/mcp",
        string? protocolVersion = null) =>
        ConnectAsync(new Uri(BaseAddress, path), user, bearer, mode, protocolVersion);

    public static async Task<McpClient> ConnectAsync(
        Uri endpoint,
        string? user = null,
        string? bearer = null,
        HttpTransportMode mode = HttpTransportMode.StreamableHttp,
        string? protocolVersion = null)
    {
        var headers = new Dictionary<string, string>();
        if (user is not null)
        {
            headers["X-Memento-User"] = user;
        }

        if (bearer is not null)
        {
            headers["Authorization"] = "Bearer " + bearer;
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = mode,
            AdditionalHeaders = headers,
        });
        return await McpClient.CreateAsync(
            transport,
            new McpClientOptions { ProtocolVersion = protocolVersion },
            cancellationToken: TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    public T GetRequiredService<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    /// <summary>Waits until the background worker has made or loaded every memory vector asked for so far.</summary>
    public Task WhenVectorsReadyAsync() =>
        GetRequiredService<Memento.McpServer.Storage.FileMemoryStore>().Embeddings
            .WhenVectorsReadyAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        _ownedStorage?.Dispose();
    }
}
