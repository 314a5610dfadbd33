using System.Globalization;
using System.Security.Cryptography;

namespace Memento.McpServer.Storage;

/// <summary>
/// Memory ids: the UTC creation instant to the millisecond, then randomness, e.g.
/// <c>20250714T212005123Z-k3v9q2mx7a</c>. They sort by time as plain strings and do not collide
/// between replicas writing in the same millisecond (50 random bits).
/// </summary>
internal static class MemoryIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        Span<char> suffix = stackalloc char[10];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Alphabet[random[i] & 31];
        }

        return now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + new string(suffix);
    }
}
