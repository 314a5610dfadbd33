namespace Memento.Tests.Chat;

/// <summary>A clock that always says the same instant, so "last week" has one right answer.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    /// <summary>Wednesday 18 November 2026, 15:30 UTC.</summary>
    public static readonly DateTimeOffset Wednesday = new(2026, 11, 18, 15, 30, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
}
