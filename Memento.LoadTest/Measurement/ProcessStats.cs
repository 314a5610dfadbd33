using System.Globalization;
using System.Runtime.InteropServices;

namespace Memento.LoadTest.Measurement;

/// <summary>
/// CPU and memory of another process, read from <c>/proc/&lt;pid&gt;/stat</c> (utime + stime) and
/// <c>/proc/&lt;pid&gt;/status</c> (VmHWM, VmRSS). Linux only, which is where the figures are recorded.
/// </summary>
public static class ProcessStats
{
    private const int ScClkTck = 2;

    private static readonly Lazy<long> TicksPerSecond = new(() =>
    {
        var ticks = sysconf(ScClkTck);
        return ticks > 0 ? ticks : 100;
    });

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var fields = StatFields(pid);
        return TimeSpan.FromSeconds((double)(Ticks(fields, 11) + Ticks(fields, 12)) / TicksPerSecond.Value);
    }

    /// <summary>
    /// CPU time of a process and everything it started: its own user and system time, that of its
    /// running children, and that of the children it has already waited for (cutime + cstime). For a
    /// server that forks a process per connection, such as PostgreSQL's postmaster, this is the
    /// server's CPU whichever of its backends did the work, including backends that have exited.
    /// </summary>
    public static TimeSpan TreeCpuTime(int pid)
    {
        var fields = StatFields(pid);
        var ticks = Ticks(fields, 11) + Ticks(fields, 12) + Ticks(fields, 13) + Ticks(fields, 14);
        foreach (var child in ChildrenOf(pid))
        {
            try
            {
                var c = StatFields(child);
                ticks += Ticks(c, 11) + Ticks(c, 12) + Ticks(c, 13) + Ticks(c, 14);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The child exited between the listing and the read; its time is now in the parent's cutime.
            }
        }

        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond.Value);
    }

    /// <summary>
    /// CPU the whole machine has been busy since boot (every state but idle and I/O wait, all cores
    /// summed), from the first line of <c>/proc/stat</c>.
    /// </summary>
    public static TimeSpan MachineBusyTime()
    {
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user and nice]
        var busy = values.Take(8).Sum() - values[3] - values[4];
        return TimeSpan.FromSeconds((double)busy / TicksPerSecond.Value);
    }

    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces; fields resume after the last ')'.
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    // fields[0] is field 3 (state): utime (14) is fields[11], stime fields[12], cutime fields[13], cstime fields[14].
    private static long Ticks(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    private static IEnumerable<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children"))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended while listing.
            }
        }

        return children;
    }

    /// <summary>Peak resident set size ("high water mark") in bytes since start or the last <see cref="ResetPeak"/>.</summary>
    public static long PeakResidentBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    /// <summary>Current resident set size in bytes.</summary>
    public static long ResidentBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>
    /// Resets VmHWM to the current RSS (writes 5 to <c>/proc/&lt;pid&gt;/clear_refs</c>) so a phase's
    /// peak excludes what came before; false where the kernel or permissions refuse it.
    /// </summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long StatusKilobytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var value = line[field.Length..].Trim();
                return long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [DllImport("libc")]
    private static extern long sysconf(int name);
}

/// <summary>What a server process used over one phase.</summary>
public sealed record ServerUsage(
    double CpuSeconds,
    double CpuCoresAverage,
    double PeakResidentMegabytes,
    double RssAtEndMegabytes);

/// <summary>Measures a server process across a phase: CPU from start to end, peak memory over it.</summary>
public sealed class UsageMeter
{
    private readonly int _pid;
    private readonly TimeSpan _cpuAtStart;
    private readonly long _startTimestamp;

    private UsageMeter(int pid)
    {
        _pid = pid;
        _cpuAtStart = ProcessStats.CpuTime(pid);
        _startTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public static UsageMeter Start(int pid, bool resetPeak)
    {
        if (resetPeak)
        {
            ProcessStats.ResetPeak(pid);
        }

        return new UsageMeter(pid);
    }

    public ServerUsage Stop()
    {
        var cpu = (ProcessStats.CpuTime(_pid) - _cpuAtStart).TotalSeconds;
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        return new ServerUsage(
            Math.Round(cpu, 2),
            wall > 0 ? Math.Round(cpu / wall, 2) : 0,
            Math.Round(ProcessStats.PeakResidentBytes(_pid) / 1048576.0, 1),
            Math.Round(ProcessStats.ResidentBytes(_pid) / 1048576.0, 1));
    }
}

/// <summary>
/// Where a phase's CPU went, in seconds: each server replica, the database server (when the run was
/// told its process), the load generator itself, and the whole machine, so what no one accounts for shows.
/// </summary>
public sealed record CpuUse(
    double WallSeconds,
    IReadOnlyList<double> ReplicaSeconds,
    double? DatabaseSeconds,
    double MachineSeconds)
{
    public double ServersSeconds => ReplicaSeconds.Sum();

    /// <summary>Average cores busy over the phase for <paramref name="seconds"/> of CPU.</summary>
    public double Cores(double seconds) => WallSeconds > 0 ? Math.Round(seconds / WallSeconds, 2) : 0;
}

/// <summary>Measures <see cref="CpuUse"/> across one phase.</summary>
public sealed class CpuMeter
{
    private readonly IReadOnlyList<int> _replicas;
    private readonly int? _database;
    private readonly TimeSpan[] _replicasAtStart;
    private readonly TimeSpan? _databaseAtStart;
    private readonly TimeSpan _machineAtStart;
    private readonly long _startTimestamp;

    private CpuMeter(IReadOnlyList<int> replicas, int? database)
    {
        _replicas = replicas;
        _database = database;
        _replicasAtStart = [.. replicas.Select(ProcessStats.CpuTime)];
        _databaseAtStart = database is { } d ? ProcessStats.TreeCpuTime(d) : null;
        _machineAtStart = ProcessStats.MachineBusyTime();
        _startTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public static CpuMeter Start(IReadOnlyList<int> replicas, int? database) => new(replicas, database);

    public CpuUse Stop()
    {
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        var replicas = _replicas.Select((pid, i) => Math.Round((ProcessStats.CpuTime(pid) - _replicasAtStart[i]).TotalSeconds, 2)).ToList();
        double? database = _database is { } d ? Math.Round((ProcessStats.TreeCpuTime(d) - _databaseAtStart!.Value).TotalSeconds, 2) : null;
        var machine = Math.Round((ProcessStats.MachineBusyTime() - _machineAtStart).TotalSeconds, 2);
        return new CpuUse(Math.Round(wall, 2), replicas, database, machine);
    }
}
