using Memento.McpServer.Search;

namespace Memento.McpServer.Storage;

/// <summary>A position in a user's trash: the last item's trash file name (deletion stamp and id).</summary>
internal static class TrashCursor
{
    public static string For(string fileName) => PageCursor.Encode("t|" + fileName);

    public static string? Parse(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = PageCursor.Decode(cursor).Split('|', 2);
        if (parts.Length != 2 || parts[0] != "t" || parts[1].Split('~', 2) is not [{ Length: > 0 }, var id] || !MemoryRules.IsValidId(id))
        {
            throw PageCursor.Invalid();
        }

        return parts[1];
    }
}
