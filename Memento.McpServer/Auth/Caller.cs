using System.Security.Claims;
using Microsoft.Extensions.Options;
using Memento.McpServer.Errors;
using Memento.McpServer.Storage;

namespace Memento.McpServer.Auth;

/// <summary>
/// Who is calling, for one MCP request. With authentication on, the user is the authenticated
/// principal and nothing else; in local mode (<c>None</c>, or stdio) a <c>user</c> argument, then the
/// <c>X-Memento-User</c> header, then <c>default</c>.
/// </summary>
public sealed class Caller(IOptions<AuthOptions> auth, TransportKind transport)
{
    /// <summary>The claim type holding the user id on every principal Memento creates or accepts.</summary>
    public const string UserClaim = ClaimTypes.NameIdentifier;

    /// <summary>The authentication type of the principal made from the <c>X-Memento-User</c> header in local mode.</summary>
    public const string LocalAuthenticationType = "Memento.Local";

    /// <summary>The principal the transport attached to this request (null on stdio).</summary>
    public ClaimsPrincipal? Principal { get; set; }

    /// <summary>True when tool arguments and headers may name the user (no authentication).</summary>
    public bool IsLocal => transport.IsStdio || auth.Value.Mode == AuthMode.None;

    /// <summary>True when the caller may list users and read their statistics: always in local mode, else with the admin role.</summary>
    public bool IsAdmin => IsLocal || Principal?.IsInRole(auth.Value.AdminRole) == true;

    /// <summary>The user this request acts for; a <paramref name="userArgument"/> naming someone else is refused when authenticated.</summary>
    /// <exception cref="RefusalException">Not authenticated, the argument names another user, or it is not a valid user id.</exception>
    public string ResolveUser(string? userArgument = null)
    {
        if (!IsLocal)
        {
            var principalUser = Principal?.FindFirst(UserClaim)?.Value;
            if (string.IsNullOrEmpty(principalUser) || Principal?.Identity?.IsAuthenticated != true)
            {
                throw new RefusalException(RefusalCode.NotAuthenticated, "This request is not authenticated.");
            }

            if (!string.IsNullOrEmpty(userArgument) && !string.Equals(userArgument, principalUser, StringComparison.Ordinal))
            {
                throw new RefusalException(RefusalCode.Forbidden,
                    "The 'user' argument is not accepted: you are signed in, and every call acts for your own account. Leave 'user' out.");
            }

            return principalUser;
        }

        var user = !string.IsNullOrEmpty(userArgument)
            ? userArgument
            : Principal?.FindFirst(UserClaim)?.Value ?? UserIds.Default;
        if (!UserIds.IsValid(user))
        {
            throw RefusalException.Invalid(InvalidUserMessage(user));
        }

        return user;
    }

    /// <exception cref="RefusalException">The caller is not an administrator.</exception>
    public void RequireAdmin(string tool)
    {
        if (!IsAdmin)
        {
            throw new RefusalException(RefusalCode.Forbidden, $"'{tool}' needs the administrator role '{auth.Value.AdminRole}'; your account does not have it.");
        }
    }

    /// <summary>The message for a user id that breaks the rules; it never echoes more than a short prefix of the input.</summary>
    public static string InvalidUserMessage(string user) => MemoryRules.InvalidUserMessage(user);
}

/// <summary>Which transport this process serves: HTTP (authentication applies) or stdio (a local process, trusted as its parent).</summary>
public sealed record TransportKind(bool IsStdio);
