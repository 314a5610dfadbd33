using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace Memento;

/// <summary>
/// Where the Azure OpenAI resource is, read the same way by the chat client (its chat deployment) and the
/// server (its embedding deployment): the connection string <c>ConnectionStrings:openai</c>
/// (<c>Endpoint=…;Key=…;Deployment=…</c>, as Aspire passes it), else <c>AZURE_OPENAI_ENDPOINT</c>,
/// <c>AZURE_OPENAI_API_KEY</c> and <c>AZURE_OPENAI_DEPLOYMENT</c>. No key: Entra ID.
/// </summary>
public sealed record AzureOpenAISettings(Uri Endpoint, string? Key, string? Deployment)
{
    /// <summary>The settings, or null when no endpoint is configured; throws when the endpoint is not an absolute URL.</summary>
    public static AzureOpenAISettings? From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? endpoint = null, key = null, deployment = null;
        if (configuration.GetConnectionString("openai") is { } connectionString && !string.IsNullOrWhiteSpace(connectionString))
        {
            var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
            endpoint = Value(parts, "Endpoint");
            key = Value(parts, "Key");
            deployment = Value(parts, "Deployment") ?? Value(parts, "Model");
        }

        endpoint ??= configuration["AZURE_OPENAI_ENDPOINT"];
        key ??= configuration["AZURE_OPENAI_API_KEY"];
        deployment ??= configuration["AZURE_OPENAI_DEPLOYMENT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            ? new AzureOpenAISettings(uri, key, string.IsNullOrWhiteSpace(deployment) ? null : deployment)
            : throw new InvalidOperationException($"The Azure OpenAI endpoint (ConnectionStrings:openai or AZURE_OPENAI_ENDPOINT) must be an absolute URL; it is '{endpoint}'.");
    }

    private static string? Value(DbConnectionStringBuilder parts, string name) =>
        parts.TryGetValue(name, out var value) && value?.ToString() is { Length: > 0 } text ? text : null;
}
