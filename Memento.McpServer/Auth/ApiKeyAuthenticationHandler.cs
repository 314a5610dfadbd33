using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;key&gt;</c> against the configured key hashes.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = header["Bearer ".Length..].Trim();
        ApiKeyEntry? match = null;
        foreach (var entry in auth.Value.ApiKeys)
        {
            // Every entry is compared, so the time taken does not tell which one matched.
            if (ApiKeyHasher.Matches(key, entry.Hash) && match is null)
            {
                match = entry;
            }
        }

        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, match.User), .. match.Roles.Select(r => new Claim(ClaimTypes.Role, r))],
            SchemeName);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName);
        return Task.FromResult(AuthenticateResult.Success(ticket));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var failed = Context.Request.Headers.Authorization.Count > 0;
        Response.Headers.WWWAuthenticate = failed
            ? "Bearer realm=\"memento\", error=\"invalid_token\", error_description=\"The API key is not valid.\""
            : "Bearer realm=\"memento\"";
        return Task.CompletedTask;
    }
}
