using Memento.Tests.App.Scenarios;

namespace Memento.AppHost.Tests.Telemetry;

/// <summary>
/// What the dashboard shows under F5, checked on what the services actually export: a chat message that calls a
/// tool is one trace from the chat page through the replica that ran the tool, Memento's own metrics arrive, and
/// logs arrive structured and in the message's trace. The OTLP receiver stands where the dashboard would.
/// </summary>
public sealed class AppHostTelemetryTests(AppHostTelemetryTopology topology) : IClassFixture<AppHostTelemetryTopology>
{
    // Aspire sets a one-second batch delay and metric interval for Development; this leaves room for a slow machine.
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_chat_message_that_calls_a_tool_is_one_trace_from_the_chat_page_through_the_replica_that_ran_it()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var chat = new HttpClient { BaseAddress = topology.ChatAddress, Timeout = ChatWeb.AnswerTimeout };
        var marker = "okapi" + Guid.NewGuid().ToString("N")[..8];

        // Act
        var answer = ChatWeb.Said(await ChatWeb.SendAsync(chat, $"remember that the budget review moved to Thursday, code word {marker}", ct));
        var chain = await topology.Receiver.WaitForAsync(
            received => ChainToRoot(received.Spans, StoreSpan(received.Spans, answer)) is [.., { ParentSpanId: "" }] complete ? complete : null,
            ExportTimeout,
            Describe,
            ct);

        // Assert: from the span that stored the memory, parent by parent, up to the chat page's request.
        var trace = Assert.Single(chain.Select(s => s.TraceId).Distinct());
        var root = chain[^1];
        Assert.Equal(("chat", OtlpSpanKind.Server, "/api/chat"), (root.Resource.Service, root.Kind, root.Attributes.GetValueOrDefault("http.route")));
        var toolCall = Assert.Single(chain, s => s is { Name: "tools/call store_memory", Kind: OtlpSpanKind.Server });
        Assert.Equal("mcpserver", toolCall.Resource.Service);
        Assert.Contains(toolCall.Resource.Instance, topology.ReplicaInstanceIds);
        var execute = Assert.Single(chain, s => s.Name == "execute_tool store_memory");
        Assert.Equal("chat", execute.Resource.Service);

        // And the HTTP hop itself: the chat client's POST /mcp for that call is the parent of the replica's request span.
        var spans = topology.Receiver.Spans.Where(s => s.TraceId == trace).ToList();
        var post = Assert.Single(spans, s => s is { Kind: OtlpSpanKind.Client, Resource.Service: "chat" } && s.ParentSpanId == execute.SpanId);
        Assert.EndsWith("/mcp", post.Attributes.GetValueOrDefault("url.full"));
        var served = Assert.Single(spans, s => s.ParentSpanId == post.SpanId);
        Assert.Equal(("mcpserver", OtlpSpanKind.Server, toolCall.Resource.Instance), (served.Resource.Service, served.Kind, served.Resource.Instance));
    }

    [Fact]
    public async Task Memento_metrics_and_structured_logs_reach_the_collector()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var chat = new HttpClient { BaseAddress = topology.ChatAddress, Timeout = ChatWeb.AnswerTimeout };
        var marker = "quokka" + Guid.NewGuid().ToString("N")[..8];

        // Act
        var answer = ChatWeb.Said(await ChatWeb.SendAsync(chat, $"remember that the offsite is in Lisbon, code word {marker}", ct));
        var found = ChatWeb.Said(await ChatWeb.SendAsync(chat, $"search for {marker}", ct));
        var store = await topology.Receiver.WaitForAsync(received => StoreSpan(received.Spans, answer), ExportTimeout, Describe, ct);
        var id = store.Attributes["memento.memory_id"];
        var metrics = await topology.Receiver.WaitForAsync(
            received => MementoMetrics(received) is { Count: 2 } both ? both : null, ExportTimeout, Describe, ct);
        var audit = await topology.Receiver.WaitForAsync(
            received => received.Logs.FirstOrDefault(l => l.Resource.Service == "mcpserver" && l.Attributes.GetValueOrDefault("MemoryId") == id),
            ExportTimeout,
            Describe,
            ct);

        // Assert
        Assert.Contains(marker, found);
        Assert.All(metrics, m => Assert.Equal(("mcpserver", "Memento.Storage"), (m.Resource.Service, m.Scope)));
        Assert.All(metrics, m => Assert.True(m.DataPoints > 0, $"{m.Name} arrived without data points."));
        Assert.Equal("Memento.Audit", audit.Scope);
        Assert.Equal(("store_memory", "succeeded"), (audit.Attributes.GetValueOrDefault("Action"), audit.Attributes.GetValueOrDefault("Outcome")));
        Assert.Equal((store.TraceId, store.Resource.Instance), (audit.TraceId, audit.Resource.Instance));
    }

    // The replica's storage span for the memory the chat answer names.
    private static OtlpSpan? StoreSpan(IEnumerable<OtlpSpan> spans, string answer) =>
        spans.FirstOrDefault(s => s is { Name: "memento.store", Resource.Service: "mcpserver" }
            && s.Attributes.GetValueOrDefault("memento.memory_id") is { Length: > 0 } id && answer.Contains(id, StringComparison.Ordinal));

    // The span and its ancestors, nearest first, as far as they have arrived.
    private static List<OtlpSpan> ChainToRoot(IEnumerable<OtlpSpan> received, OtlpSpan? start)
    {
        var chain = new List<OtlpSpan>();
        var byId = received.Where(s => s.TraceId == start?.TraceId).ToDictionary(s => s.SpanId);
        for (var span = start; span is not null && chain.Count < 64; span = byId.GetValueOrDefault(span.ParentSpanId))
        {
            chain.Add(span);
        }

        return chain;
    }

    private static List<OtlpMetric>? MementoMetrics(OtlpReceiver received) =>
        [.. received.Metrics.Where(m => m.Name is "memento.memories.stored" or "memento.search.duration" && m.DataPoints > 0).DistinctBy(m => m.Name)];

    private static string Describe(OtlpReceiver received) =>
        $"{received.Spans.Count} spans ({string.Join(", ", received.Spans.Select(s => $"{s.Resource.Service}: {s.Name}").Distinct().Take(40))}), " +
        $"{received.Metrics.Count} metric points ({string.Join(", ", received.Metrics.Select(m => m.Name).Where(n => n.StartsWith("memento", StringComparison.Ordinal)).Distinct())}), " +
        $"{received.Logs.Count} log records; unreadable requests: {string.Join("; ", received.Errors)}";
}
