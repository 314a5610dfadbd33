using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;
using Memento.Tests.Tools;
using ModelContextProtocol.Client;

namespace Memento.Tests.Protocol;

/// <summary>The same tools over each transport: legacy SSE, stdio with the built server, and Streamable HTTP across two replicas.</summary>
public sealed class TransportTests
{
    [Fact]
    public async Task Legacy_sse_serves_every_tool_at_sse_and_message_when_enabled()
    {
        await using var server = McpServerHost.Start(new Dictionary<string, string?> { ["Memento:Http:EnableLegacySse"] = "true" });

        await using var client = await server.ConnectAsync(user: "sse-user", mode: HttpTransportMode.Sse, path: "/sse");
        await ExerciseEveryToolAsync(client);

        await using var streamable = await server.ConnectAsync(user: "sse-user");
        var listed = await streamable.CallOkAsync("list_memories");
        Assert.Single(listed.GetProperty("memories").EnumerateArray());
    }

    [Fact]
    public async Task Legacy_sse_is_off_by_default()
    {
        await using var server = McpServerHost.Start();
        using var http = server.CreateHttpClient();

        using var response = await http.GetAsync("/sse", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Stdio_serves_every_tool_from_the_built_server_and_logs_only_to_stderr()
    {
        using var storage = new TempDirectory();
        var stderr = new ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [RepoPaths.ProjectDll("Memento.McpServer"), "--stdio"],
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["Memento__Storage__Root"] = storage.Path,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
                ["DOTNET_ENVIRONMENT"] = "Production",
            },
            StandardErrorLines = stderr.Enqueue,
        });

