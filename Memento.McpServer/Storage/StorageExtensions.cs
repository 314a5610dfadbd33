using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of Memento's storage engine and search index.</summary>
public static class StorageExtensions
{
    /// <summary>
    /// Adds the file-based <see cref="IMemoryStore"/> (options from <c>Memento:Storage</c> and <c>Memento:Search</c>,
    /// validated at start), index warm-up at start, and periodic trash purge and temp-file cleanup.
    /// Semantic ranking is used unless <c>Memento:Search:Embeddings</c> is <c>off</c>, with the
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> that <see cref="EmbeddingExtensions.AddMementoEmbeddings"/>
    /// registers; memory vectors are kept in the registered <see cref="Memento.McpServer.Embeddings.IVectorStore"/>,
    /// by default beside the memories (<see cref="FileVectorStore"/>).
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

        builder.Services.AddSingleton(sp => new FileMemoryStore(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            sp.GetRequiredService<IOptions<SearchOptions>>().Value,
            sp.GetRequiredService<ILogger<FileMemoryStore>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetService<Memento.McpServer.Embeddings.IVectorStore>()));
        builder.Services.AddSingleton<IMemoryStore>(sp => sp.GetRequiredService<FileMemoryStore>());
        builder.Services.AddSingleton<IStorageMaintenance>(sp => sp.GetRequiredService<FileMemoryStore>());
        builder.Services.AddSingleton<SeedImporter>();
        builder.Services.AddHostedService<StorageMaintenanceService>();
        return builder;
    }
}
