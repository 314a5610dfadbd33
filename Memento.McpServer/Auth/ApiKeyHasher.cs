using System.Security.Cryptography;
using System.Text;

namespace Memento.McpServer.Auth;

/// <summary>API keys are stored as SHA-256 hashes; a leaked configuration does not leak the keys.</summary>
public static class ApiKeyHasher
{
    /// <summary>Lowercase hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random key: 32 bytes, base64url, prefixed so it is recognisable in a secret scanner.</summary>
    public static string NewKey() =>
        "mk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>True when <paramref name="value"/> looks like a hash this class produces.</summary>
    public static bool IsHash(string? value) =>
        value is { Length: 64 } && value.All(char.IsAsciiHexDigit);

    /// <summary>Compares the presented key's hash with a configured hash in constant time.</summary>
    public static bool Matches(string presentedKey, string configuredHash)
    {
        Span<byte> presented = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), presented);
        Span<byte> expected = stackalloc byte[32];
        return Convert.FromHexString(configuredHash, expected, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == 32
            && CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
