using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Memento.McpServer.Auth;
using Memento.Tests.Protocol;
using Memento.Tests.Tools;

namespace Memento.Tests.Auth;

public sealed class HardeningTests
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""";

    [Theory]
    [InlineData("evil.example")]
    [InlineData("attacker.test:8000")]
    public async Task A_foreign_host_header_is_refused_in_local_mode(string host)
    {
        await using var server = McpServerHost.Start();
        using var http = server.CreateHttpClient();

        using var request = RawRequests.Post(ToolsList);
        request.Headers.Host = host;
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("http://evil.example", HttpStatusCode.Forbidden)]
    [InlineData("null", HttpStatusCode.Forbidden)]
    [InlineData("http://localhost:6274", HttpStatusCode.OK)]
    [InlineData("https://chat.example.com", HttpStatusCode.OK)]
    public async Task Browser_origins_other_than_loopback_and_configured_ones_are_refused(string origin, HttpStatusCode expected)
    {
        await using var server = McpServerHost.Start(new Dictionary<string, string?> { ["Memento:Http:AllowedOrigins:0"] = "https://chat.example.com" });
        using var http = server.CreateHttpClient();

        using var request = RawRequests.Post(ToolsList);
        request.Headers.Add("Origin", origin);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Configured_hosts_are_served_and_others_refused_even_with_authentication_on()
    {
        var settings = AuthModeTests.ApiKeySettings();
        settings["Memento:Http:AllowedHosts:0"] = "memento.example.com";
        await using var server = McpServerHost.Start(settings);
        using var http = server.CreateHttpClient(AuthModeTests.AliceKey);

        using var good = RawRequests.Post(ToolsList);
        good.Headers.Host = "memento.example.com";
        using var bad = RawRequests.Post(ToolsList);
        bad.Headers.Host = "evil.example";
        using var goodResponse = await http.SendAsync(good, TestContext.Current.CancellationToken);
        using var badResponse = await http.SendAsync(bad, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, goodResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, badResponse.StatusCode);
    }

    [Fact]
    public async Task Past_the_rate_limit_a_signed_in_user_gets_429_with_retry_after_while_others_still_pass()
    {
        var settings = AuthModeTests.ApiKeySettings();
        settings["Memento:Http:RateLimitPermits"] = "3";
        settings["Memento:Http:RateLimitWindow"] = "00:10:00";
        await using var server = McpServerHost.Start(settings);
        using var hasty = server.CreateHttpClient(AuthModeTests.AliceKey);
        using var patient = server.CreateHttpClient(AuthModeTests.BobKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            using var request = RawRequests.Post(ToolsList);
            last?.Dispose();
            last = await hasty.SendAsync(request, TestContext.Current.CancellationToken);
            statuses.Add(last.StatusCode);
        }

        using var other = RawRequests.Post(ToolsList);
        using var otherResponse = await patient.SendAsync(other, TestContext.Current.CancellationToken);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {last.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
        last.Dispose();
    }

    [Fact]
    public async Task An_anonymous_caller_cannot_escape_the_rate_limit_by_naming_another_user_in_each_request()
    {
        // Both limits at 3, so a limiter keyed on the named user would let each of the five through.
        await using var server = McpServerHost.Start(new Dictionary<string, string?>
        {
            ["Memento:Http:RateLimitPermits"] = "3",
            ["Memento:Http:LoopbackRateLimitPermits"] = "3",
            ["Memento:Http:RateLimitWindow"] = "00:10:00",
        });
        using var http = server.CreateHttpClient();

        var statuses = new List<HttpStatusCode>();
        foreach (var user in new[] { "u1", "u2", "u3", "u4", "u5" })
        {
            using var request = RawRequests.Post(ToolsList);
            request.Headers.Add("X-Memento-User", user);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task By_default_a_local_bulk_import_is_not_throttled()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync(user: "importer");
        var defaults = new HttpOptions();

        // More calls in a minute than the remote allowance, as an import of a few thousand notes makes.
        var calls = defaults.RateLimitPermits + 50;
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken }, async (i, _) =>
        {
            var result = await client.CallAsync("store_memory", new { content = $"imported note {i}", tags = new[] { "import" } });
            if (result.IsError is true)
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
        Assert.Equal(calls, (await client.CallOkAsync("get_user_stats")).GetProperty("memoryCount").GetInt32());
        Assert.True(defaults.LoopbackRateLimitPermits >= 10 * defaults.RateLimitPermits);
    }

    [Fact]
    public async Task Every_mutation_leaves_an_audit_event_with_who_what_which_id_and_outcome()
    {
        var user = "audited-" + Guid.NewGuid().ToString("N")[..8];
        var events = new ConcurrentQueue<ActivityEvent>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AuditLog.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                foreach (var e in activity.Events.Where(e => e.Name == AuditLog.EventName && Equals(e.Tags.FirstOrDefault(t => t.Key == "memento.user").Value, user)))
                {
                    events.Enqueue(e);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync(user: user);

        var id = (await client.CallOkAsync("store_memory", new { content = "audited note" })).Id();
        await client.CallOkAsync("update_memory", new { memory_id = id, title = "changed" });
        await client.CallOkAsync("delete_memory", new { memory_id = id });
        await client.CallErrorAsync("delete_memory", new { memory_id = id });
        await client.CallErrorAsync("store_memory", new { content = "" });

        var records = events.Select(e => e.Tags.ToDictionary(t => t.Key, t => t.Value?.ToString())).ToList();
        Assert.Equal(
            [("store_memory", id, "succeeded"), ("update_memory", id, "succeeded"), ("delete_memory", id, "succeeded"),
             ("delete_memory", id, "not_found"), ("store_memory", (string?)null, "refused")],
            records.Select(r => (r["memento.action"]!, r.GetValueOrDefault("memento.memory_id"), r["memento.outcome"]!)));
    }
}

/// <summary>Hand-built HTTP requests for the cases where the bytes on the wire are the point.</summary>
internal static class RawRequests
{
    public static HttpRequestMessage Post(string payload, string version = "2025-11-25")
    {
        var request = ProtocolTests.NewPost(payload);
        request.Headers.Add("MCP-Protocol-Version", version);
        return request;
    }

    public static HttpRequestMessage Post(byte[] payload, string version = "2025-11-25")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", version);
        return request;
    }
}
