using Memento.McpServer.Embeddings;
using Memento.Tests.Chat;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Memento.Tests.Embeddings;

public sealed class EmbeddingProviderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Azure_embeds_through_the_Azure_OpenAI_client_at_the_chat_clients_endpoint_and_deployment_setting()
    {
        await using var endpoint = await ScriptedOpenAIEndpoint.StartAsync(_ => ScriptedReply.Say("unused"), text => [text.Length, 1, 0]);
        using var host = Build(new()
        {
            ["Memento:Search:Embeddings"] = "azure",
            ["ConnectionStrings:openai"] = $"Endpoint={endpoint.BaseAddress};Key=secret-key",
        });

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var vectors = await generator.GenerateAsync(["four", "sixsix"], cancellationToken: Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal([4f, 1f, 0f], vectors[0].Vector.ToArray());
        Assert.Equal([6f, 1f, 0f], vectors[1].Vector.ToArray());
        var request = Assert.Single(endpoint.EmbeddingRequests);
        Assert.Equal("text-embedding-3-small", request.Deployment);
        Assert.Equal("secret-key", request.ApiKey);
        Assert.Equal(["four", "sixsix"], request.Inputs);
    }

    [Fact]
    public void Each_setting_registers_its_generator_and_azure_without_an_endpoint_says_what_is_missing()
    {
        using var local = Build([]);
        using var off = Build(new() { ["Memento:Search:Embeddings"] = "off" });
        using var named = Build(new() { ["Memento:Search:Embeddings"] = "azure", ["Memento:Search:AzureDeployment"] = "embed-large", ["AZURE_OPENAI_ENDPOINT"] = "https://example.invalid/" });

        Assert.IsType<LocalEmbeddingGenerator>(local.Services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(off.Services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.NotNull(named.Services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        var missing = Assert.Throws<InvalidOperationException>(() => Build(new() { ["Memento:Search:Embeddings"] = "azure" }));
        Assert.Contains("ConnectionStrings:openai", missing.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMementoEmbeddings();
        return builder.Build();
    }
}
