using System.Text.Json;
using Memento.ChatClient.Agent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Memento.ChatClient.Mcp;

/// <summary>
/// The one MCP connection to the Memento server, opened on first use. When a call fails because the
/// server went away (a restart, a new replica), the connection is dropped and opened again and the call
/// is tried once more; conversations live in the agent, so nothing of them is lost.
/// </summary>
public sealed class MementoServerConnection(
    ServerAddress address,
    IHttpClientFactory httpClientFactory,
    IOptions<ChatClientOptions> options,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    /// <summary>The named HttpClient the MCP transport uses (its resilience settings are in <see cref="ChatServiceCollectionExtensions"/>).</summary>
    public const string HttpClientName = "memento-mcp";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger = loggerFactory.CreateLogger<MementoServerConnection>();
    private McpClient? _client;
    private IReadOnlyList<McpClientTool> _tools = [];

    public ServerAddress Address { get; } = address;

    /// <summary>The server's tools as functions a chat client can call; each call goes through this connection.</summary>
    public async Task<IReadOnlyList<AIFunction>> GetToolsAsync(CancellationToken cancellationToken)
    {
        var (_, tools) = await EnsureConnectedAsync(cancellationToken);
        return [.. tools.Select(tool => new ServerTool(this, tool))];
    }

    /// <summary>
    /// Calls a tool by name. Returns what <see cref="McpClientTool"/> returns (the <see cref="CallToolResult"/>
    /// as JSON when it has structured content or is an error, otherwise its content); when the server cannot
    /// be reached even after reconnecting, an error result whose text says so in plain words.
    /// </summary>
    public async Task<object?> InvokeToolAsync(string name, IEnumerable<KeyValuePair<string, object?>> arguments, CancellationToken cancellationToken)
    {
        var args = new AIFunctionArguments(arguments.ToDictionary(p => p.Key, p => p.Value));
        Exception? failure = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            McpClient client;
            IReadOnlyList<McpClientTool> tools;
            try
            {
                (client, tools) = await EnsureConnectedAsync(cancellationToken);
            }
            catch (ServerUnavailableException ex)
            {
                return ErrorResult(ex.Message);
            }

            var tool = tools.FirstOrDefault(t => t.Name == name);
            if (tool is null)
            {
                return ErrorResult($"The Memento server has no tool named '{name}'.");
            }

            try
            {
                return await tool.InvokeAsync(args, cancellationToken);
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
            {
                failure = ex;
                _logger.LogInformation("Call to {Tool} failed ({Reason}); reconnecting to {Endpoint}.", name, ex.Message, Address.Endpoint);
                await ResetAsync(client);
            }
            catch (McpProtocolException ex)
            {
                return ErrorResult($"The Memento server refused the call to {name}: {ex.Message}");
            }
        }

        return ErrorResult($"I could not reach the Memento server at {Address.Endpoint}: {Plain(failure)}.");
    }

    private async Task<(McpClient Client, IReadOnlyList<McpClientTool> Tools)> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { } ready)
        {
            return (ready, _tools);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_client is not null)
            {
                return (_client, _tools);
            }

            var settings = options.Value;
            // With credentials the server takes the user from them and refuses a header naming anyone else.
            var signedIn = !string.IsNullOrWhiteSpace(settings.ApiKey) || !string.IsNullOrWhiteSpace(settings.AccessToken) || !string.IsNullOrWhiteSpace(settings.ServerScope);
            var headers = signedIn ? new Dictionary<string, string>() : new Dictionary<string, string> { ["X-Memento-User"] = settings.User };

            var transport = new HttpClientTransport(
                new HttpClientTransportOptions
                {
                    Endpoint = Address.Endpoint,
                    Name = "memento",
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = headers,
                    ConnectionTimeout = TimeSpan.FromSeconds(30),
                },
                httpClientFactory.CreateClient(HttpClientName),
                loggerFactory,
                ownsHttpClient: true);

            McpClient? client = null;
            try
            {
                client = await McpClient.CreateAsync(
                    transport,
                    new McpClientOptions
                    {
                        ClientInfo = new Implementation { Name = "memento-chat", Version = typeof(MementoServerConnection).Assembly.GetName().Version?.ToString() ?? "1.0" },
                        InitializationTimeout = TimeSpan.FromSeconds(30),
                    },
                    loggerFactory,
                    cancellationToken);
                var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
                _tools = [.. tools];
                Volatile.Write(ref _client, client);
                _logger.LogInformation("Connected to the Memento server at {Endpoint} ({Count} tools).", Address.Endpoint, _tools.Count);
                return (client, _tools);
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken) || ex is McpException)
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }

                throw new ServerUnavailableException($"I could not reach the Memento server at {Address.Endpoint}: {Plain(ex)}.", ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ResetAsync(McpClient failed)
    {
        await _gate.WaitAsync();
        try
        {
            if (ReferenceEquals(_client, failed))
            {
                _client = null;
                _tools = [];
            }
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await failed.DisposeAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "Disposing the failed MCP client threw.");
        }
    }

    private static bool IsConnectionFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        McpProtocolException => false,
        HttpRequestException or IOException or TimeoutException or ObjectDisposedException or McpException => true,
        _ => ex.InnerException is not null && IsConnectionFailure(ex.InnerException, cancellationToken),
    };

    private static string Plain(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return "nothing is listening there (connection refused)";
            }

            if (e is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
            {
                return "the TLS handshake failed; if its certificate comes from a private CA, set Memento:Chat:ServerCertificate to that CA's PEM file";
            }

            if (e is HttpRequestException { StatusCode: System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden } refused)
            {
                return $"it refused the credentials (HTTP {(int)refused.StatusCode!}); check Memento:Chat:ApiKey, AccessToken or ServerScope";
            }

            if (e is HttpRequestException { StatusCode: { } status })
            {
                return $"it answered HTTP {(int)status} {status}";
            }

            if (e is TimeoutException or OperationCanceledException)
            {
                return "it did not answer in time";
            }
        }

        return ex?.Message.TrimEnd('.') ?? "unknown error";
    }

    /// <summary>A tool result that tells the model, and the user, what went wrong.</summary>
    internal static JsonElement ErrorResult(string message) => JsonSerializer.SerializeToElement(
        new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = message }] },
        McpJsonUtilities.DefaultOptions);

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        _gate.Dispose();
    }

    /// <summary>One of the server's tools, called through the connection so that a reconnect is transparent.</summary>
    private sealed class ServerTool(MementoServerConnection connection, McpClientTool tool) : AIFunction
    {
        public override string Name => tool.Name;

        public override string Description => tool.Description;

        public override JsonElement JsonSchema => tool.JsonSchema;

        public override JsonElement? ReturnJsonSchema => tool.ReturnJsonSchema;

        public override IReadOnlyDictionary<string, object?> AdditionalProperties => tool.AdditionalProperties;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            await connection.InvokeToolAsync(Name, arguments, cancellationToken);
    }
}

/// <summary>The Memento server cannot be reached; the message says where and why in plain words.</summary>
public sealed class ServerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
