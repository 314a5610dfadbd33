using System.Globalization;
using Memento.McpServer.Search;

namespace Memento.McpServer.Storage;

/// <summary>The keyset cursor of a list (newest first): the creation instant and id of the last item of a page.</summary>
internal static class ListCursor
{
    public static string For(long createdMs, string id) => PageCursor.Encode($"l|{createdMs.ToString(CultureInfo.InvariantCulture)}|{id}");

    public static (long CreatedMs, string Id)? Parse(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = PageCursor.Decode(cursor).Split('|', 3);
        if (parts.Length != 3 || parts[0] != "l" || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var created) || !MemoryRules.IsValidId(parts[2]))
        {
            throw PageCursor.Invalid();
        }

        return (created, parts[2]);
    }
}
