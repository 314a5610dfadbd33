namespace Memento.ChatClient.Offline;

/// <summary>
/// What the offline engine makes of a sentence: one tool call (or the same tool for several memories, in
/// <see cref="Batch"/>), or a direct reply.
/// </summary>
public sealed record OfflineIntent(
    string? Tool,
    IReadOnlyDictionary<string, object?> Arguments,
    string? Reply,
    string? Purpose = null,
    IReadOnlyList<IReadOnlyDictionary<string, object?>>? Batch = null)
{
    public static OfflineIntent Call(string tool, IReadOnlyDictionary<string, object?> arguments, string? purpose = null) =>
        new(tool, arguments, null, purpose);

    /// <summary>The same tool once per memory id, in order (delete these, restore them).</summary>
    public static OfflineIntent ForEach(string tool, IReadOnlyList<string> ids, string? purpose = null)
    {
        var calls = ids.Select(id => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["memory_id"] = id }).ToList();
        return new(tool, calls[0], null, purpose, calls.Count > 1 ? calls.Skip(1).ToList() : null);
    }

    public static OfflineIntent Say(string reply) => new(null, new Dictionary<string, object?>(), reply);

    /// <summary>Every call's arguments, the first one included.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> AllArguments => [Arguments, .. Batch ?? []];
}
