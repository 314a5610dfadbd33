using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Memento.ChatClient.Agent;
using Microsoft.Extensions.AI;

namespace Memento.ChatClient.Offline;

/// <summary>
/// A chat client with no model behind it. For a user's sentence it answers with one
/// <see cref="FunctionCallContent"/> for the right Memento tool (so the same function-invocation
/// pipeline runs as with a model); given the tool's result it answers in plain sentences.
/// </summary>
public sealed partial class OfflineChatClient(TimeProvider time, TimeZoneInfo zone, string user) : IChatClient
{
    private const string PurposeKey = "memento.purpose";

    private readonly OfflineIntentParser _parser = new(new TimePhrases(time, zone));
    private readonly ResultPhraser _phraser = new(zone);
    private readonly ChatClientMetadata _metadata = new("memento-offline", defaultModelId: "offline");

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var message = Answer(history, options);
        return Task.FromResult(new ChatResponse(message) { ModelId = "offline", FinishReason = message.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        var messageId = Guid.NewGuid().ToString("N");
        foreach (var content in response.Messages[0].Contents)
        {
            if (content is TextContent text)
            {
                // Word by word, so a page shows the answer growing the same way as with a model.
                foreach (Match piece in Piece().Matches(text.Text))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return new ChatResponseUpdate(ChatRole.Assistant, piece.Value) { MessageId = messageId, ModelId = "offline" };
                }
            }
            else
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]) { MessageId = messageId, ModelId = "offline" };
            }
        }

        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, MessageId = messageId, FinishReason = response.FinishReason, ModelId = "offline" };
    }

    /// <summary>What the engine makes of one sentence; public for the table-driven tests and the "help" text.</summary>
    public OfflineIntent Understand(string utterance, IReadOnlyList<string> recentIds) => _parser.Parse(utterance, recentIds);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private ChatMessage Answer(IReadOnlyList<ChatMessage> history, ChatOptions? options)
    {
        var last = history.Count > 0 ? history[^1] : null;
        if (last is not null && last.Contents.OfType<FunctionResultContent>().ToList() is { Count: > 0 } results)
        {
            var replies = results.Select(r => PhraseResult(history, r));
            return new ChatMessage(ChatRole.Assistant, string.Join("\n\n", replies));
        }

        var text = last?.Role == ChatRole.User ? last.Text : "";
        if (WhoAmI().IsMatch(text.Trim()))
        {
            return new ChatMessage(ChatRole.Assistant, $"You are {user}.");
        }

        var intent = _parser.Parse(text, RecentIds(history));
        if (intent.Tool is null)
        {
            return new ChatMessage(ChatRole.Assistant, intent.Reply ?? "");
        }

        var tools = options?.Tools?.OfType<AIFunction>().Select(t => t.Name).ToHashSet() ?? [];
        if (!tools.Contains(intent.Tool))
        {
            return new ChatMessage(ChatRole.Assistant, tools.Count == 0
                ? "I cannot do that right now: the Memento server's tools are not available."
                : $"The Memento server does not offer {intent.Tool}, so I cannot do that.");
        }

        var call = new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..12], intent.Tool, intent.Arguments.ToDictionary(p => p.Key, p => p.Value));
        if (intent.Purpose is not null)
        {
            call.AdditionalProperties = new AdditionalPropertiesDictionary { [PurposeKey] = intent.Purpose };
        }

        return new ChatMessage(ChatRole.Assistant, [call]);
    }

    private string PhraseResult(IReadOnlyList<ChatMessage> history, FunctionResultContent result)
    {
        var call = history.SelectMany(m => m.Contents).OfType<FunctionCallContent>().LastOrDefault(c => c.CallId == result.CallId);
        var tool = call?.Name ?? "";
        var arguments = (IReadOnlyDictionary<string, object?>?)call?.Arguments?.AsReadOnly() ?? new Dictionary<string, object?>();
        var purpose = call?.AdditionalProperties?.TryGetValue(PurposeKey, out var p) == true ? p as string : null;
        if (result.Exception is not null)
        {
            return $"That did not work: {result.Exception.Message}";
        }

        return _phraser.Phrase(tool, arguments, ToolResult.From(result.Result), purpose);
    }

    /// <summary>Memory ids from the most recent tool result that had any: "it", "the second one".</summary>
    private static List<string> RecentIds(IReadOnlyList<ChatMessage> history)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            foreach (var result in history[i].Contents.OfType<FunctionResultContent>().Reverse())
            {
                var ids = ToolResult.From(result.Result).Ids();
                if (ids.Count > 0)
                {
                    return [.. ids];
                }
            }
        }

        return [];
    }

    [GeneratedRegex(@"\S+\s*|\s+")]
    private static partial Regex Piece();

    [GeneratedRegex(@"^(?:who am i|whoami|which user am i)\??$", RegexOptions.IgnoreCase)]
    private static partial Regex WhoAmI();
}
