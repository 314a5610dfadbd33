using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.McpServer.Storage.Postgres;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Memento.Tests.Storage;

/// <summary>
/// One provider's store for a contract test, and more instances on the same storage that behave like
/// other replicas. The contract suite (<see cref="MemoryStoreContract"/>) sees only this.
/// </summary>
public abstract class StoreEnvironment : IAsyncDisposable
{
    /// <summary>The first replica.</summary>
    public abstract IMemoryStore Store { get; }

    /// <summary>Another replica on the same storage, optionally with other search settings.</summary>
    public abstract IMemoryStore OpenReplica(SearchOptions? search = null, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null);

    /// <summary>Completes when the replica has made or loaded the vector of every memory stored so far (they are made in the background).</summary>
    public abstract Task VectorsReadyAsync(IMemoryStore replica, CancellationToken cancellationToken);

    /// <summary>Stores a memory as it was elsewhere, with its id and times (how a test dates memories); returns its id.</summary>
    public abstract Task<string> ImportAsync(IMemoryStore replica, string user, Memory memory, CancellationToken cancellationToken);

    /// <summary>Runs the provider's trash purge once; returns how many memories went for good.</summary>
    public abstract Task<int> PurgeTrashAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

/// <summary>What a contract test asks of a provider's store.</summary>
public sealed record StoreSetup(StorageOptions? Options = null, TimeProvider? Time = null);

internal sealed class FileStoreEnvironment(StoreSetup setup) : StoreEnvironment
{
    private readonly TestStore _env = new(setup.Options, time: setup.Time);

    public override IMemoryStore Store => _env.Store;

    public override IMemoryStore OpenReplica(SearchOptions? search = null, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null) =>
        _env.Open(search: search, embeddings: embeddings);

    public override Task VectorsReadyAsync(IMemoryStore replica, CancellationToken cancellationToken) =>
        ((FileMemoryStore)replica).Embeddings.WhenVectorsReadyAsync(cancellationToken);

    public override async Task<string> ImportAsync(IMemoryStore replica, string user, Memory memory, CancellationToken cancellationToken) =>
        (await ((FileMemoryStore)replica).ImportAsync(user, memory, cancellationToken)).Memory.Id;

    public override Task<int> PurgeTrashAsync(CancellationToken cancellationToken) => Task.FromResult(_env.Store.PurgeTrash());

    public override ValueTask DisposeAsync()
    {
        _env.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Stores on a schema of their own in the test PostgreSQL server; each replica has its own connection pool.</summary>
internal sealed class PostgresStoreEnvironment : StoreEnvironment
{
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private readonly List<PostgresMemoryStore> _stores = [];
    private readonly StoreSetup _setup;
    private readonly string _connectionString;
    private readonly PostgresMemoryStore _store;

    private PostgresStoreEnvironment(StoreSetup setup, string connectionString)
    {
        _setup = setup;
        _connectionString = connectionString;
        _store = Open(new SearchOptions(), null);
    }

    public static async Task<PostgresStoreEnvironment> CreateAsync(PostgresServer server, StoreSetup setup, CancellationToken cancellationToken) =>
        new(setup, await server.CreateSchemaAsync(cancellationToken));

    public override IMemoryStore Store => _store;

    public PostgresMemoryStore Postgres => _store;

    public string ConnectionString => _connectionString;

    public override IMemoryStore OpenReplica(SearchOptions? search = null, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null) =>
        Open(search ?? new SearchOptions(), embeddings);

    public PostgresMemoryStore Open(SearchOptions search, IEmbeddingGenerator<string, Embedding<float>>? embeddings)
    {
        var dataSource = NpgsqlDataSource.Create(_connectionString);
        _dataSources.Add(dataSource);
        var store = new PostgresMemoryStore(dataSource, _setup.Options ?? new StorageOptions(), new PostgresStorageOptions(), search, NullLogger<PostgresMemoryStore>.Instance, _setup.Time, embeddings);
        _stores.Add(store);
        return store;
    }

    public override Task VectorsReadyAsync(IMemoryStore replica, CancellationToken cancellationToken) =>
        ((PostgresMemoryStore)replica).WhenVectorsReadyAsync(cancellationToken);

    public override async Task<string> ImportAsync(IMemoryStore replica, string user, Memory memory, CancellationToken cancellationToken)
    {
        await ((PostgresMemoryStore)replica).ImportAsync(user, memory, deletedAt: null, cancellationToken);
        return memory.Id;
    }

    public override Task<int> PurgeTrashAsync(CancellationToken cancellationToken) => _store.PurgeTrashAsync(cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            var schema = new NpgsqlConnectionStringBuilder(_connectionString).SearchPath;
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server is going away with the whole run; its folder is deleted then.
        }
    }
}
