namespace Memento.McpServer.Storage;

/// <summary>Waits that double after each failure, up to a ceiling.</summary>
internal static class Backoff
{
    /// <summary>The wait after <paramref name="delay"/>: twice as long, at most <paramref name="max"/>.</summary>
    public static TimeSpan Next(TimeSpan delay, TimeSpan max) => delay * 2 < max ? delay * 2 : max;

    /// <summary>The wait after the <paramref name="attempts"/>-th failure in a row (1: <paramref name="first"/>), at most <paramref name="max"/>.</summary>
    public static TimeSpan After(int attempts, TimeSpan first, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));
}