        string id;
        await using (var client = await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken))
        {
            id = await ExerciseEveryToolAsync(client);
        }

        // Any stray stdout line would have broken the protocol above; the logs went to stderr instead.
        Assert.Contains(stderr, line => line.Contains(storage.Path, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(storage.Path, "default", id + ".md")));
    }

    [Fact]
    public async Task Stdio_answers_a_request_of_the_wrong_shape_with_invalid_params_and_the_message_http_gives()
    {
        using var storage = new TempDirectory();
        await using var stdio = await ServiceProcess.StartAsync(
            "Memento.McpServer",
            new Dictionary<string, string?> { ["Memento__Storage__Root"] = storage.Path, ["DOTNET_ENVIRONMENT"] = "Production" },
            args: ["--stdio"],
            waitForListening: false);
        await using var server = McpServerHost.Start();
        using var http = server.CreateHttpClient();
        var timeout = TimeSpan.FromSeconds(60);

        await stdio.WriteLineAsync("""{"jsonrpc":"2.0","id":100,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
        await StdioAnswerAsync(stdio, 100, timeout);
        await stdio.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        // A notification has no answer; one of the wrong shape is dropped without an error-level log.
        await stdio.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized","params":[1]}""");

        string[] wrongShapes =
        [
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["store_memory",{"content":"x"}]}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":"all"}""",
            """{"jsonrpc":"2.0","id":3,"method":"resources/read","params":7}""",
            """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"store_memory","arguments":["x"]}}""",
        ];
        for (var i = 0; i < wrongShapes.Length; i++)
        {
            await stdio.WriteLineAsync(wrongShapes[i]);
            var overStdio = await StdioAnswerAsync(stdio, i + 1, timeout);
            var overHttp = await ProtocolTests.PostJsonAsync(http, wrongShapes[i]);

            Assert.True(overStdio.TryGetProperty("error", out var error), $"{wrongShapes[i]} -> {overStdio}");
            Assert.Equal(-32602, error.GetProperty("code").GetInt32());
            Assert.Equal(overHttp.GetProperty("error").GetProperty("message").GetString(), error.GetProperty("message").GetString());
        }

        await stdio.WriteLineAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"store_memory","arguments":{"content":"Still healthy after the wrong shapes"}}}""");
        var stored = await StdioAnswerAsync(stdio, 9, timeout);
        Assert.False(stored.GetProperty("result").TryGetProperty("isError", out var isError) && isError.GetBoolean(), stored.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(storage.Path, "default"), "*.md"));
        Assert.DoesNotContain(stdio.Output, line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain(stdio.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    /// <summary>The server's stdout line answering request <paramref name="id"/> (the SDK writes the id and version last).</summary>
    private static async Task<JsonElement> StdioAnswerAsync(ServiceProcess stdio, int id, TimeSpan timeout)
    {
        var line = await stdio.WaitForOutputAsync(new Regex($$"""^\{.*"id":{{id}},"jsonrpc":"2\.0"\}$"""), timeout);
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    [InlineData("2025-03-26")]
    public async Task One_session_alternating_between_two_replicas_on_one_storage_root_keeps_working(string? protocolVersion)
    {
        using var storage = new TempDirectory();
        await using var first = McpServerHost.Start(storageRoot: storage.Path);
        await using var second = McpServerHost.Start(storageRoot: storage.Path);
        var balancer = new RoundRobinHandler(first.BaseAddress, second.BaseAddress);
        using var http = new HttpClient(balancer) { Timeout = McpServerHost.Timeout };
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(first.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Memento-User"] = "roamer" },
        }, http);

        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion },
            cancellationToken: TestContext.Current.CancellationToken).WaitAsync(McpServerHost.Timeout, TestContext.Current.CancellationToken);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await client.CallOkAsync("store_memory", new { content = $"Replica note {i} about failover drills" })).Id());
            var read = await client.CallOkAsync("get_memory_content", new { memory_id = ids[^1] });
            Assert.Equal($"Replica note {i} about failover drills", read.GetProperty("content").GetString());
        }

        var found = await client.CallOkAsync("retrieve_memories", new { query = "failover drills", limit = 50 });
        var listed = await client.CallOkAsync("list_memories", new { limit = 50 });

        Assert.Equal(ids.Order(), MemoryToolsTests.Ids(found, "hits").Order());
        Assert.Equal(ids.Order(), MemoryToolsTests.Ids(listed, "memories").Order());
        Assert.True(balancer.Counts[0] >= 5 && balancer.Counts[1] >= 5, $"requests per replica: {balancer.Counts[0]} and {balancer.Counts[1]}");
    }

    /// <summary>Store, read, update, find, list, stats, list users, delete: each must answer through the given client.</summary>
    internal static async Task<string> ExerciseEveryToolAsync(McpClient client)
    {
        var id = (await client.CallOkAsync("store_memory", new { content = "Transport check: the quarterly planning notes", tags = new[] { "plan" } })).Id();
        var doomed = (await client.CallOkAsync("store_memory", new { content = "Temporary note to delete" })).Id();
        Assert.Equal("Transport check: the quarterly planning notes",
            (await client.CallOkAsync("get_memory_content", new { memory_id = id })).GetProperty("content").GetString());
        await client.CallOkAsync("update_memory", new { memory_id = id, title = "Quarterly planning" });
        Assert.Contains(id, MemoryToolsTests.Ids(await client.CallOkAsync("retrieve_memories", new { query = "quarterly planning" }), "hits"));
        Assert.Equal(2, MemoryToolsTests.Ids(await client.CallOkAsync("list_memories"), "memories").Count);
        Assert.Equal(2, (await client.CallOkAsync("get_user_stats")).GetProperty("memoryCount").GetInt32());
        Assert.Equal(1, (await client.CallOkAsync("list_users")).GetProperty("totalUsers").GetInt32());
        await client.CallOkAsync("delete_memory", new { memory_id = doomed });
        Assert.Contains("No memory", await client.CallErrorAsync("get_memory_content", new { memory_id = doomed }));
        var resources = await client.ListResourcesAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal($"memento://memories/{id}", Assert.Single(resources).Uri);
        return id;
    }

    /// <summary>A load balancer without affinity: each request goes to the next replica in turn.</summary>
    private sealed class RoundRobinHandler(params Uri[] replicas) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _next = -1;

        public int[] Counts { get; } = new int[replicas.Length];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)replicas.Length);
            Interlocked.Increment(ref Counts[index]);
            var target = new UriBuilder(request.RequestUri!) { Host = replicas[index].Host, Port = replicas[index].Port };
            request.RequestUri = target.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
