namespace Memento.ChatClient.Offline;

/// <summary>What the offline engine makes of a sentence: one tool call, or a direct reply.</summary>
public sealed record OfflineIntent(string? Tool, IReadOnlyDictionary<string, object?> Arguments, string? Reply, string? Purpose = null)
{
    public static OfflineIntent Call(string tool, IReadOnlyDictionary<string, object?> arguments, string? purpose = null) =>
        new(tool, arguments, null, purpose);

    public static OfflineIntent Say(string reply) => new(null, new Dictionary<string, object?>(), reply);
}
