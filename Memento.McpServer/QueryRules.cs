namespace Memento.McpServer;

/// <summary>The rules every provider applies to list and search queries before touching any memory, worded once.</summary>
internal static class QueryRules
{
    public static void CheckLimit(int limit)
    {
        if (limit is < 1 or > 100)
        {
            throw new MemoryValidationException($"The limit is {limit}; ask for 1 to 100 results at a time and page with the cursor.");
        }
    }

    public static void CheckRange(DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } s && until is { } u && u <= s)
        {
            throw new MemoryValidationException("'since' must be earlier than 'until'.");
        }
    }
}
