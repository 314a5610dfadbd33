using System.ComponentModel.DataAnnotations;

namespace Memento.McpServer.Storage;

/// <summary>Where memories live and the limits a memory must respect. Bound from <c>Memento:Storage</c>.</summary>
public sealed record StorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Memento:Storage";

    /// <summary>
    /// Where memories live: <see cref="StorageProvider.Files"/> (default, Markdown files under <see cref="Root"/>)
    /// or <see cref="StorageProvider.Postgres"/> (a PostgreSQL database, connection string <c>ConnectionStrings:memento-db</c>).
    /// </summary>
    public StorageProvider Provider { get; init; } = StorageProvider.Files;

    /// <summary>
    /// The folder holding one sub-folder per user. Several replicas may share it (Azure Files).
    /// Unset: <c>LocalApplicationData/memento</c>, or <c>~/.memento</c> where that is empty.
    /// </summary>
    public string? Root { get; init; }

    /// <summary>Largest content in UTF-8 bytes (default 1 MiB).</summary>
    [Range(1, 64 * 1024 * 1024, ErrorMessage = "Memento:Storage:MaxContentBytes must be between {1} and {2}.")]
    public int MaxContentBytes { get; init; } = 1024 * 1024;

    /// <summary>Longest title in characters (default 200).</summary>
    [Range(1, 10_000, ErrorMessage = "Memento:Storage:MaxTitleLength must be between {1} and {2}.")]
    public int MaxTitleLength { get; init; } = 200;

    /// <summary>Most tags on one memory (default 20).</summary>
    [Range(0, 1_000, ErrorMessage = "Memento:Storage:MaxTags must be between {1} and {2}.")]
    public int MaxTags { get; init; } = 20;

    /// <summary>Longest tag in characters (default 50).</summary>
    [Range(1, 1_000, ErrorMessage = "Memento:Storage:MaxTagLength must be between {1} and {2}.")]
    public int MaxTagLength { get; init; } = 50;

    /// <summary>Most metadata entries on one memory (default 20).</summary>
    [Range(0, 1_000, ErrorMessage = "Memento:Storage:MaxMetadataEntries must be between {1} and {2}.")]
    public int MaxMetadataEntries { get; init; } = 20;

    /// <summary>Largest metadata map in UTF-8 bytes, keys and values together (default 4096).</summary>
    [Range(1, 1024 * 1024, ErrorMessage = "Memento:Storage:MaxMetadataBytes must be between {1} and {2}.")]
    public int MaxMetadataBytes { get; init; } = 4096;

    /// <summary>How long a deleted memory stays in the user's trash before it is purged (default 30 days).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Memento:Storage:TrashRetention must be between {1} and {2}.")]
    public TimeSpan TrashRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often a user's folder is compared in full with the index on that user's next request, to pick
    /// up files edited by hand (default 1 minute; zero means on every request). Writes through any replica
    /// are seen at once regardless.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Memento:Storage:RescanInterval must be between {1} and {2}.")]
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A replica's change log untouched this long is removed (default 1 day); replicas that missed it rescan.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Memento:Storage:ChangeLogRetention must be between {1} and {2}.")]
    public TimeSpan ChangeLogRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Temporary files older than this are leftovers of a crash and are deleted (default 1 hour).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Memento:Storage:TempFileMaxAge must be between {1} and {2}.")]
    public TimeSpan TempFileMaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often trash purge and temp-file cleanup run (default 1 hour).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Memento:Storage:MaintenanceInterval must be between {1} and {2}.")]
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Most users this replica holds open at once (default 500): each open user keeps its search index in
    /// memory (or its index file open). Beyond it the least recently used idle user is closed; its next
    /// request opens it again and rescans its folder (a user of 1,000 memories in well under a second).
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Memento:Storage:MaxOpenUsers must be between {1} and {2}.")]
    public int MaxOpenUsers { get; init; } = 500;

    /// <summary>A user without a request for this long is closed (default 30 minutes; zero: only <see cref="MaxOpenUsers"/> closes users).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Memento:Storage:UserIdleTimeout must be between {1} and {2}.")]
    public TimeSpan UserIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Flush every write to the disk before acknowledging it (default true). Turning it off trades
    /// durability on power loss for speed; a process crash still never leaves a torn file.
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>Entries after which this replica's change log is compacted (tests lower it; not a setting).</summary>
    internal int ChangeLogRewriteAt { get; init; } = ChangeLog.RewriteAt;

    /// <summary>The file system under <see cref="Root"/> (tests play an SMB share's behaviour through it; not a setting).</summary>
    internal IFileSystem FileSystem { get; init; } = PhysicalFileSystem.Instance;

    /// <summary>The root actually used: <see cref="Root"/>, or the per-user default, as a full path.</summary>
    public string ResolveRoot()
    {
        if (!string.IsNullOrWhiteSpace(Root))
        {
            return Path.GetFullPath(Root);
        }

        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return string.IsNullOrEmpty(local)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".memento")
            : Path.Combine(local, "memento");
    }
}

/// <summary>The storage providers; see <c>docs/storage.md</c> for when to choose which.</summary>
public enum StorageProvider
{
    /// <summary>One Markdown file per memory under a root folder several replicas may share (Azure Files).</summary>
    Files,

    /// <summary>PostgreSQL as the source of truth; replicas keep no index of their own.</summary>
    Postgres,
}
