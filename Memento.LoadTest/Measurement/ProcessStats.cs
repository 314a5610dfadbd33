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
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces; fields resume after the last ')'.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 3 (state), so utime (field 14) is rest[11] and stime (field 15) rest[12].
        var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond.Value);
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
