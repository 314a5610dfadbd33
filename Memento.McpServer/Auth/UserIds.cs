using System.Security.Cryptography;
using System.Text;
using Memento.McpServer.Storage;

namespace Memento.McpServer.Auth;

/// <summary>User ids on the server: the shared rule (<see cref="UserIdRule"/>; they name folders, so nothing else gets through) and the mapping from a token's subject.</summary>
public static class UserIds
{
    /// <summary>The user when none is named (local mode only).</summary>
    public const string Default = "default";

    /// <summary>True when <paramref name="user"/> is a valid user id: the store's own rule, so what passes here never fails there.</summary>
    public static bool IsValid(string? user) => user is not null && MemoryRules.IsValidUser(user);

    /// <summary>
    /// Maps an identity provider's subject to a user id: a subject that is already valid once lower-cased
    /// (an Entra <c>oid</c> GUID) is kept; anything else becomes <c>u-</c> and 32 hex characters of its SHA-256,
    /// stable and collision-resistant.
    /// </summary>
    public static string FromSubject(string subject)
    {
        var lower = subject.ToLowerInvariant();
        if (IsValid(lower))
        {
            return lower;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(subject));
        return "u-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
