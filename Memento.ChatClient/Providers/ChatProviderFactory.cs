using System.ClientModel;
using Azure.AI.OpenAI;
using Azure.Identity;
using Memento.ChatClient.Agent;
using Memento.ChatClient.Offline;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Memento.ChatClient.Providers;

/// <summary>Which model answers, said in words at start-up and on the page.</summary>
public sealed record ChatProviderInfo(string Kind, string Description);

/// <summary>The configured model client (before function invocation is added) and its description.</summary>
public sealed record ChatProvider(IChatClient Client, ChatProviderInfo Info);

/// <summary>
/// Picks the model provider. <c>auto</c>: Azure OpenAI when <c>ConnectionStrings:openai</c> or
/// <c>AZURE_OPENAI_ENDPOINT</c> is set (key, else Entra ID via <c>DefaultAzureCredential</c>); else an
/// OpenAI-compatible endpoint when <c>Memento:Chat:OpenAIEndpoint</c> is set; else the offline engine.
/// </summary>
public static class ChatProviderFactory
{
    // A tool-calling turn can take a while on a loaded deployment or a local model on a CPU; the
    // client library's 100 s default cuts such answers off, so the limit is raised on purpose.
    internal static readonly TimeSpan ModelNetworkTimeout = TimeSpan.FromMinutes(3);

    public static ChatProvider Create(IConfiguration configuration, ChatClientOptions options, TimeProvider time, TimeZoneInfo zone)
    {
        var azure = AzureSettings(configuration, options);
        var kind = options.Provider;
        if (kind == "auto")
        {
            kind = azure is not null ? "azure" : !string.IsNullOrWhiteSpace(options.OpenAIEndpoint) ? "openai" : "offline";
        }

        switch (kind)
        {
            case "azure":
                if (azure is null)
                {
                    throw new InvalidOperationException("Memento:Chat:Provider is 'azure' but neither ConnectionStrings:openai nor AZURE_OPENAI_ENDPOINT is set.");
                }

                var azureOptions = new AzureOpenAIClientOptions { NetworkTimeout = ModelNetworkTimeout };
                var azureClient = azure.Key is { Length: > 0 } key
                    ? new AzureOpenAIClient(azure.Endpoint, new ApiKeyCredential(key), azureOptions)
                    : new AzureOpenAIClient(azure.Endpoint, new DefaultAzureCredential(), azureOptions);
                var auth = azure.Key is { Length: > 0 } ? "API key" : "Entra ID";
                return new(azureClient.GetChatClient(azure.Deployment).AsIChatClient(),
                    new ChatProviderInfo("azure", $"Azure OpenAI at {azure.Endpoint.Host}, deployment {azure.Deployment}, {auth}"));

            case "openai":
                if (!Uri.TryCreate(options.OpenAIEndpoint, UriKind.Absolute, out var endpoint))
                {
                    throw new InvalidOperationException($"Memento:Chat:OpenAIEndpoint must be an absolute URL; it is '{options.OpenAIEndpoint}'.");
                }

                var openAi = new OpenAIClient(
                    new ApiKeyCredential(string.IsNullOrWhiteSpace(options.OpenAIApiKey) ? "unused" : options.OpenAIApiKey),
                    new OpenAIClientOptions { Endpoint = endpoint, NetworkTimeout = ModelNetworkTimeout });
                return new(openAi.GetChatClient(options.OpenAIModel).AsIChatClient(),
                    new ChatProviderInfo("openai", $"OpenAI-compatible endpoint {endpoint}, model {options.OpenAIModel}"));

            default:
                return new(new OfflineChatClient(time, zone, options.User),
                    new ChatProviderInfo("offline", "the built-in offline engine (no model configured)"));
        }
    }

    private sealed record Azure(Uri Endpoint, string? Key, string Deployment);

    private static Azure? AzureSettings(IConfiguration configuration, ChatClientOptions options) =>
        AzureOpenAISettings.From(configuration) is { } settings
            ? new Azure(settings.Endpoint, settings.Key, settings.Deployment ?? options.Deployment)
            : null;
}
