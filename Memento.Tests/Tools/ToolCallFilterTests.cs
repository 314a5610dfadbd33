using System.Diagnostics;
using Memento.McpServer.Errors;
using Memento.McpServer.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelContextProtocol.Server;

namespace Memento.Tests.Tools;

/// <summary>The tool-call filter: time limit, one error model, and what a refusal leaves in the log.</summary>
public sealed class ToolCallFilterTests
{
    [Fact]
    public async Task The_time_limit_holds_for_a_tool_that_computes_without_awaiting()
    {
        // The tool would compute for 30 s; it stops once the test has its answer, so it does not keep a
        // core busy for the tests after it. A limit that did not hold would answer after those 30 s. The
        // bound leaves room for a loaded machine: the answer after the 1 s limit needs a thread-pool
        // thread while the tool holds one, and a CI run measured 4.8 s.
        using var stop = new CancellationTokenSource();
        await using var server = McpServerHost.Start(
            new Dictionary<string, string?> { ["Memento:Http:RequestTimeout"] = "00:00:01" },
            services: s => s.AddSingleton(McpServerTool.Create((Func<string>)(() => Spin(stop.Token)), new McpServerToolCreateOptions { Name = "spin" })));
        await using var client = await server.ConnectAsync();

        var watch = Stopwatch.StartNew();
        var error = await client.CallErrorAsync("spin");
        watch.Stop();
        await stop.CancelAsync();

        Assert.Contains("longer than 1 seconds", error, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the answer took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_fault_inside_a_tool_is_not_reported_as_unreadable_arguments_nor_leaks_its_message()
    {
        await using var server = McpServerHost.Start(services: s =>
        {
            s.AddSingleton(McpServerTool.Create((Func<string>)(() => throw new InvalidOperationException("secret /srv/data detail")), new McpServerToolCreateOptions { Name = "explode" }));
            s.AddSingleton(McpServerTool.Create((Func<string>)(() => throw new ObjectDisposedException("store")), new McpServerToolCreateOptions { Name = "disposed" }));
        });
        await using var client = await server.ConnectAsync();

        foreach (var tool in new[] { "explode", "disposed" })
        {
            var error = await client.CallErrorAsync(tool);
            Assert.DoesNotContain("could not be read", error, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_client_mistake_leaves_an_error_log_or_a_stack_trace_and_input_is_logged_escaped()
    {
        var collector = new FakeLogCollector();
        await using var server = McpServerHost.Start(
            new Dictionary<string, string?> { ["Logging:Fake:LogLevel:Default"] = "Trace" },
            services: s => s.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(collector))));
        await using var client = await server.ConnectAsync(user: "alice");
        var id = (await client.CallOkAsync("store_memory", new { content = "kept" })).Id();
        using var http = server.CreateHttpClient();
        const string Forged = "x\nfail: Memento[0] forged line\u0000\u001b[31m";

        await client.CallErrorAsync("store_memory", new { content = "" });
        await client.CallErrorAsync("store_memory", new { content = "x", user = Forged });
        await client.CallErrorAsync("store_memory", new { content = "x", tags = new[] { Forged } });
        await client.CallErrorAsync("get_memory_content", new { memory_id = Forged });
        await client.CallErrorAsync("get_memory_content", new { memory_id = "20250101T000000000Z-doesnotexi" });
        await client.CallErrorAsync("update_memory", new { memory_id = id, title = Forged });
        await client.CallErrorAsync("delete_memory", new { memory_id = "20250101T000000000Z-doesnotexi" });
        await client.CallErrorAsync("list_memories", new { limit = "lots", cursor = Forged });
        await client.CallErrorAsync("list_memories", new { since = "2025-07-14", until = "2025-07-01" });
        await client.CallErrorAsync("retrieve_memories", new { query = Forged });
        await client.CallErrorAsync("list_users", new { cursor = Forged });
        foreach (var body in new[]
        {
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1]}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_memories","arguments":[1]}}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"no\nsuch\u0000tool","arguments":{}}}""",
            """{"jsonrpc":"2.0","id":4,"method":"resources/subscribe","params":{"uri":"memento://memories/x"}}""",
            """{"jsonrpc":"2.0","id":5,"method":"prompts/get","params":{"name":"recall","arguments":{"topic":""}}}""",
            """{"jsonrpc":"2.0","id":6,"method":"prompts/get","params":{"name":"summarise_week","arguments":{"days":"lots"}}}""",
            """{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"memento://memories/20250101T000000000Z-doesnotexi"}}""",
            """{"jsonrpc":"2.0","id":8,"method":"resources/read","params":{"uri":"memento://memories/..%2Fbob%2Fx\n"}}""",
            """{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"file:///etc/passwd"}}""",
        })
        {
            using var request = Auth.RawRequests.Post(body);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }

        var records = collector.GetSnapshot();
        Assert.Contains(records, r => r.Level == LogLevel.Debug && r.Message.Contains("refused (NotFound)", StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Error);
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Warning && r.Exception is not null);
        Assert.DoesNotContain(records, r => r.Message.Any(c => c is '\n' or '\0' or '\u001b'));
    }

    [Theory]
    [InlineData(RefusalCode.InvalidArgument, "refused")]
    [InlineData(RefusalCode.Forbidden, "refused")]
    [InlineData(RefusalCode.NotFound, "not_found")]
    [InlineData(RefusalCode.Unavailable, "unavailable")]
    public void The_audit_outcome_comes_from_the_refusal_code_not_its_wording(RefusalCode code, string outcome) =>
        Assert.Equal(outcome, StoreErrors.Outcome(new RefusalException(code, "No memory with id 'x'. The memory storage")));

    [Fact]
    public void Logged_input_has_its_control_characters_escaped_and_is_capped()
    {
        Assert.Equal("a\\nb\\u0000c\\u001b\\u202e\\\\", LogText.Escape("a\nb\0c\u001b\u202e\\"));
        Assert.Equal(new string('x', 10) + "…", LogText.Escape(new string('x', 50), 10));
    }

    private static string Spin(CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        var spins = 0L;
        while (watch.Elapsed < TimeSpan.FromSeconds(30) && !stop.IsCancellationRequested)
        {
            spins++;
        }

        return spins.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
