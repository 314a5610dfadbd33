namespace Memento.LoadTest.Faults;

/// <summary>What a fault run does; every field maps to one command-line option (see <c>Program.Usage</c>).</summary>
public sealed record FaultOptions
{
    public string ServerDll { get; init; } = "";

    /// <summary>Folder for the storage root (and mounts); null for a temporary folder removed afterwards.</summary>
    public string? WorkDirectory { get; init; }

    public int Clients { get; init; } = 8;

    /// <summary>fault-kill: total time under load; fault-readonly/diskfull: each stage's length. Null for the command's default.</summary>
    public TimeSpan? Duration { get; init; }

    public TimeSpan KillEvery { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>fault-kill: the run may end once this many stores were acknowledged (and <see cref="MinimumKills"/> kills done).</summary>
    public int Writes { get; init; }

    public int MinimumKills { get; init; }

    public int Users { get; init; } = 4;

    public string UserHeader { get; init; } = "X-Memento-User";

    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string User(int index) => $"fault-{index:D2}";
}
