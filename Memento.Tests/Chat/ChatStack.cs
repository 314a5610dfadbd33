using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Chat;

/// <summary>What one chat turn streamed back: the events in order, and views on them.</summary>
public sealed record ChatTurn(IReadOnlyList<JsonObject> Events)
{
    public string Text => string.Concat(Events.Where(e => Kind(e) == "text").Select(e => (string?)e["text"]));

    public IReadOnlyList<JsonObject> ToolCalls => [.. Events.Where(e => Kind(e) == "tool-call")];

    public IReadOnlyList<JsonObject> ToolResults => [.. Events.Where(e => Kind(e) == "tool-result")];

    public IReadOnlyList<string> Errors => [.. Events.Where(e => Kind(e) == "error").Select(e => (string)e["text"]!)];

    public override string ToString() => string.Join('\n', Events.Select(e => e.ToJsonString()));

    private static string? Kind(JsonObject e) => (string?)e["kind"];
}

/// <summary>
/// The real Memento server and the real chat client, both started as processes from their build output
/// on loopback ports the OS picks; the client finds the server through <c>services__mcpserver__http__0</c>
/// as under the AppHost. Storage lives in a temporary folder.
/// </summary>
public sealed class ChatStack : IAsyncDisposable
{
    public static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(60);

    private readonly IDictionary<string, string?> _serverEnvironment;

    private ChatStack(TempDirectory storage, ServiceProcess server, ServiceProcess chat, IDictionary<string, string?> serverEnvironment)
    {
        Storage = storage;
        Server = server;
        Chat = chat;
        _serverEnvironment = serverEnvironment;
        Http = new HttpClient { BaseAddress = chat.BaseAddress, Timeout = TurnTimeout };
    }

    public TempDirectory Storage { get; }

    public ServiceProcess Server { get; private set; }

    public ServiceProcess Chat { get; }

    public HttpClient Http { get; }

    /// <summary>No model settings from the machine leak in: without <paramref name="chatEnvironment"/> the client runs offline.</summary>
    public static IDictionary<string, string?> CleanModelEnvironment() => new Dictionary<string, string?>
    {
        ["ConnectionStrings__openai"] = null,
        ["AZURE_OPENAI_ENDPOINT"] = null,
        ["AZURE_OPENAI_API_KEY"] = null,
        ["AZURE_OPENAI_DEPLOYMENT"] = null,
        ["MCP_SERVER_HOSTNAME"] = null,
        ["MCP_SERVER_PORT"] = null,
        ["Memento__Chat__TimeZone"] = "UTC",
    };

    public static async Task<ChatStack> StartAsync(IDictionary<string, string?>? chatEnvironment = null, IDictionary<string, string?>? serverSettings = null)
    {
        var storage = new TempDirectory("memento-chat");
        var serverEnvironment = new Dictionary<string, string?>(serverSettings ?? new Dictionary<string, string?>()) { ["Memento__Storage__Root"] = storage.Path };
        ServiceProcess? server = null;
        try
        {
            server = await ServiceProcess.StartAsync("Memento.McpServer", serverEnvironment);
            var environment = CleanModelEnvironment();
            environment["services__mcpserver__http__0"] = server.BaseAddress.GetLeftPart(UriPartial.Authority);
            foreach (var (key, value) in chatEnvironment ?? new Dictionary<string, string?>())
            {
                environment[key] = value;
            }

            var chat = await ServiceProcess.StartAsync("Memento.ChatClient", environment);
            return new ChatStack(storage, server, chat, serverEnvironment);
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            storage.Dispose();
            throw;
        }
    }

    /// <summary>Kills the server and starts it again on the same address and storage.</summary>
    public async Task RestartServerAsync()
    {
        var address = Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        await Server.DisposeAsync();
        Server = await ServiceProcess.StartAsync("Memento.McpServer", _serverEnvironment, ["--urls", address]);
    }

    /// <summary>Kills the server (it stays down until <see cref="RestartServerAsync"/>).</summary>
    public Task StopServerAsync() => Server.KillAsync();

    /// <summary>Posts a message to the page's chat API and reads the streamed events to the end.</summary>
    public async Task<ChatTurn> SendAsync(string conversation, string message)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TurnTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { conversationId = conversation, message }),
        };
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = new List<JsonObject>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token), Encoding.UTF8);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
            else if (line.Length == 0 && data.Length > 0)
            {
                events.Add((JsonObject)JsonNode.Parse(data.ToString())!);
                data.Clear();
            }
        }

        Assert.Equal("done", (string?)events.LastOrDefault()?["kind"]);
        return new ChatTurn(events);
    }

    /// <summary>The Markdown files the server wrote for <paramref name="user"/>.</summary>
    public IReadOnlyList<string> MemoryFiles(string user = "default")
    {
        var folder = Path.Combine(Storage.Path, user);
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.md", SearchOption.TopDirectoryOnly)] : [];
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Chat.DisposeAsync();
        await Server.DisposeAsync();
        Storage.Dispose();
    }
}
