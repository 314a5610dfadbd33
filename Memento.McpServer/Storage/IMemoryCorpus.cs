namespace Memento.McpServer.Storage;

/// <summary>
/// A provider's whole corpus, for the operator commands (import, export, reindex) and for moving users
/// between providers: memories go in and out as they are, with their ids and times.
/// </summary>
public interface IMemoryCorpus
{
    /// <summary>
    /// Stores a memory as it was elsewhere: its id, creation and update times and content, checked and
    /// normalised like any store. Nothing is written (<see cref="StoreResult.Created"/> false, the memory
    /// already there returned) when the user already holds this id or exactly this content.
    /// </summary>
    /// <exception cref="MemoryValidationException">Bad user id or memory id, empty content, a limit exceeded.</exception>
    Task<StoreResult> ImportAsync(string user, Memory memory, CancellationToken cancellationToken = default);

    /// <summary>Every live memory of the user (not the trash), in id order.</summary>
    IAsyncEnumerable<Memory> ExportAsync(string user, CancellationToken cancellationToken = default);

    /// <summary>Rebuilds the user's search index from the source of truth.</summary>
    Task RebuildIndexAsync(string user, CancellationToken cancellationToken = default);

    /// <summary>Every user id that has memories (or had), sorted.</summary>
    Task<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken = default);
}
