namespace Memento.ChatClient.Agent;

/// <summary>
/// One thing that happens while the agent answers, in the order it happens: <c>text</c> (a piece of the
/// reply), <c>tool-call</c> (which tool, with what), <c>tool-result</c> (the result in short),
/// <c>error</c> (what went wrong, in plain words) and finally <c>done</c>.
/// </summary>
public sealed record ChatEvent(
    string Kind,
    string? Text = null,
    string? Tool = null,
    string? CallId = null,
    IReadOnlyDictionary<string, object?>? Arguments = null,
    bool IsError = false)
{
    public static ChatEvent Delta(string text) => new("text", text);

    public static ChatEvent Called(string callId, string tool, IReadOnlyDictionary<string, object?>? arguments) => new("tool-call", Tool: tool, CallId: callId, Arguments: arguments);

    public static ChatEvent Returned(string callId, string tool, string summary, bool isError) => new("tool-result", summary, tool, callId, IsError: isError);

    public static ChatEvent Failed(string message) => new("error", message, IsError: true);

    public static readonly ChatEvent Done = new("done");
}
