using System.Text.Json;
using Memento.McpServer.Storage;
using Memento.Tests.Chat;
using Memento.Tests.Tools;

namespace Memento.Tests.Search;

/// <summary>Each value of <c>Memento:Search:Embeddings</c>, through the real server and the SDK's MCP client.</summary>
public sealed class EmbeddingProvidersOverMcpTests
{
    private const string Budget = "We agreed to cut the mobile budget by 15% for next quarter.";
    private const string Question = "what did we decide about money for the phone app";

    private static readonly string[] Others =
    [
        "The garden needs watering twice a week in summer.",
        "Dentist appointment moved to Thursday at 3 pm.",
        "Pack the fragile glasses in the blue boxes before the movers come.",
        "The cluster upgrade failed because the ingress controller was pinned to an old API version.",
    ];

    [Fact]
    public async Task With_no_configuration_the_server_ranks_by_meaning_with_the_local_model()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();
        var budget = await StoreAllAsync(client);
        await server.WhenVectorsReadyAsync();

        var hits = Ids(await client.CallOkAsync("retrieve_memories", new { query = Question, limit = 3 }));

        Assert.Equal(budget, hits[0]);
        Assert.True(server.GetRequiredService<FileMemoryStore>().HybridSearch);
        Assert.Equal("all-minilm-l6-v2+title", server.GetRequiredService<FileMemoryStore>().Embeddings.ModelId);
        Assert.True(Directory.Exists(Path.Combine(server.StorageRoot, "default", FileVectorStore.Folder, "all-minilm-l6-v2_title")));
    }

    [Fact]
    public async Task Off_ranks_by_words_alone_and_keeps_no_vectors()
    {
        await using var server = McpServerHost.Start(new Dictionary<string, string?> { ["Memento:Search:Embeddings"] = "off" });
        await using var client = await server.ConnectAsync();
        var budget = await StoreAllAsync(client);

        var byMeaning = Ids(await client.CallOkAsync("retrieve_memories", new { query = Question }));
        var byWords = Ids(await client.CallOkAsync("retrieve_memories", new { query = "mobile budget" }));

        Assert.DoesNotContain(budget, byMeaning);
        Assert.Equal([budget], byWords);
        Assert.False(server.GetRequiredService<FileMemoryStore>().HybridSearch);
        Assert.False(Directory.Exists(Path.Combine(server.StorageRoot, "default", FileVectorStore.Folder)));
    }

    [Fact]
    public async Task Azure_ranks_by_meaning_with_the_deployment_behind_the_chat_clients_connection_string()
    {
        // A scripted deployment whose vectors say what a text is about, by groups of words meaning the same.
        string[][] concepts = [["money", "budget"], ["phone", "mobile", "app"], ["garden", "watering"], ["dentist", "appointment"]];
        await using var endpoint = await ScriptedOpenAIEndpoint.StartAsync(_ => ScriptedReply.Say("unused"), text =>
        {
            var words = text.ToLowerInvariant().Split([' ', '.', ',', '%'], StringSplitOptions.RemoveEmptyEntries);
            return [.. concepts.Select(c => (float)words.Count(c.Contains)), 0.1f];
        });
        await using var server = McpServerHost.Start(new Dictionary<string, string?>
        {
            ["Memento:Search:Embeddings"] = "azure",
            ["Memento:Search:AzureDeployment"] = "embeddings",
            ["ConnectionStrings:openai"] = $"Endpoint={endpoint.BaseAddress};Key=test-key",
        });
        await using var client = await server.ConnectAsync();
        var budget = await StoreAllAsync(client);
        await server.WhenVectorsReadyAsync();

        var hits = Ids(await client.CallOkAsync("retrieve_memories", new { query = Question, limit = 3 }));
        await client.CallOkAsync("retrieve_memories", new { query = Question, limit = 3 });

        Assert.Equal(budget, hits[0]);
        Assert.All(endpoint.EmbeddingRequests, r => Assert.Equal(("embeddings", "test-key"), (r.Deployment, r.ApiKey)));
        Assert.Equal(1, endpoint.EmbeddingRequests.Count(r => r.Inputs.Contains(Question)));
        // Each memory is one request of two inputs: its whole text and its title.
        Assert.Equal(Others.Length + 1, endpoint.EmbeddingRequests.Count(r => !r.Inputs.Contains(Question)));
        Assert.All(endpoint.EmbeddingRequests.Where(r => !r.Inputs.Contains(Question)), r => Assert.Equal(2, r.Inputs.Length));
        Assert.True(Directory.Exists(Path.Combine(server.StorageRoot, "default", FileVectorStore.Folder, "embeddings_title")));
    }

    private static async Task<string> StoreAllAsync(ModelContextProtocol.Client.McpClient client)
    {
        var budget = (await client.CallOkAsync("store_memory", new { content = Budget })).Id();
        foreach (var other in Others)
        {
            await client.CallOkAsync("store_memory", new { content = other });
        }

        return budget;
    }

    private static List<string> Ids(JsonElement result) =>
        [.. result.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("memory").GetProperty("id").GetString()!)];
}
