using System.Diagnostics;

namespace Memento.LoadTest.Measurement;

/// <summary>
/// Every latency of one operation in one phase, kept exactly (not bucketed): a run holds at most a
/// few hundred thousand samples, and exact percentiles are what the targets are judged on.
/// </summary>
public sealed class LatencyRecorder(string operation)
{
    private readonly List<double> _milliseconds = [];
    private readonly Lock _gate = new();
    private long _errors;

    public string Operation { get; } = operation;

    public void Record(long startTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        lock (_gate)
        {
            _milliseconds.Add(elapsed);
        }
    }

    public void RecordError() => Interlocked.Increment(ref _errors);

    public OperationStats Summarize(TimeSpan duration)
    {
        double[] sorted;
        lock (_gate)
        {
            sorted = [.. _milliseconds];
        }

        Array.Sort(sorted);
        return new OperationStats(
            Operation,
            sorted.Length,
            Interlocked.Read(ref _errors),
            duration.TotalSeconds > 0 ? sorted.Length / duration.TotalSeconds : 0,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.95),
            Percentile(sorted, 0.99),
            sorted.Length > 0 ? sorted[^1] : 0);
    }

    /// <summary>Nearest-rank percentile of an ascending array (0 when empty).</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>Throughput and latency of one operation over one phase; latencies in milliseconds.</summary>
public sealed record OperationStats(
    string Operation,
    long Count,
    long Errors,
    double PerSecond,
    double P50,
    double P95,
    double P99,
    double Max);
