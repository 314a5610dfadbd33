using System.ComponentModel.DataAnnotations;

namespace Memento.ChatClient.Agent;

/// <summary>
/// The chat client's settings, bound from <c>Memento:Chat</c> (environment form <c>Memento__Chat__*</c>).
/// The model provider's connection comes from <c>ConnectionStrings:openai</c> or the seed's
/// <c>AZURE_OPENAI_*</c> names; see <see cref="Providers.ChatProviderFactory"/>.
/// </summary>
public sealed record ChatClientOptions
{
    public const string Section = "Memento:Chat";

    /// <summary>The MCP endpoint, e.g. <c>http://127.0.0.1:8000/mcp</c>. Wins over every discovered address.</summary>
    public string? ServerUrl { get; init; }

    /// <summary>
    /// A PEM file of the certificates to trust for an <c>https</c> server (a private CA, or the server's
    /// self-signed certificate) instead of the system's roots; the host name must still match.
    /// </summary>
    public string? ServerCertificate { get; init; }

    /// <summary>The user whose memories this client works with; sent as <c>X-Memento-User</c> when no credentials are configured (with credentials the server takes the user from them).</summary>
    [Required]
    [UserId(ErrorMessage = "Memento:Chat:User must be a valid user id: " + UserIdRule.Description + ".")]
    public string User { get; init; } = "default";

    /// <summary>An API key for a server with <c>ApiKey</c> authentication, sent as <c>Authorization: Bearer</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>A bearer token sent as is (e.g. from <c>az account get-access-token</c>).</summary>
    public string? AccessToken { get; init; }

    /// <summary>An Entra ID scope (e.g. <c>api://memento/.default</c>); when set, tokens come from <c>DefaultAzureCredential</c>.</summary>
    public string? ServerScope { get; init; }

    /// <summary><c>auto</c> (Azure OpenAI, else an OpenAI-compatible endpoint, else offline), <c>azure</c>, <c>openai</c> or <c>offline</c>.</summary>
    [Required]
    [RegularExpression("^(auto|azure|openai|offline)$", ErrorMessage = "Memento:Chat:Provider must be auto, azure, openai or offline.")]
    public string Provider { get; init; } = "auto";

    /// <summary>The Azure OpenAI deployment name.</summary>
    [Required]
    public string Deployment { get; init; } = "gpt-4o-mini";

    /// <summary>Base URL of an OpenAI-compatible endpoint (e.g. <c>http://127.0.0.1:11434/v1</c>).</summary>
    public string? OpenAIEndpoint { get; init; }

    /// <summary>Key for <see cref="OpenAIEndpoint"/>; local model servers usually accept any value.</summary>
    public string? OpenAIApiKey { get; init; }

    /// <summary>Model name for <see cref="OpenAIEndpoint"/>.</summary>
    public string OpenAIModel { get; init; } = "gpt-4o-mini";

    /// <summary>IANA or Windows time zone id used for "today", "last week"; the machine's zone when empty.</summary>
    public string? TimeZone { get; init; }

    /// <summary>How many messages of a conversation are kept and sent back to the model.</summary>
    [Range(2, 1000)]
    public int MaxHistoryMessages { get; init; } = 60;

    /// <summary>
    /// SHA-256 (64 hex digits) of the access key the chat page's API requires, sent as <c>Authorization: Bearer &lt;key&gt;</c>;
    /// the page asks for it once per browser session. Create one with <c>Memento.McpServer hash-key</c> or <c>sha256sum</c>.
    /// Unset: no key, and then the page is served on loopback only unless <see cref="AllowAnonymousNetwork"/>.
    /// </summary>
    [RegularExpression(@"\A[0-9a-fA-F]{64}\z", ErrorMessage = "Memento:Chat:AccessKeyHash must be the SHA-256 of the key as 64 hex digits.")]
    public string? AccessKeyHash { get; init; }

    /// <summary>Serve the page beyond loopback without an access key (default false; then it logs a warning at start-up).</summary>
    public bool AllowAnonymousNetwork { get; init; }

    /// <summary>How many conversations the web page keeps in memory before the least recent are dropped.</summary>
    [Range(1, 100_000)]
    public int MaxConversations { get; init; } = 500;
}
