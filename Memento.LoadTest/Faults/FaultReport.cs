using System.Text;
using System.Text.Json;
using Memento.LoadTest.Reporting;

namespace Memento.LoadTest.Faults;

/// <summary>The outcome of one fault run: what was done, what was counted, and every expectation that failed.</summary>
public sealed class FaultReport(string name, TextWriter? log = null)
{
    private readonly List<string> _failures = [];
    private readonly List<KeyValuePair<string, string>> _facts = [];
    private readonly List<string> _timeline = [];
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly Lock _gate = new();

    public string Name { get; } = name;

    public Machine Machine { get; } = Machine.Current();

    public bool Passed => Failures.Count == 0;

    public IReadOnlyList<string> Failures { get { lock (_gate) { return [.. _failures]; } } }

    public IReadOnlyList<KeyValuePair<string, string>> Facts { get { lock (_gate) { return [.. _facts]; } } }

    public IReadOnlyList<string> Timeline { get { lock (_gate) { return [.. _timeline]; } } }

    public void Fact(string label, object value)
    {
        lock (_gate)
        {
            _facts.Add(new(label, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }
    }

    public void Fail(string failure)
    {
        lock (_gate)
        {
            _failures.Add(failure);
        }
    }

    /// <summary>Records a failure unless <paramref name="condition"/> holds.</summary>
    public void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            Fail(failure);
        }
    }

    public void Event(string text)
    {
        var line = $"{System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds,6:0.0} s  {text}";
        lock (_gate)
        {
            _timeline.Add(line);
        }

        log?.WriteLine(line);
    }

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine($"{Name}: {(Passed ? "PASSED" : "FAILED")}  ({Machine.Date:yyyy-MM-dd HH:mm} UTC, {Machine.Cores} cores, {Machine.Cpu})");
        foreach (var (label, value) in Facts)
        {
            text.AppendLine($"  {label}: {value}");
        }

        foreach (var failure in Failures)
        {
            text.AppendLine($"  FAILED: {failure}");
        }

        text.AppendLine("  timeline:");
        foreach (var line in Timeline)
        {
            text.AppendLine("    " + line);
        }

        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(
        new { Name, Passed, Machine, Facts = Facts.ToDictionary(f => f.Key, f => f.Value), Failures, Timeline },
        RunReport.Json);
}
