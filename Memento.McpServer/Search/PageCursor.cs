using System.Globalization;
using System.Text;
using Memento.McpServer.Storage;

namespace Memento.McpServer.Search;

/// <summary>Opaque paging cursors: a keyset position for lists, an offset for ranked search.</summary>
internal static class PageCursor
{
    public static string ForList(long createdMs, string id) => Encode($"l|{createdMs.ToString(CultureInfo.InvariantCulture)}|{id}");

    public static string ForSearch(int offset, string text, bool everyWord) =>
        Encode($"s|{offset.ToString(CultureInfo.InvariantCulture)}|{Fingerprint(text)}|{(everyWord ? "all" : "any")}");

    /// <summary>A position in a user's trash: the last item's trash file name (deletion stamp and id).</summary>
    public static string ForTrash(string fileName) => Encode("t|" + fileName);

    public static string? ParseTrash(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = Decode(cursor).Split('|', 2);
        if (parts.Length != 2 || parts[0] != "t" || parts[1].Split('~', 2) is not [{ Length: > 0 }, var id] || !MemoryRules.IsValidId(id))
        {
            throw Bad();
        }

        return parts[1];
    }

    public static (long CreatedMs, string Id)? ParseList(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = Decode(cursor).Split('|', 3);
        if (parts.Length != 3 || parts[0] != "l" || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var created) || !MemoryRules.IsValidId(parts[2]))
        {
            throw Bad();
        }

        return (created, parts[2]);
    }

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
            throw Bad();
        }

        if (parts[2] != Fingerprint(text))
        {
            throw new MemoryValidationException("The cursor belongs to a different query; repeat the same query with it, or drop the cursor to start again.");
        }

        return (offset, parts[3] == "all");
    }

    private static string Fingerprint(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.Trim())))[..12];

    private static string Encode(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Decode(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - (base64.Length % 4)) % 4);
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw Bad();
        }
    }

    private static MemoryValidationException Bad() =>
        new("The cursor is not valid; pass the nextCursor of a previous page unchanged, or drop it to start again.");
}
