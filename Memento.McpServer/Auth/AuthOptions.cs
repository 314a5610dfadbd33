using System.ComponentModel.DataAnnotations;

namespace Memento.McpServer.Auth;

/// <summary>How callers prove who they are.</summary>
public enum AuthMode
{
    /// <summary>No authentication: for local development. The user comes from the <c>X-Memento-User</c> header or a <c>user</c> tool argument.</summary>
    None,

    /// <summary><c>Authorization: Bearer &lt;key&gt;</c>; keys are configured only as SHA-256 hashes mapped to users.</summary>
    ApiKey,

    /// <summary>JWT bearer tokens from Microsoft Entra ID or any OIDC issuer; the user is the token's <c>oid</c>, else <c>sub</c>.</summary>
    Jwt,
}

/// <summary>Identity settings, bound from <c>Memento:Auth</c> and validated at start-up.</summary>
public sealed record AuthOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Memento:Auth";

    /// <summary><c>None</c> (default), <c>ApiKey</c> or <c>Jwt</c>.</summary>
    public AuthMode Mode { get; init; } = AuthMode.None;

    /// <summary>
    /// In <c>None</c> mode the server refuses to listen on anything but loopback unless this is true
    /// (then it logs a warning): anyone who can reach the port can read every user's memories.
    /// </summary>
    public bool AllowAnonymousNetwork { get; init; }

    /// <summary>The role (API keys: <c>Roles</c>; JWT: the <c>roles</c> claim) that may list users and read other users' statistics.</summary>
    [Required]
    public string AdminRole { get; init; } = "memento.admin";

    /// <summary>API keys for <c>ApiKey</c> mode: <c>Memento:Auth:ApiKeys:0:Hash</c>, <c>:User</c>, <c>:Roles:0</c>.</summary>
    public IReadOnlyList<ApiKeyEntry> ApiKeys { get; init; } = [];

    /// <summary>Issuer settings for <c>Jwt</c> mode.</summary>
    public JwtSettings Jwt { get; init; } = new();
}

/// <summary>One API key: the lowercase hex SHA-256 of the key (never the key itself), its user and roles.</summary>
public sealed record ApiKeyEntry
{
    /// <summary>64 hex characters: <c>printf %s "$key" | dotnet Memento.McpServer.dll hash-key --stdin</c> prints it.</summary>
    public string Hash { get; init; } = "";

    /// <summary>The user id this key acts as.</summary>
    public string User { get; init; } = "";

    /// <summary>Roles granted to this key, e.g. <c>memento.admin</c>.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
}

/// <summary>JWT validation settings for <c>Jwt</c> mode, bound from <c>Memento:Auth:Jwt</c>.</summary>
public sealed record JwtSettings
{
    /// <summary>The issuer's base address, e.g. <c>https://login.microsoftonline.com/&lt;tenant&gt;/v2.0</c>; its OIDC discovery document supplies the signing keys.</summary>
    public string? Authority { get; init; }

    /// <summary>The audience tokens must carry, e.g. <c>api://memento</c> or the application (client) id.</summary>
    public string? Audience { get; init; }

    /// <summary>Scopes advertised in the protected-resource metadata, e.g. <c>api://memento/memories.readwrite</c>.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Require an https authority (default true; false only for a local test issuer).</summary>
    public bool RequireHttpsMetadata { get; init; } = true;
}
