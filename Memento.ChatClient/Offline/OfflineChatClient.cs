using System.Runtime.CompilerServices;
using System.Text.Json;
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
        var tools = options?.Tools?.OfType<AIFunction>().Select(t => t.Name).ToHashSet() ?? [];
        var last = history.Count > 0 ? history[^1] : null;
        if (last is not null && last.Contents.OfType<FunctionResultContent>().ToList() is { Count: > 0 } results)
        {
            if (results.Count == 1 && FollowUp(history, results[0], tools) is { } next)
            {
                return next;
            }

            var replies = results.Select(r => PhraseResult(history, r));
            return new ChatMessage(ChatRole.Assistant, string.Join("\n\n", replies.Distinct()));
        }

        var text = last?.Role == ChatRole.User ? last.Text : "";
        if (WhoAmI().IsMatch(text.Trim()))
        {
            return new ChatMessage(ChatRole.Assistant, $"You are {user}.");
        }

        var intent = _parser.Parse(text, Recent(history));
        return intent.Tool is null ? new ChatMessage(ChatRole.Assistant, intent.Reply ?? "") : Calls(intent, tools);
    }

    private static ChatMessage Calls(OfflineIntent intent, HashSet<string> tools)
    {
        if (!tools.Contains(intent.Tool!))
        {
            return new ChatMessage(ChatRole.Assistant, tools.Count == 0
                ? "I cannot do that right now: the Memento server's tools are not available."
                : $"The Memento server does not offer {intent.Tool}, so I cannot do that.");
        }

        var calls = new List<AIContent>();
        foreach (var arguments in intent.AllArguments)
        {
            var call = new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..12], intent.Tool!, arguments.ToDictionary(p => p.Key, p => p.Value));
            if (intent.Purpose is not null)
            {
                call.AdditionalProperties = new AdditionalPropertiesDictionary { [PurposeKey] = intent.Purpose };
            }

            calls.Add(call);
        }

        return new ChatMessage(ChatRole.Assistant, calls);
    }

    /// <summary>
    /// A second step after a result: an edit in plain words reads the memory, then writes it back with only
    /// that part changed; a search made to delete one memory asks whether to delete what it found.
    /// </summary>
    private ChatMessage? FollowUp(IReadOnlyList<ChatMessage> history, FunctionResultContent result, HashSet<string> tools)
    {
        var call = FindCall(history, result.CallId);
        var purpose = Purpose(call);
        var view = ToolResult.From(result.Result);
        if (result.Exception is not null || view.IsError || purpose is null)
        {
            return null;
        }

        if (purpose == "delete" && view.Items() is { Count: > 0 } found)
        {
            return new ChatMessage(ChatRole.Assistant, found.Count == 1
                ? "I found 1 memory" + _phraser.About("retrieve_memories", Arguments(call)) + ". " + OfflineIntentParser.ConfirmDelete([Recent(found[0])])
                : _phraser.Phrase(call!.Name, Arguments(call), view, purpose));
        }

        if (purpose.StartsWith(OfflineIntentParser.EditPurpose, StringComparison.Ordinal) && view.Memory() is { Content: { } content } memory)
        {
            var change = JsonSerializer.Deserialize<string[]>(purpose[OfflineIntentParser.EditPurpose.Length..])!;
            if (PlainEdit.Apply(content, change[0], change[1]) is not { } edited)
            {
                return new ChatMessage(ChatRole.Assistant,
                    $"I could not find \"{change[0]}\" in \"{memory.Title}\" ({memory.Id}), so nothing was changed. Say the exact words to change, e.g. \"change Oct 3 to Oct 10 in it\".");
            }

            var update = new OfflineIntent("update_memory", new Dictionary<string, object?> { ["memory_id"] = memory.Id, ["content"] = edited.Content }, null,
                "edited:" + JsonSerializer.Serialize(new[] { edited.Replaced, change[1] }));
            return Calls(update, tools);
        }

        return null;
    }

    private string PhraseResult(IReadOnlyList<ChatMessage> history, FunctionResultContent result)
    {
        var call = FindCall(history, result.CallId);
        if (result.Exception is not null)
        {
            return $"That did not work: {result.Exception.Message}";
        }

        return _phraser.Phrase(call?.Name ?? "", Arguments(call), ToolResult.From(result.Result), Purpose(call));
    }

    private static FunctionCallContent? FindCall(IReadOnlyList<ChatMessage> history, string callId) =>
        history.SelectMany(m => m.Contents).OfType<FunctionCallContent>().LastOrDefault(c => c.CallId == callId);

    private static IReadOnlyDictionary<string, object?> Arguments(FunctionCallContent? call) =>
        (IReadOnlyDictionary<string, object?>?)call?.Arguments?.AsReadOnly() ?? new Dictionary<string, object?>();

    private static string? Purpose(FunctionCallContent? call) =>
        call?.AdditionalProperties?.TryGetValue(PurposeKey, out var p) == true ? p as string : null;

    private static RecentMemory Recent(MemoryView m) => new(m.Id, m.Title, m.Snippet);

    /// <summary>
    /// What earlier answers showed, newest first: the last list or search (or trash) in its order, the last single
    /// memory shown, stored, changed or restored, the memories deleted by the last delete, and a delete question
    /// still waiting for its answer (the engine's own last message asked it).
    /// </summary>
    internal static RecentMemories Recent(IReadOnlyList<ChatMessage> history)
    {
        IReadOnlyList<RecentMemory>? list = null;
        string? single = null;
        IReadOnlyList<string>? deleted = null;
        var singleDone = false;
        for (var i = history.Count - 1; i >= 0 && (list is null || deleted is null || !singleDone); i--)
        {
            var results = history[i].Contents.OfType<FunctionResultContent>().Reverse().ToList();
            if (results.Count == 0)
            {
                continue;
            }

            var calls = results.Select(r => FindCall(history, r.CallId)).ToList();
            if (deleted is null && calls.Count > 0 && calls.All(c => c?.Name == "delete_memory"))
            {
                var ok = results.Zip(calls).Where(p => p.First.Exception is null && !ToolResult.From(p.First.Result).IsError)
                    .Select(p => ToolResult.GetArgument(p.Second!.Arguments, "memory_id")).OfType<string>().Reverse().ToList();
                if (ok.Count > 0)
                {
                    deleted = ok;
                    singleDone = true; // "it" after a delete is the deleted memory's business: restore takes it from here
                }
            }

            foreach (var result in results)
            {
                var view = ToolResult.From(result.Result);
                if (view.Items() is { } items)
                {
                    list ??= [.. items.Select(Recent)];
                    // An empty list (an empty trash, a search that found nothing) names no memory: "it" is still the one before.
                    singleDone |= items.Count > 0;
                }
                else if (!singleDone && view.Memory() is { } memory)
                {
                    single = memory.Id;
                    singleDone = true;
                }
            }
        }

        // A question asked in the engine's last answer waits for this message's yes or no, and no longer.
        var lastAnswer = history.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? "";
        var marker = lastAnswer.IndexOf(OfflineIntentParser.ConfirmDeleteMarker, StringComparison.Ordinal);
        IReadOnlyList<string>? awaiting = marker < 0 ? null : [.. AskedId().Matches(lastAnswer[..marker]).Select(m => m.Groups["id"].Value)];
        return new RecentMemories(list ?? [], single, deleted, awaiting);
    }

    [GeneratedRegex(@"\(id (?<id>[^)\s]+)\)")]
    private static partial Regex AskedId();

    [GeneratedRegex(@"\S+\s*|\s+")]
    private static partial Regex Piece();

    [GeneratedRegex(@"^(?:who am i|whoami|which user am i)\??$", RegexOptions.IgnoreCase)]
    private static partial Regex WhoAmI();
}
