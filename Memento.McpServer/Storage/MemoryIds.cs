using System.Globalization;
using System.Security.Cryptography;

namespace Memento.McpServer.Storage;

/// <summary>
/// Memory ids: the UTC creation instant to the millisecond, then randomness, e.g.
/// <c>20250714T212005123Z-k3v9q2mx7a</c>. They sort by time as plain strings and do not collide
/// between replicas writing in the same millisecond (50 random bits). Within one process, ids made in
/// the same millisecond follow each other in the order they were made (the random part of the last
/// one, plus one), so a scan that indexes files in id order indexes them in the order they were stored.
/// </summary>
internal sealed class MemoryIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int SuffixLength = 10;
    private static readonly MemoryIds Process = new();
    private readonly Lock _gate = new();
    private string _last = "";

    /// <summary>A new id for a memory created at <paramref name="now"/>, in this process's sequence.</summary>
    public static string New(DateTimeOffset now) => Process.Make(now);

    public string Make(DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            var id = _last.StartsWith(stamp, StringComparison.Ordinal) && Increment(_last.AsSpan(stamp.Length + 1)) is { } next
                ? stamp + "-" + next
                : stamp + "-" + Random();
            _last = id;
            return id;
        }
    }

    private static string Random()
    {
        Span<byte> random = stackalloc byte[SuffixLength];
        RandomNumberGenerator.Fill(random);
        Span<char> suffix = stackalloc char[SuffixLength];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Alphabet[random[i] & 31];
        }

        return new string(suffix);
    }

    /// <summary>The suffix one after <paramref name="suffix"/> in base 32, or null past the last one.</summary>
    private static string? Increment(ReadOnlySpan<char> suffix)
    {
        Span<char> next = stackalloc char[suffix.Length];
        suffix.CopyTo(next);
        for (var i = next.Length - 1; i >= 0; i--)
        {
            var digit = Alphabet.IndexOf(next[i], StringComparison.Ordinal);
            if (digit < Alphabet.Length - 1)
            {
                next[i] = Alphabet[digit + 1];
                return new string(next);
            }

            next[i] = Alphabet[0];
        }

        return null;
    }
}
