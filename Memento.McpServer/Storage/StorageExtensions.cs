using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.McpServer.Storage.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of Memento's storage engine and search index.</summary>
public static class StorageExtensions
{
    /// <summary>
    /// Adds the <see cref="IMemoryStore"/> that <c>Memento:Storage:Provider</c> names (options from <c>Memento:Storage</c>
    /// and <c>Memento:Search</c>, validated at start). <c>Files</c> (default): the file store, index warm-up at start,
    /// periodic trash purge and temp-file cleanup, and the storage readiness check behind <c>/health</c>; memory vectors
    /// are kept in the registered <see cref="Memento.McpServer.Embeddings.IVectorStore"/>, by default beside the memories
    /// (<see cref="FileVectorStore"/>).
    /// <c>Postgres</c>: the PostgreSQL store on the <c>memento-db</c> connection string (Aspire's Npgsql client with
    /// its health check), schema migrations at start and periodic trash purge.
    /// Semantic ranking is used unless <c>Memento:Search:Embeddings</c> is <c>off</c>, with the
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> that <see cref="EmbeddingExtensions.AddMementoEmbeddings"/>
    /// registers.
    /// </summary>
    public static IHostApplicationBuilder AddMementoStorage(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<SearchOptions>()
            .BindConfiguration(SearchOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(
                search => string.IsNullOrWhiteSpace(search.IndexPath) || Path.IsPathFullyQualified(Path.GetFullPath(search.IndexPath)),
                $"{SearchOptions.SectionName}:IndexPath must be a local folder path.")
            .ValidateOnStart();

        var provider = builder.Configuration.GetValue<StorageProvider?>($"{StorageOptions.SectionName}:{nameof(StorageOptions.Provider)}") ?? StorageProvider.Files;
        if (provider == StorageProvider.Postgres)
        {
            return builder.AddMementoPostgresStorage();
        }

        builder.Services.AddSingleton(sp => new FileMemoryStore(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            sp.GetRequiredService<IOptions<SearchOptions>>().Value,
            sp.GetRequiredService<ILogger<FileMemoryStore>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetService<Memento.McpServer.Embeddings.IVectorStore>()));
        builder.Services.AddSingleton<IMemoryStore>(sp => sp.GetRequiredService<FileMemoryStore>());
        builder.Services.AddSingleton<IStorageMaintenance>(sp => sp.GetRequiredService<FileMemoryStore>());
        builder.Services.AddSingleton<IMemoryCorpus>(sp => sp.GetRequiredService<FileMemoryStore>());
        builder.Services.AddSingleton<SeedImporter>();
        builder.Services.AddHostedService<StorageMaintenanceService>();

        // Readiness (/health): a replica that cannot read or write its storage must leave the load balancer.
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>(StorageHealthCheck.Name, timeout: TimeSpan.FromSeconds(10));
        return builder;
    }

    private static IHostApplicationBuilder AddMementoPostgresStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PostgresStorageOptions>()
            .BindConfiguration(PostgresStorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.AddNpgsqlDataSource(PostgresStorageOptions.ConnectionName);
        builder.Services.AddSingleton(sp => new PostgresMemoryStore(
            sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value,
            sp.GetRequiredService<IOptions<SearchOptions>>().Value,
            sp.GetRequiredService<ILogger<PostgresMemoryStore>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>()));
        builder.Services.AddSingleton<IMemoryStore>(sp => sp.GetRequiredService<PostgresMemoryStore>());
        builder.Services.AddSingleton<LayoutTransfer>();
        builder.Services.AddHostedService<PostgresMaintenanceService>();
        builder.Services.AddHealthChecks().AddCheck<PostgresSchemaHealthCheck>("memento-storage-schema");
        return builder;
    }
}
