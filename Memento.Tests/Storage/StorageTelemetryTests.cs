using System.Diagnostics;
using Memento.McpServer.Storage;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Memento.Tests.Storage;

public sealed class StorageTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stores_searches_and_index_refreshes_are_counted_and_traced()
    {
        var metrics = new List<Metric>();
        var spans = new List<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(StorageTelemetry.Name).AddInMemoryExporter(metrics).Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(StorageTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var env = new TestStore();
        var user = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        var other = env.Open();
        await other.ListAsync(user, new ListQuery(), Ct);

        for (var i = 0; i < 3; i++)
        {
            await env.Store.StoreAsync(user, new NewMemory($"observable memory {i}"), Ct);
        }

        await env.Store.StoreAsync(user, new NewMemory("observable memory 0"), Ct);
        await env.Store.SearchAsync(user, new SearchQuery("observable"), Ct);
        await other.SearchAsync(user, new SearchQuery("memory"), Ct);
        meterProvider.ForceFlush();
        tracerProvider.ForceFlush();

        Assert.True(Sum(metrics, StorageTelemetry.MemoriesStoredMetric) >= 3);
        Assert.True(HistogramCount(metrics, StorageTelemetry.SearchDurationMetric) >= 2);
        Assert.True(Sum(metrics, StorageTelemetry.IndexRefreshesMetric, ("memento.refresh.kind", "changes")) >= 1);
        var mine = spans.Where(s => Equals(s.GetTagItem("memento.user"), user)).ToList();
        Assert.Equal(4, mine.Count(s => s.OperationName == "memento.store"));
        Assert.Equal(1, mine.Count(s => s.OperationName == "memento.store" && Equals(s.GetTagItem("memento.created"), false)));
        Assert.Equal(2, mine.Count(s => s.OperationName == "memento.search"));
        Assert.Contains(mine, s => s.OperationName == "memento.index.rescan");
    }

    private static long Sum(List<Metric> metrics, string name, (string Key, string Value)? tag = null)
    {
        long total = 0;
        var metric = metrics.LastOrDefault(m => m.Name == name);
        if (metric is null)
        {
            return 0;
        }

        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var matches = tag is null;
            foreach (var pair in point.Tags)
            {
                matches |= tag is { } t && pair.Key == t.Key && Equals(pair.Value, t.Value);
            }

            if (matches)
            {
                total += point.GetSumLong();
            }
        }

        return total;
    }

    private static long HistogramCount(List<Metric> metrics, string name)
    {
        long total = 0;
        var metric = metrics.LastOrDefault(m => m.Name == name);
        if (metric is null)
        {
            return 0;
        }

        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            total += point.GetHistogramCount();
        }

        return total;
    }
}
