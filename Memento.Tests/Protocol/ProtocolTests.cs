using System.Net;
using System.Text;
using System.Text.Json;
using Memento.Tests.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace Memento.Tests.Protocol;

public sealed class ProtocolTests
{
    private static readonly string[] ToolNames =
    [
        "store_memory", "retrieve_memories", "get_memory_content", "update_memory",
        "delete_memory", "list_memories", "get_user_stats", "list_users", "list_trash", "restore_memory",
    ];

    [Theory]
    [InlineData("2024-11-05")]
    [InlineData("2025-03-26")]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task Initialize_negotiates_the_protocol_version_the_client_asks_for(string version)
    {
        await using var server = McpServerHost.Start();

        await using var client = await server.ConnectAsync(protocolVersion: version);

        Assert.Equal(version, client.NegotiatedProtocolVersion);
        Assert.Equal("memento", client.ServerInfo?.Name);
        Assert.NotNull(client.ServerCapabilities.Tools);
        Assert.NotNull(client.ServerCapabilities.Resources);
    }

    [Fact]
    public async Task Initialize_with_an_unknown_version_gets_the_latest_handshake_version()
    {
        await using var server = McpServerHost.Start();
        using var http = server.CreateHttpClient();

        var body = await PostJsonAsync(http, """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
            """);

        Assert.Equal("2025-11-25", body.GetProperty("result").GetProperty("protocolVersion").GetString());
    }

    [Fact]
    public async Task Ping_answers_on_the_handshake_protocol()
    {
        await using var server = McpServerHost.Start();

        // 2026-07-28 dropped ping along with the handshake; it belongs to the initialize-handshake revisions.
        await using var client = await server.ConnectAsync(protocolVersion: "2025-11-25");

        await client.PingAsync(cancellationToken: TestContext.Current.CancellationToken).AsTask().WaitAsync(McpServerHost.Timeout, TestContext.Current.CancellationToken);

        Assert.False(string.IsNullOrEmpty(client.NegotiatedProtocolVersion));
    }

    [Fact]
    public async Task Tools_list_offers_every_tool_with_descriptions_annotations_and_output_schemas()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ToolNames.Order(), tools.Select(t => t.Name).Order());
        foreach (var tool in tools.Select(t => t.ProtocolTool))
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            Assert.False(string.IsNullOrWhiteSpace(tool.Title), tool.Name);
            Assert.NotNull(tool.Annotations);
            Assert.False(tool.Annotations!.OpenWorldHint, tool.Name);
            Assert.NotNull(tool.OutputSchema);
            foreach (var property in tool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(property.Value.TryGetProperty("description", out var description) && description.GetString()!.Length > 10,
                    $"{tool.Name}.{property.Name} has no useful description");
            }
        }

        var byName = tools.ToDictionary(t => t.Name, t => t.ProtocolTool.Annotations!);
        Assert.True(byName["retrieve_memories"].ReadOnlyHint);
        Assert.True(byName["list_memories"].ReadOnlyHint);
        Assert.True(byName["get_memory_content"].ReadOnlyHint);
        Assert.False(byName["store_memory"].ReadOnlyHint);
        Assert.False(byName["store_memory"].DestructiveHint);
        Assert.True(byName["delete_memory"].DestructiveHint);
        Assert.True(byName["update_memory"].DestructiveHint);
        Assert.True(byName["list_trash"].ReadOnlyHint);
        Assert.False(byName["restore_memory"].ReadOnlyHint);
        Assert.False(byName["restore_memory"].DestructiveHint);
        Assert.True(byName["restore_memory"].IdempotentHint);
        var storeArgs = tools.Single(t => t.Name == "store_memory").ProtocolTool.InputSchema;
        Assert.Equal(["content"], storeArgs.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(storeArgs.GetProperty("properties").TryGetProperty("user", out _), "local mode offers the user argument");
    }

    [Fact]
    public async Task Resources_templates_and_prompts_are_listed()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var templates = await client.ListResourceTemplatesAsync(cancellationToken: TestContext.Current.CancellationToken);
        var prompts = await client.ListPromptsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(templates, t => t.UriTemplate == "memento://memories/{id}");
        Assert.Contains(prompts, p => p.Name == "summarise_week");
        var prompt = await client.GetPromptAsync("summarise_week", new Dictionary<string, object?> { ["days"] = 7 },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("list_memories", JsonSerializer.Serialize(prompt.Messages));
    }

    [Theory]
    [InlineData("summarise_week", "days", 99, "between 1 and 31")]
    [InlineData("recall", "topic", " ", "must not be empty")]
    public async Task A_prompt_argument_out_of_range_is_an_invalid_params_error(string name, string argument, object value, string message)
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await client.GetPromptAsync(name, new Dictionary<string, object?> { [argument] = value },
                cancellationToken: TestContext.Current.CancellationToken));

        // -32602, as the MCP specification asks for invalid prompt arguments; not -32603, an internal error.
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task Reading_an_unknown_resource_is_a_json_rpc_error()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await client.ReadResourceAsync("memento://memories/01NOSUCHMEMORY", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("No memory", error.Message);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", "truncated JSON")]
    [InlineData("this is not json", "not JSON")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"no/such/method\",\"params\":{}}", "unknown method")]
    [InlineData("[]", "empty batch")]
    public async Task Malformed_json_rpc_gets_a_json_rpc_error_not_a_500_page(string payload, string what)
    {
        await using var server = McpServerHost.Start();
        using var http = server.CreateHttpClient();

        using var request = NewPost(payload);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)response.StatusCode < 500, $"{what}: {(int)response.StatusCode} {text}");
        Assert.Contains("\"error\"", text);
        Assert.Contains("\"code\"", text);
        Assert.DoesNotContain("   at ", text);
    }

    internal static HttpRequestMessage NewPost(string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }

    internal static async Task<JsonElement> PostJsonAsync(HttpClient http, string payload)
    {
        using var request = NewPost(payload);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var json = text.TrimStart().StartsWith('{')
            ? text
            : string.Join("", text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..]));
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
