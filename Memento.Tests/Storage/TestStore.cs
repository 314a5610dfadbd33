using Memento.Tests.Infrastructure;
using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Memento.Tests.Storage;

/// <summary>A <see cref="FileMemoryStore"/> on a temporary root, and helpers to open more instances on the same root.</summary>
internal sealed class TestStore : IDisposable
{
    private readonly TempDirectory _root = new("memento-store");
    private readonly List<FileMemoryStore> _stores = [];

    public TestStore(StorageOptions? options = null, SearchOptions? search = null, TimeProvider? time = null, ILogger<FileMemoryStore>? logger = null)
    {
        Options = (options ?? new StorageOptions()) with { Root = _root.Path };
        Search = search ?? new SearchOptions();
        Time = time;
        Store = Open(logger);
    }

    public StorageOptions Options { get; }

    public SearchOptions Search { get; }

    public TimeProvider? Time { get; }

    public string Root => _root.Path;

    public FileMemoryStore Store { get; }

    /// <summary>Another instance on the same root: behaves like a second replica with its own index.</summary>
    public FileMemoryStore Open(ILogger<FileMemoryStore>? logger = null, SearchOptions? search = null, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? embeddings = null)
    {
        var store = new FileMemoryStore(Options, search ?? Search, logger ?? NullLogger<FileMemoryStore>.Instance, Time, embeddings);
        _stores.Add(store);
        return store;
    }

    public string UserDirectory(string user) => Path.Combine(Root, user);

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _root.Dispose();
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Collects log records so tests can assert what an operator would read.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}
