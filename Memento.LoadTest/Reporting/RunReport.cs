using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Memento.LoadTest.Measurement;

namespace Memento.LoadTest.Reporting;

/// <summary>Everything one load run measured.</summary>
public sealed record RunReport(
    Machine Machine,
    string Command,
    CorpusInfo Corpus,
    ColdStart? ColdStart,
    IReadOnlyList<PhaseReport> Phases,
    IReadOnlyList<TargetCheck> Targets)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Machine: {Machine.Cpu}, {Machine.Cores} cores, {Machine.Memory}, {Machine.Os}, {Machine.Runtime}, {Machine.Date:yyyy-MM-dd HH:mm} UTC, load average at start {Machine.LoadAverage}");
        text.AppendLine(c, $"Corpus:  {Corpus.Memories:N0} memories over {Corpus.Users} user(s), seeded by {Corpus.SeededBy} in {Corpus.SeedSeconds:0.0} s");
        if (ColdStart is { } cold)
        {
            text.AppendLine(c, $"Cold start: alive after {cold.AliveSeconds:0.00} s, first successful search after {cold.FirstSearchSeconds:0.00} s ({cold.Note})");
            if (cold.AllUsersSeconds is { } all)
            {
                text.AppendLine(c, $"            every user ({Corpus.Users}) searched once after {all:0.00} s; the phases start after that");
            }
        }

        foreach (var phase in Phases)
        {
            text.AppendLine();
            var server = phase.Server is { } usage
                ? string.Create(c, $"server CPU {usage.CpuSeconds:0.00} s ({usage.CpuCoresAverage:0.00} cores), server peak RSS {usage.PeakResidentMegabytes:0} MB")
                : "server CPU and memory not measured (a server this run did not start)";
            text.AppendLine(c, $"Phase {phase.Name}: {phase.Clients} clients, {phase.Seconds:0.0} s, {phase.TotalPerSecond:0.0} ops/s, {server}");
            text.AppendLine(c, $"  load generator CPU {phase.LoadGeneratorCpuSeconds:0.00} s; machine load average at the end {phase.LoadAverage}");
            if (phase.Cpu is { } cpu)
            {
                text.AppendLine(c, $"  {CpuLine(phase, cpu)}");
            }

            text.AppendLine("  operation            count  errors    ops/s   p50 ms   p95 ms   p99 ms   max ms");
            foreach (var op in phase.Operations)
            {
                text.AppendLine(c, $"  {op.Operation,-18} {op.Count,7} {op.Errors,7} {op.PerSecond,8:0.0} {op.P50,8:0.00} {op.P95,8:0.00} {op.P99,8:0.00} {op.Max,8:0.0}");
            }

            foreach (var note in phase.Notes)
            {
                text.AppendLine(c, $"  note: {note}");
            }

            foreach (var error in phase.SampleErrors)
            {
                text.AppendLine(c, $"  error: {error}");
            }
        }

        if (Targets.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Targets:");
            foreach (var target in Targets)
            {
                text.AppendLine(c, $"  [{(target.Met ? "met " : "MISS")}] {target.Name}: {target.Actual} (target {target.Target})");
            }
        }

        return text.ToString();
    }

    /// <summary>Cores busy over the phase by who used them, and CPU milliseconds per call.</summary>
    private static string CpuLine(PhaseReport phase, CpuUse cpu)
    {
        var c = CultureInfo.InvariantCulture;
        var calls = phase.Operations.Sum(o => o.Count);
        string PerCall(double seconds) => calls > 0 ? string.Create(c, $"{seconds * 1000 / calls:0.00} ms") : "-";
        var parts = new List<string>();
        var perCall = new List<string>();
        if (cpu.ReplicaSeconds.Count > 0)
        {
            var replicas = cpu.ReplicaSeconds.Count > 1 ? string.Create(c, $" ({string.Join(" + ", cpu.ReplicaSeconds.Select(r => cpu.Cores(r).ToString("0.00", c)))})") : "";
            parts.Add(string.Create(c, $"servers {cpu.Cores(cpu.ServersSeconds):0.00}{replicas}"));
            perCall.Add($"servers {PerCall(cpu.ServersSeconds)}");
        }
        else
        {
            parts.Add("servers not measured (not started by this run)");
        }

        if (cpu.DatabaseSeconds is { } database)
        {
            parts.Add(string.Create(c, $"database {cpu.Cores(database):0.00}"));
            perCall.Add($"database {PerCall(database)}");
        }

        parts.Add(string.Create(c, $"load generator {cpu.Cores(phase.LoadGeneratorCpuSeconds):0.00}"));
        perCall.Add($"load generator {PerCall(phase.LoadGeneratorCpuSeconds)}");
        perCall.Add($"machine {PerCall(cpu.MachineSeconds)}");
        return string.Create(c, $"CPU, cores busy: {string.Join(", ", parts)}; machine {cpu.Cores(cpu.MachineSeconds):0.00} of {Environment.ProcessorCount}. Per call: {string.Join(", ", perCall)}");
    }
}

public sealed record CorpusInfo(int Memories, int Users, string SeededBy, double SeedSeconds, string Root);

/// <summary>Seconds from process start until <c>/alive</c> answered and until the first search returned hits.</summary>
public sealed record ColdStart(double AliveSeconds, double FirstSearchSeconds, string Note)
{
    /// <summary>Seconds from process start until one search for every user of the corpus had answered.</summary>
    public double? AllUsersSeconds { get; init; }
}

public sealed record PhaseReport(
    string Name,
    int Clients,
    double Seconds,
    double TotalPerSecond,
    IReadOnlyList<OperationStats> Operations,
    ServerUsage? Server,
    double LoadGeneratorCpuSeconds,
    string LoadAverage,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> SampleErrors)
{
    /// <summary>Where the phase's CPU went (servers, database, load generator, machine).</summary>
    public CpuUse? Cpu { get; init; }
}

public sealed record TargetCheck(string Name, string Target, string Actual, bool Met);
