using System.ClientModel;
using Azure.AI.OpenAI;
using Azure.Identity;
using Memento.McpServer.Embeddings;
using Memento.McpServer.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registration of the embedding model that ranks searches by meaning.</summary>
public static class EmbeddingExtensions
{
    /// <summary>
    /// Registers the <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> that
    /// <c>Memento:Search:Embeddings</c> names: <c>local</c> (default; the model in the server's packages,
    /// <c>Memento:Search:LocalModel</c>), <c>azure</c> (the Azure OpenAI deployment
    /// <c>Memento:Search:AzureDeployment</c> at the endpoint of <c>ConnectionStrings:openai</c>, key or
    /// Entra ID) or <c>off</c> (none: BM25 only). A generator already registered (tests) is kept.
    /// </summary>
    public static IHostApplicationBuilder AddMementoEmbeddings(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var search = builder.Configuration.GetSection(SearchOptions.SectionName).Get<SearchOptions>() ?? new SearchOptions();
        switch (search.Embeddings)
        {
            case EmbeddingProvider.Local:
                var model = LocalModel.Find(search.LocalModel)
                    ?? throw new InvalidOperationException(
                        $"{SearchOptions.SectionName}:LocalModel is '{search.LocalModel}'; the local models are {string.Join(", ", LocalModel.All.Select(m => m.Id))}.");
                builder.Services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(_ => new LocalEmbeddingGenerator(model));
                break;
            case EmbeddingProvider.Azure:
                var azure = AzureEndpoint.From(builder.Configuration)
                    ?? throw new InvalidOperationException(
                        $"{SearchOptions.SectionName}:Embeddings is 'azure' but neither ConnectionStrings:openai nor AZURE_OPENAI_ENDPOINT is set.");
                builder.Services.TryAddSingleton(_ => azure.Client().GetEmbeddingClient(search.AzureDeployment).AsIEmbeddingGenerator());
                break;
        }

        return builder;
    }

    /// <summary>The Azure OpenAI endpoint and key, read as the chat client reads them (<see cref="AzureOpenAISettings"/>).</summary>
    internal sealed record AzureEndpoint(Uri Endpoint, string? Key)
    {
        // An embedding call is small; the library's 100 s default would hold a search that long.
        private static readonly TimeSpan s_networkTimeout = TimeSpan.FromSeconds(20);

        public static AzureEndpoint? From(IConfiguration configuration) =>
            Memento.AzureOpenAISettings.From(configuration) is { } settings ? new AzureEndpoint(settings.Endpoint, settings.Key) : null;

        public AzureOpenAIClient Client()
        {
            var options = new AzureOpenAIClientOptions { NetworkTimeout = s_networkTimeout };
            return Key is { Length: > 0 } key
                ? new AzureOpenAIClient(Endpoint, new ApiKeyCredential(key), options)
                : new AzureOpenAIClient(Endpoint, new DefaultAzureCredential(), options);
        }
    }
}
