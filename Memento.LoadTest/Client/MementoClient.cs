using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Memento.LoadTest.Client;

/// <summary>
/// One MCP client (the SDK's <see cref="McpClient"/> over Streamable HTTP) speaking to one server.
/// The user goes in a request header set per call, so one client can act for many users, as a
/// shared gateway would; the server is stateless, so nothing ties a user to a connection.
/// </summary>
public sealed class MementoClient : IAsyncDisposable
{
    private readonly McpClient _client;
    private readonly UserHeaderHandler _users;

    private MementoClient(McpClient client, UserHeaderHandler users, Uri endpoint)
    {
        _client = client;
        _users = users;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>
    /// The protocol revision the load test speaks. 2026-07-28 dropped <c>ping</c>, the floor every
    /// figure is compared with, so the benchmark pins the latest revision that still has it.
    /// </summary>
    public const string DefaultProtocolVersion = "2025-11-25";

    public static async Task<MementoClient> ConnectAsync(Uri endpoint, string userHeader, CancellationToken cancellationToken, string protocolVersion = DefaultProtocolVersion)
    {
        var users = new UserHeaderHandler(userHeader)
        {
            InnerHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) },
        };
        var http = new HttpClient(users) { Timeout = Timeout.InfiniteTimeSpan };
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                EnableStandaloneGetStream = false,
                Name = "memento-loadtest",
            },
            http,
            ownsHttpClient: true);
        try
        {
            var client = await McpClient.CreateAsync(
                transport,
                new McpClientOptions
                {
                    ClientInfo = new Implementation { Name = "memento-loadtest", Version = "1.0" },
                    InitializationTimeout = TimeSpan.FromSeconds(20),
                    ProtocolVersion = protocolVersion,
                },
                cancellationToken: cancellationToken);
            return new MementoClient(client, users, endpoint);
        }
        catch
        {
            await transport.DisposeAsync();
            throw;
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken) =>
        await _client.PingAsync(cancellationToken: cancellationToken);

    /// <summary>Calls <c>store_memory</c> and returns the new (or existing identical) memory's id.</summary>
    public async Task<string> StoreAsync(string user, string content, string? title, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, object?> { ["content"] = content };
        if (title is not null)
        {
            arguments["title"] = title;
        }

        if (tags is { Count: > 0 })
        {
            arguments["tags"] = tags;
        }

        var result = await CallAsync(user, "store_memory", arguments, cancellationToken);
        return ToolResults.FindId(result)
            ?? throw new ToolCallException("store_memory", "the result names no memory id: " + ToolResults.Describe(result));
    }

    /// <summary>Calls <c>retrieve_memories</c> and returns the ids of the hits, best first.</summary>
    public async Task<IReadOnlyList<string>> RetrieveAsync(string user, string query, int limit, CancellationToken cancellationToken)
    {
        var result = await CallAsync(user, "retrieve_memories", new Dictionary<string, object?> { ["query"] = query, ["limit"] = limit }, cancellationToken);
        return ToolResults.FindHitIds(result);
    }

    /// <summary>Calls <c>get_memory_content</c> and returns the memory's content.</summary>
    public async Task<string> GetContentAsync(string user, string id, CancellationToken cancellationToken)
    {
        var result = await CallAsync(user, "get_memory_content", new Dictionary<string, object?> { ["memory_id"] = id }, cancellationToken);
        return ToolResults.FindContent(result)
            ?? throw new ToolCallException("get_memory_content", "the result holds no content: " + ToolResults.Describe(result));
    }

    private async Task<CallToolResult> CallAsync(string user, string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        using var _ = _users.ActAs(user);
        var result = await _client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);
        if (result.IsError == true)
        {
            throw new ToolCallException(tool, ToolResults.Text(result));
        }

        return result;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}

/// <summary>A tool answered with an error result (<c>isError: true</c>); the message is the tool's own text.</summary>
public sealed class ToolCallException(string tool, string message) : Exception($"{tool}: {message}")
{
    public string Tool { get; } = tool;

    public string ToolMessage { get; } = message;
}

/// <summary>Sets the user header on every request made while <see cref="ActAs"/> is in effect.</summary>
internal sealed class UserHeaderHandler(string headerName) : DelegatingHandler
{
    private readonly AsyncLocal<string?> _user = new();

    public IDisposable ActAs(string user)
    {
        var previous = _user.Value;
        _user.Value = user;
        return new Restore(this, previous);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_user.Value is { } user)
        {
            request.Headers.Remove(headerName);
            request.Headers.Add(headerName, user);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private sealed class Restore(UserHeaderHandler owner, string? previous) : IDisposable
    {
        public void Dispose() => owner._user.Value = previous;
    }
}

/// <summary>Reads the parts of a tool result the load test needs, preferring structured content.</summary>
internal static class ToolResults
{
    public static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static string Describe(CallToolResult result)
    {
        var text = Structured(result) is { } s ? s.GetRawText() : Text(result);
        return text.Length > 300 ? text[..300] + "..." : text;
    }

    public static string? FindId(CallToolResult result) =>
        Structured(result) is { } s ? FindString(s, "id", "memory_id", "memoryId") : null;

    public static string? FindContent(CallToolResult result) =>
        Structured(result) is { } s && FindString(s, "content") is { } content ? content : NullIfEmpty(Text(result));

    public static IReadOnlyList<string> FindHitIds(CallToolResult result)
    {
        if (Structured(result) is not { } s)
        {
            return [];
        }

        var array = FindArray(s);
        if (array is null)
        {
            return [];
        }

        var ids = new List<string>();
        foreach (var item in array.Value.EnumerateArray())
        {
            if (FindString(item, "id", "memory_id", "memoryId") is { } id)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private static JsonElement? Structured(CallToolResult result) =>
        result.StructuredContent is { } content ? JsonSerializer.SerializeToElement(content) : null;

    // The first array of objects, breadth first: "results", "hits", "items" or "memories" alike.
    private static JsonElement? FindArray(JsonElement element)
    {
        var queue = new Queue<JsonElement>([element]);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (current.ValueKind == JsonValueKind.Array)
            {
                return current;
            }

            if (current.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in current.EnumerateObject())
                {
                    queue.Enqueue(property.Value);
                }
            }
        }

        return null;
    }

    // The nearest string property with one of the names, breadth first.
    private static string? FindString(JsonElement element, params string[] names)
    {
        var queue = new Queue<JsonElement>([element]);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (current.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var property in current.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String && names.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                {
                    return property.Value.GetString();
                }
            }

            foreach (var property in current.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    queue.Enqueue(property.Value);
                }
            }
        }

        return null;
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrEmpty(text) ? null : text;
}
