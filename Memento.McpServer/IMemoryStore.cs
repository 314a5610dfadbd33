namespace Memento.McpServer;

/// <summary>
/// The memory store the MCP tools call: the contract every storage provider implements (files in
/// <c>Storage/FileMemoryStore</c>; search through <c>Search/MemorySearch</c> over the provider's
/// <c>ISearchIndex</c>). Every operation is scoped to one user; the user id is validated before it
/// reaches a path or a query. Implementations are safe to share between threads, and several
/// processes (replicas) may serve the same users at once.
/// </summary>
public interface IMemoryStore
{
    /// <summary>
    /// Stores a new memory. Storing exactly the same content, title and tags again for the same user
    /// is idempotent: it returns the existing memory with <see cref="StoreResult.Created"/> false.
    /// </summary>
    /// <exception cref="MemoryValidationException">Bad user id, empty content, a limit exceeded.</exception>
    /// <exception cref="StorageUnavailableException">The storage cannot be written (read-only, full).</exception>
    Task<StoreResult> StoreAsync(string user, NewMemory memory, CancellationToken cancellationToken = default);

    /// <summary>The memory with this id, or null when the user has none (another user's id is "none").</summary>
    Task<Memory?> GetAsync(string user, string id, CancellationToken cancellationToken = default);

    /// <summary>Changes the given fields; null fields stay as they are. <c>Updated</c> moves to now.</summary>
    /// <exception cref="MemoryNotFoundException">No such memory for this user.</exception>
    Task<Memory> UpdateAsync(string user, string id, MemoryUpdate update, CancellationToken cancellationToken = default);

    /// <summary>Moves the memory to the user's trash (purged after the retention period). False when there was none.</summary>
    Task<bool> DeleteAsync(string user, string id, CancellationToken cancellationToken = default);

    /// <summary>The memories in the user's trash, most recently deleted first, paged (<c>limit</c> 1 to 100).</summary>
    /// <exception cref="MemoryValidationException">Bad user id, limit or cursor.</exception>
    Task<Page<TrashedMemory>> ListTrashAsync(string user, int limit = 20, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the most recently deleted copy of a memory back out of the trash, with its id, dates and content.
    /// Idempotent: when the memory is already back (restored before, or never deleted) it is returned with
    /// <see cref="RestoreResult.Restored"/> false and the trash is left alone.
    /// </summary>
    /// <exception cref="MemoryNotFoundException">Neither the memory nor a trashed copy of it exists (purged, or never there).</exception>
    Task<RestoreResult> RestoreAsync(string user, string id, CancellationToken cancellationToken = default);

    /// <summary>The user's memories, newest first, filtered and paged.</summary>
    Task<Page<MemorySummary>> ListAsync(string user, ListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Ranked search in plain words (any order, inflections), filtered and paged, with a snippet per hit.</summary>
    Task<Page<SearchHit>> SearchAsync(string user, SearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts and sizes for one user.</summary>
    Task<UserStats> GetStatsAsync(string user, CancellationToken cancellationToken = default);

    /// <summary>Every user id that has a folder under the storage root, sorted.</summary>
    Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default);
}

/// <summary>A stored memory in full.</summary>
public sealed record Memory(
    string Id,
    string Title,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    string Content,
    string? Source,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>What a caller supplies to store a memory. A missing title is derived from the content.</summary>
public sealed record NewMemory(
    string Content,
    string? Title = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    string? Source = null);

/// <summary>Fields to change; null means "leave as it is". An empty tag list clears the tags.</summary>
public sealed record MemoryUpdate(
    string? Content = null,
    string? Title = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>The stored memory, and whether this call created it (false: an identical one existed).</summary>
public sealed record StoreResult(Memory Memory, bool Created);

/// <summary>A memory without its full content, for lists and search hits.</summary>
public sealed record MemorySummary(
    string Id,
    string Title,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    int ContentLength,
    string Preview);

/// <summary>A memory in the trash: what it was, when it was deleted and when it will be purged for good.</summary>
public sealed record TrashedMemory(MemorySummary Memory, DateTimeOffset Deleted, DateTimeOffset PurgeAfter);

/// <summary>The memory after a restore, and whether this call moved it back (false: it was already there).</summary>
public sealed record RestoreResult(Memory Memory, bool Restored);

/// <summary>How a tag filter combines several tags.</summary>
public enum TagMatch
{
    /// <summary>A memory matches when it has at least one of the tags.</summary>
    Any,

    /// <summary>A memory matches when it has every one of the tags.</summary>
    All,
}

/// <summary>Filters and paging for <see cref="IMemoryStore.ListAsync"/>. <c>Since</c> is inclusive, <c>Until</c> exclusive, both on <c>Created</c>.</summary>
public sealed record ListQuery(
    IReadOnlyList<string>? Tags = null,
    TagMatch TagMatch = TagMatch.Any,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 20,
    string? Cursor = null);

/// <summary>A plain-language query with the same filters and paging as <see cref="ListQuery"/>.</summary>
public sealed record SearchQuery(
    string Text,
    IReadOnlyList<string>? Tags = null,
    TagMatch TagMatch = TagMatch.Any,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 10,
    string? Cursor = null);

/// <summary>One search result: the memory, its relevance (higher is better) and a snippet around the matched words.</summary>
public sealed record SearchHit(MemorySummary Memory, double Score, string Snippet);

/// <summary>One page of results; <c>NextCursor</c> is null on the last page and is opaque to callers.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Counts and sizes for one user.</summary>
public sealed record UserStats(
    string User,
    int MemoryCount,
    long TotalContentBytes,
    DateTimeOffset? Oldest,
    DateTimeOffset? Newest,
    IReadOnlyDictionary<string, int> Tags,
    int TrashedCount);

/// <summary>Input the store refuses (bad user id, empty content, a limit exceeded, a bad cursor). The message says what to change.</summary>
public sealed class MemoryValidationException(string message) : Exception(message);

/// <summary>The user has no memory with this id.</summary>
public sealed class MemoryNotFoundException(string id) : Exception($"No memory with id '{id}'.")
{
    public string Id { get; } = id;
}

/// <summary>The storage cannot take writes now (read-only, full disk, unreachable share). Reads may still work.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
