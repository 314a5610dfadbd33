using System.Net;
using System.Text;
using System.Text.Json;
using Memento.Tests.Tools;
using ModelContextProtocol.Client;

namespace Memento.Tests.Auth;

/// <summary>
/// Each hostile input gets a clear refusal; afterwards every memory stored before it is still intact and
/// the server still answers.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly Dictionary<string, Func<Context, Task>> Cases = new()
    {
        ["user argument ../x"] = c => c.ToolErrorAsync("store_memory", new { content = "x", user = "../x" }, "not a valid user id"),
        ["user argument a/b"] = c => c.ToolErrorAsync("list_memories", new { user = "a/b" }, "not a valid user id"),
        ["user argument CON"] = c => c.ToolErrorAsync("store_memory", new { content = "x", user = "CON" }, "not a valid user id"),
        ["user argument unicode look-alike"] = c => c.ToolErrorAsync("list_memories", new { user = "\u0430lice" }, "not a valid user id"),
        ["user argument of 1,000 characters"] = c => c.ToolErrorAsync("store_memory", new { content = "x", user = new string('a', 1000) }, "not a valid user id"),
        ["user header ../x"] = c => c.HeaderUserAsync("../x"),
        ["user header a/b"] = c => c.HeaderUserAsync("a/b"),
        ["user header CON"] = c => c.HeaderUserAsync("CON"),
        ["user header of 1,000 characters"] = c => c.HeaderUserAsync(new string('b', 1000)),
        ["content of 0 bytes"] = c => c.ToolErrorAsync("store_memory", new { content = "" }, "'content' must not be empty"),
        ["content of 2 MB (over the store's limit)"] = c => c.ToolErrorAsync("store_memory", new { content = new string('y', 2 * 1024 * 1024) }, "content"),
        ["content of 10 MB (over the request limit)"] = c => c.RawAsync(
            Encoding.UTF8.GetBytes(ToolCall("store_memory", $"{{\"content\":\"{new string('z', 10 * 1024 * 1024)}\"}}")),
            HttpStatusCode.RequestEntityTooLarge),
        ["content with invalid UTF-8"] = c => c.RawAsync(
            [.. Encoding.UTF8.GetBytes(ToolCall("store_memory", "{\"content\":\"bad ")), 0xFF, 0xFE, 0xC3, .. "\"}}}"u8.ToArray()],
            HttpStatusCode.BadRequest, "not valid UTF-8"),
        ["content with NUL bytes"] = c => c.ToolErrorAsync("store_memory", new { content = "before\0after" }, "NUL"),
        ["content with an unpaired surrogate"] = c => c.RawAsync(
            Encoding.UTF8.GetBytes(ToolCall("store_memory", "{\"content\":\"x\\ud800y\"}")), HttpStatusCode.BadRequest, "not valid Unicode"),
        ["10,000 tags"] = c => c.ToolErrorAsync("store_memory", new { content = "x", tags = Enumerable.Range(0, 10_000).Select(i => $"t{i}").ToArray() }, "tags"),
        ["10,000 filter tags"] = c => c.ToolErrorAsync("list_memories", new { tags = Enumerable.Range(0, 10_000).Select(i => $"t{i}").ToArray() }, "tags"),
        ["nested metadata"] = c => c.ToolErrorAsync("store_memory", new { content = "x", metadata = new { a = new { b = new { c = new { d = 1 } } } } }, "metadata"),
        ["metadata nested 5,000 levels deep"] = c => c.RawAsync(
            Encoding.UTF8.GetBytes(ToolCall("store_memory", "{\"content\":\"x\",\"metadata\":" + string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000) + "}")),
            null),
        ["date before 1900"] = c => c.ToolErrorAsync("list_memories", new { since = "0001-01-01" }, "between 1900-01-01"),
        ["date after 2999"] = c => c.ToolErrorAsync("retrieve_memories", new { query = "x", until = "9999-12-31T23:59:59Z" }, "between 1900-01-01"),
        ["date with five-digit year"] = c => c.ToolErrorAsync("list_memories", new { since = "99999-01-01" }, "ISO 8601"),
        ["id of another user's memory"] = c => c.ToolErrorAsync("get_memory_content", new { memory_id = c.BobId }, "No memory"),
        ["update of another user's memory"] = c => c.ToolErrorAsync("update_memory", new { memory_id = c.BobId, content = "hijacked" }, "No memory"),
        ["delete of another user's memory"] = c => c.ToolErrorAsync("delete_memory", new { memory_id = c.BobId }, "No memory"),
        ["path traversal in an id"] = c => c.ToolErrorAsync("get_memory_content", new { memory_id = $"../bob/{c.BobId}" }, "No memory"),
        ["path traversal in a resource uri"] = c => c.ResourceErrorAsync($"memento://memories/..%2Fbob%2F{c.BobId}"),
        ["malformed JSON-RPC"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":}"u8.ToArray(), null),
        ["JSON-RPC without a method"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1}"u8.ToArray(), null),
        ["truncated body"] = c => c.RawAsync(Encoding.UTF8.GetBytes(ToolCall("store_memory", "{\"content\":\"half")[..40]), null),
        ["huge headers"] = c => c.HugeHeaderAsync(),
        ["wrong argument type"] = c => c.ToolErrorAsync("list_memories", new { limit = "lots" }, ""),
        ["Markdown file on disk with broken front matter"] = c => c.BrokenFileAsync(),

        // A pattern's '$' also matches before a final newline: every rule is anchored to the very end.
        ["user argument with a trailing newline"] = c => c.ToolErrorAsync("store_memory", new { content = "x", user = "bob\n" }, "not a valid user id"),
        ["user argument with a trailing newline, on a read"] = c => c.ToolErrorAsync("list_memories", new { user = "alice\n" }, "not a valid user id"),
        ["memory id with a trailing newline inside"] = c => c.ToolErrorAsync("get_memory_content", new { memory_id = c.AliceId + "\n/../x" }, "No memory"),
        ["cursor with a trailing newline"] = c => c.CursorWithSuffixAsync("\n"),
        ["cursor with padding"] = c => c.CursorWithSuffixAsync("=="),
        ["list_users cursor with a trailing newline"] = c => c.ToolErrorAsync("list_users", new { cursor = "dXxhbGljZQ\n" }, "cursor"),

        // Large counts of small things: refused fast, in linear time, by the limit's own message.
        ["200,000 distinct tags"] = c => c.FastToolErrorAsync("store_memory", new { content = "x", tags = Enumerable.Range(0, 200_000).Select(i => $"t{i}").ToArray() }, "the limit is 20"),
        ["200,000 distinct tags on an update"] = c => c.FastToolErrorAsync("update_memory", new { memory_id = c.AliceId, tags = Enumerable.Range(0, 200_000).Select(i => $"t{i}").ToArray() }, "the limit is 20"),
        ["20,000 metadata entries"] = c => c.FastToolErrorAsync("store_memory", new { content = "x", metadata = Enumerable.Range(0, 20_000).ToDictionary(i => $"k{i}", i => (object)i) }, "the limit"),
        ["100,000 filter tags"] = c => c.FastToolErrorAsync("retrieve_memories", new { query = "x", tags = Enumerable.Range(0, 100_000).Select(i => $"t{i}").ToArray() }, "at most 20 tags"),
        ["100,000 empty tags"] = c => c.FastToolErrorAsync("store_memory", new { content = "x", tags = Enumerable.Repeat("", 100_000).ToArray() }, "tag is empty"),
        ["100,000 arguments nobody asked for"] = c => c.FastToolErrorAsync("store_memory", Enumerable.Range(0, 100_000).ToDictionary(i => $"a{i}", i => (object)i), "'content' is required"),

        // Wrong JSON shapes at every level: a plain -32602 (or a tool error naming the argument), never -32603.
        ["params as an array"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":[\"store_memory\",{\"content\":\"x\"}]}"u8.ToArray(), HttpStatusCode.OK, "-32602"),
        ["params as a string"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":\"all\"}"u8.ToArray(), HttpStatusCode.OK, "-32602"),
        ["params as a number on resources/read"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":7}"u8.ToArray(), HttpStatusCode.OK, "-32602"),
        ["arguments as an array"] = c => c.RawAsync(Encoding.UTF8.GetBytes(ToolCall("store_memory", "[\"x\"]")), null, "-32602"),
        ["arguments as a string"] = c => c.RawAsync(Encoding.UTF8.GetBytes(ToolCall("list_memories", "\"limit=5\"")), null, "-32602"),
        ["tool name as a number"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":7,\"arguments\":{}}}"u8.ToArray(), null, "-32602"),
        ["unknown tool with control characters in its name"] = c => c.RawAsync(Encoding.UTF8.GetBytes(ToolCall("store\\u0000memory\\n", "{}")), null, "-32602"),
        ["resources/subscribe, not declared"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"memento://memories/x\"}}"u8.ToArray(), null, "-32601"),
        ["resources/unsubscribe, not declared"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"memento://memories/x\"}}"u8.ToArray(), null, "-32601"),
        ["prompts/get of an unknown prompt"] = c => c.RawAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"nope\"}}"u8.ToArray(), null, "-32602"),
        ["required argument missing"] = c => c.ToolErrorAsync("store_memory", new { title = "no content" }, "'content' is required"),
        ["required argument null"] = c => c.ToolErrorAsync("get_memory_content", new { memory_id = (string?)null }, "'memory_id' is required"),
        ["limit as a fraction"] = c => c.ToolErrorAsync("list_memories", new { limit = 2.5 }, "'limit' must be an integer"),
        ["limit beyond 32 bits"] = c => c.ToolErrorAsync("retrieve_memories", new { query = "x", limit = 1e12 }, "'limit' must be an integer"),
        ["limit as an object"] = c => c.ToolErrorAsync("list_users", new { limit = new { value = 5 } }, "'limit' must be an integer"),
        ["tags as an object"] = c => c.ToolErrorAsync("store_memory", new { content = "x", tags = new { a = "b" } }, "'tags' must be a JSON array"),
        ["a tag that is a number"] = c => c.ToolErrorAsync("store_memory", new { content = "x", tags = new object[] { "ok", 7 } }, "'tags[1]' must be text"),
        ["metadata as an array"] = c => c.ToolErrorAsync("update_memory", new { memory_id = c.AliceId, metadata = new[] { "a" } }, "'metadata' must be a JSON object"),
        ["content as an object"] = c => c.ToolErrorAsync("store_memory", new { content = new { text = "x" } }, "'content' must be text"),
        ["user as a number"] = c => c.ToolErrorAsync("list_memories", new { user = 42 }, "'user' must be text"),
        ["query as an array"] = c => c.ToolErrorAsync("retrieve_memories", new { query = new[] { "budget" } }, "'query' must be text"),
    };

    /// <summary>A NUL, a line break, an ANSI escape and a bidi override in every string argument of every tool: each is refused.</summary>
    private const string ControlText = "x\u0000\n\u001b[31m\u202e";

    private static readonly (string Tool, string Argument, Func<Context, Dictionary<string, object?>> Arguments)[] StringArguments =
    [
        ("store_memory", "content", c => new() { ["content"] = ControlText }),
        ("store_memory", "title", c => new() { ["content"] = "x", ["title"] = ControlText }),
        ("store_memory", "tags", c => new() { ["content"] = "x", ["tags"] = new[] { ControlText } }),
        ("store_memory", "metadata key", c => new() { ["content"] = "x", ["metadata"] = new Dictionary<string, object> { [ControlText] = "v" } }),
        ("store_memory", "metadata value", c => new() { ["content"] = "x", ["metadata"] = new Dictionary<string, object> { ["k"] = ControlText } }),
        ("store_memory", "user", c => new() { ["content"] = "x", ["user"] = ControlText }),
        ("retrieve_memories", "query", c => new() { ["query"] = ControlText }),
        ("retrieve_memories", "tags", c => new() { ["query"] = "x", ["tags"] = new[] { ControlText } }),
        ("retrieve_memories", "tag_match", c => new() { ["query"] = "x", ["tag_match"] = ControlText }),
        ("retrieve_memories", "since", c => new() { ["query"] = "x", ["since"] = ControlText }),
        ("retrieve_memories", "until", c => new() { ["query"] = "x", ["until"] = ControlText }),
        ("retrieve_memories", "cursor", c => new() { ["query"] = "x", ["cursor"] = ControlText }),
        ("retrieve_memories", "user", c => new() { ["query"] = "x", ["user"] = ControlText }),
        ("get_memory_content", "memory_id", c => new() { ["memory_id"] = ControlText }),
        ("get_memory_content", "user", c => new() { ["memory_id"] = c.AliceId, ["user"] = ControlText }),
        ("update_memory", "memory_id", c => new() { ["memory_id"] = ControlText, ["title"] = "x" }),
        ("update_memory", "content", c => new() { ["memory_id"] = c.AliceId, ["content"] = ControlText }),
        ("update_memory", "title", c => new() { ["memory_id"] = c.AliceId, ["title"] = ControlText }),
        ("update_memory", "tags", c => new() { ["memory_id"] = c.AliceId, ["tags"] = new[] { ControlText } }),
        ("update_memory", "metadata value", c => new() { ["memory_id"] = c.AliceId, ["metadata"] = new Dictionary<string, object> { ["k"] = ControlText } }),
        ("update_memory", "user", c => new() { ["memory_id"] = c.AliceId, ["title"] = "x", ["user"] = ControlText }),
        ("delete_memory", "memory_id", c => new() { ["memory_id"] = ControlText }),
        ("delete_memory", "user", c => new() { ["memory_id"] = c.AliceId, ["user"] = ControlText }),
        ("list_memories", "tags", c => new() { ["tags"] = new[] { ControlText } }),
        ("list_memories", "tag_match", c => new() { ["tag_match"] = ControlText }),
        ("list_memories", "since", c => new() { ["since"] = ControlText }),
        ("list_memories", "until", c => new() { ["until"] = ControlText }),
        ("list_memories", "cursor", c => new() { ["cursor"] = ControlText }),
        ("list_memories", "user", c => new() { ["user"] = ControlText }),
        ("get_user_stats", "user", c => new() { ["user"] = ControlText }),
        ("list_users", "cursor", c => new() { ["cursor"] = ControlText }),
        ("list_trash", "cursor", c => new() { ["cursor"] = ControlText }),
        ("list_trash", "user", c => new() { ["user"] = ControlText }),
        ("restore_memory", "memory_id", c => new() { ["memory_id"] = ControlText }),
        ("restore_memory", "user", c => new() { ["memory_id"] = c.AliceId, ["user"] = ControlText }),
    ];

    static HostileInputTests()
    {
        foreach (var (tool, argument, arguments) in StringArguments)
        {
            Cases[$"control characters in {tool}'s {argument}"] = c => c.ControlCharactersAsync(tool, arguments(c));
        }
    }

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Hostile_input_is_refused_and_leaves_stored_memories_intact(string name)
    {
        await using var server = McpServerHost.Start();
        await using var alice = await server.ConnectAsync(user: "alice");
        await using var bob = await server.ConnectAsync(user: "bob");
        var seeded = new List<(McpClient Client, string Id, string Content)>();
        foreach (var (client, content) in new[] { (alice, "Alice's first memory"), (alice, "Alice's second memory"), (bob, "Bob's only memory") })
        {
            seeded.Add((client, (await client.CallOkAsync("store_memory", new { content, tags = new[] { "seed" } })).Id(), content));
        }

        using var http = server.CreateHttpClient();
        await Cases[name](new Context(server, alice, http, seeded[2].Id, seeded[0].Id));

        foreach (var (client, id, content) in seeded)
        {
            var read = await client.CallOkAsync("get_memory_content", new { memory_id = id });
            Assert.Equal(content, read.GetProperty("content").GetString());
            Assert.Equal(["seed"], read.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }

        Assert.Equal(2, MemoryToolsTests.Ids(await alice.CallOkAsync("list_memories", new { tags = new[] { "seed" } }), "memories").Count);
        Assert.Single(MemoryToolsTests.Ids(await bob.CallOkAsync("list_memories"), "memories"));
        await using var fresh = await server.ConnectAsync(user: "carol");
        Assert.Equal(10, (await fresh.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)).Count);
        var users = (await fresh.CallOkAsync("list_users", new { limit = 100 })).GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user").GetString()).ToList();
        Assert.Equal(["alice", "bob"], users);
        Assert.Equal(["alice", "bob"], Directory.EnumerateDirectories(server.StorageRoot).Select(Path.GetFileName).Where(d => !d!.StartsWith('.')).Order(StringComparer.Ordinal));
    }

    private static string ToolCall(string tool, string arguments) =>
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}}";

    private sealed record Context(McpServerHost Server, McpClient Alice, HttpClient Http, string BobId, string AliceId)
    {
        /// <summary>A refusal that must come fast: a limit check stops at the first item past the limit.</summary>
        public async Task FastToolErrorAsync(string tool, object arguments, string expected)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await ToolErrorAsync(tool, arguments, expected);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"{tool} took {watch.Elapsed} to refuse");
        }

        public async Task CursorWithSuffixAsync(string suffix)
        {
            var first = await Alice.CallOkAsync("list_memories", new { limit = 1 });
            var cursor = first.NextCursor();
            Assert.NotNull(cursor);
            await ToolErrorAsync("list_memories", new { limit = 1, cursor = cursor + suffix }, "cursor is not valid");
        }

        public async Task ControlCharactersAsync(string tool, Dictionary<string, object?> arguments)
        {
            var error = await Alice.CallErrorAsync(tool, arguments);
            Assert.DoesNotContain(error, ch => ch is '\0' or '\u001b' or '\u202e');
            Assert.DoesNotContain("could not be read", error);
        }

        public async Task ToolErrorAsync(string tool, object arguments, string expected)
        {
            var args = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments));
            var error = await Alice.CallErrorAsync(tool, args);
            Assert.Contains(expected, error, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Server.StorageRoot, error);
        }

        public async Task HeaderUserAsync(string user)
        {
            using var request = RawRequests.Post(ToolCall("list_memories", "{}"));
            request.Headers.Add("X-Memento-User", user);
            using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("not a valid user id", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        /// <summary>Sends raw bytes; expects the given status (or any 4xx when null) and a JSON-RPC error, never a 500 page.</summary>
        public async Task RawAsync(byte[] body, HttpStatusCode? expected, string? expectedText = null)
        {
            using var request = RawRequests.Post(body);
            HttpResponseMessage response;
            try
            {
                response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException) when (expected == HttpStatusCode.RequestEntityTooLarge)
            {
                // Kestrel may close the connection while a too-large body is still being sent.
                return;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                if (expected is { } status)
                {
                    Assert.Equal(status, response.StatusCode);
                }
                else
                {
                    Assert.True((int)response.StatusCode is >= 200 and < 500, $"{(int)response.StatusCode}: {text}");
                }

                Assert.Contains("error", text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("   at ", text);
                if (expectedText is not null)
                {
                    Assert.True(text.Contains(expectedText, StringComparison.Ordinal), text);
                }
            }
        }

        public async Task ResourceErrorAsync(string uri)
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
                await Alice.ReadResourceAsync(uri, cancellationToken: TestContext.Current.CancellationToken));
        }

        public async Task HugeHeaderAsync()
        {
            using var request = RawRequests.Post(ToolCall("list_memories", "{}"));
            request.Headers.Add("X-Junk", new string('j', 100_000));
            using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        }

        public async Task BrokenFileAsync()
        {
            var folder = Path.Combine(Server.StorageRoot, "alice");
            const string BrokenId = "20250101T000000000Z-brokenfile";
            await File.WriteAllTextAsync(Path.Combine(folder, BrokenId + ".md"),
                "---\ntitle: [unclosed\ntags: {{{\n---\nbody", TestContext.Current.CancellationToken);

            var listed = await Alice.CallOkAsync("list_memories", new { limit = 100 });
            var read = await Alice.CallAsync("get_memory_content", new { memory_id = BrokenId });

            Assert.DoesNotContain(BrokenId, MemoryToolsTests.Ids(listed, "memories"));
            Assert.True(read.IsError);
            Assert.DoesNotContain("   at ", McpCalls.Text(read));
        }
    }
}
