using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Memento.McpServer.Storage;

/// <summary>Memento's own spans and metrics for storage and search (collected by ServiceDefaults' <c>Memento.*</c>).</summary>
public static class StorageTelemetry
{
    /// <summary>Name of the activity source and of the meter.</summary>
    public const string Name = "Memento.Storage";

    /// <summary>Counter: memories created (exact duplicates are not counted).</summary>
    public const string MemoriesStoredMetric = "memento.memories.stored";

    /// <summary>Histogram: search latency in milliseconds, index refresh included.</summary>
    public const string SearchDurationMetric = "memento.search.duration";

    /// <summary>Counter: index refreshes from the files, tagged <c>memento.refresh.kind</c> = <c>full</c> or <c>changes</c>.</summary>
    public const string IndexRefreshesMetric = "memento.index.refreshes";

    internal static readonly ActivitySource Source = new(Name);

    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> MemoriesStored =
        Meter.CreateCounter<long>(MemoriesStoredMetric, "{memory}", "Memories created.");

    internal static readonly Histogram<double> SearchDuration =
        Meter.CreateHistogram<double>(SearchDurationMetric, "ms", "Time to answer a search, index refresh included.");

    internal static readonly Counter<long> IndexRefreshes =
        Meter.CreateCounter<long>(IndexRefreshesMetric, "{refresh}", "Index refreshes from the memory files.");
}
