using System.Globalization;
using System.Text;
using Memento.McpServer.Storage;

namespace Memento.McpServer.Search;

/// <summary>
/// Opaque paging cursors, the same for every provider: an offset for ranked search (here), a keyset
/// position for lists (<c>Storage/ListCursor</c>, over this encoding).
/// </summary>
/// <remarks>
/// A cursor is unpadded base64url and nothing else: any other character (whitespace, a trailing newline,
/// padding) makes it invalid, so one page has exactly one cursor.
/// </remarks>
internal static class PageCursor
{
    private const int MaxLength = 512;

    public static string ForUsers(string lastUser) => Encode("u|" + lastUser);

    /// <summary>The user id a user-list cursor continues after; null without a cursor.</summary>
    public static string? ParseUsers(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = Decode(cursor).Split('|', 2);
        if (parts.Length != 2 || parts[0] != "u" || !MemoryRules.IsValidUser(parts[1]))
        {
            throw Invalid();
        }

        return parts[1];
    }

    public static string ForSearch(int offset, string text, bool everyWord) =>
        Encode($"s|{offset.ToString(CultureInfo.InvariantCulture)}|{Fingerprint(text)}|{(everyWord ? "all" : "any")}");

    /// <summary>The offset and the word mode of a search cursor; (0, null) without a cursor.</summary>
    public static (int Offset, bool? EveryWord) ParseSearch(string? cursor, string text)
    {
        if (cursor is null)
        {
            return (0, null);
        }

        var parts = Decode(cursor).Split('|', 4);
        if (parts.Length != 4 || parts[0] != "s" || parts[3] is not ("all" or "any") || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) || offset > 100_000)
        {
            throw Invalid();
        }

        if (parts[2] != Fingerprint(text))
        {
            throw new MemoryValidationException("The cursor belongs to a different query; repeat the same query with it, or drop the cursor to start again.");
        }

        return (offset, parts[3] == "all");
    }

    public static string Encode(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Decode(string cursor)
    {
        if (cursor.Length is 0 or > MaxLength || !cursor.All(IsBase64UrlChar))
        {
            throw Invalid();
        }

        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - (base64.Length % 4)) % 4);
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw Invalid();
        }
    }

    private static bool IsBase64UrlChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    public static MemoryValidationException Invalid() =>
        new("The cursor is not valid; pass the nextCursor of a previous page unchanged, or drop it to start again.");

    private static string Fingerprint(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.Trim())))[..12];
}
