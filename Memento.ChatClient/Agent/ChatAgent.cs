using System.ClientModel;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Memento.ChatClient.Mcp;
using Memento.ChatClient.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Memento.ChatClient.Agent;

/// <summary>
/// The agent core both front ends share: one <see cref="IChatClient"/> with function invocation over the
/// Memento server's tools, the system prompt, and the history of each conversation.
/// </summary>
public sealed class ChatAgent(
    IChatClient chatClient,
    MementoServerConnection server,
    ChatProviderInfo provider,
    TimeProvider time,
    TimeZoneInfo zone,
    IOptions<ChatClientOptions> options,
    ILogger<ChatAgent> logger)
{
    private readonly ConcurrentDictionary<string, Conversation> _conversations = new();

    public ChatProviderInfo Provider => provider;

    public ServerAddress Server => server.Address;

    public string User => options.Value.User;

    /// <summary>Sends <paramref name="text"/> in conversation <paramref name="conversationId"/> and streams what happens.</summary>
    public async IAsyncEnumerable<ChatEvent> SendAsync(string conversationId, string text, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ChatEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var run = Task.Run(() => RunAsync(GetConversation(conversationId), text, channel.Writer, cancellationToken), CancellationToken.None);
        await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }

        await run;
    }

    /// <summary>The messages kept for a conversation (system prompt excluded).</summary>
    public IReadOnlyList<ChatMessage> History(string conversationId) =>
        _conversations.TryGetValue(conversationId, out var c) ? [.. c.Messages] : [];

    private Conversation GetConversation(string id)
    {
        var conversation = _conversations.GetOrAdd(id, _ => new Conversation());
        conversation.LastUsed = time.GetUtcNow();
        var max = options.Value.MaxConversations;
        if (_conversations.Count > max)
        {
            foreach (var stale in _conversations.OrderBy(p => p.Value.LastUsed).Take(_conversations.Count - max).ToList())
            {
                if (stale.Key != id)
                {
                    _conversations.TryRemove(stale.Key, out _);
                }
            }
        }

        return conversation;
    }

    private async Task RunAsync(Conversation conversation, string text, ChannelWriter<ChatEvent> events, CancellationToken cancellationToken)
    {
        var locked = false;
        try
        {
            await conversation.Gate.WaitAsync(cancellationToken);
            locked = true;

            IReadOnlyList<AIFunction> tools = [];
            string? unavailable = null;
            try
            {
                tools = await server.GetToolsAsync(cancellationToken);
            }
            catch (ServerUnavailableException ex)
            {
                // The conversation goes on without tools: the model (or the offline engine) can still
                // answer "help" and say that memories are out of reach until the server is back.
                unavailable = ex.Message;
                await events.WriteAsync(ChatEvent.Failed(ex.Message + " I will try again with your next message."), cancellationToken);
            }

            var user = new ChatMessage(ChatRole.User, text);
            List<ChatMessage> messages = [new(ChatRole.System, SystemPrompt.For(time.GetUtcNow(), zone, options.Value.User))];
            if (unavailable is not null)
            {
                messages.Add(new ChatMessage(ChatRole.System, $"The Memento tools are unavailable right now ({unavailable}). Do not pretend to store or find anything; say that the server cannot be reached."));
            }

            messages.AddRange(conversation.Messages);
            messages.Add(user);
            var chatOptions = new ChatOptions { Tools = [.. tools], ToolMode = ChatToolMode.Auto };

            var updates = new List<ChatResponseUpdate>();
            var calls = new Dictionary<string, string>();
            await foreach (var update in chatClient.GetStreamingResponseAsync(messages, chatOptions, cancellationToken))
            {
                updates.Add(update);
                foreach (var content in update.Contents)
                {
                    switch (content)
                    {
                        case TextContent { Text.Length: > 0 } delta:
                            await events.WriteAsync(ChatEvent.Delta(delta.Text), cancellationToken);
                            break;
                        case FunctionCallContent call when calls.TryAdd(call.CallId, call.Name):
                            await events.WriteAsync(ChatEvent.Called(call.CallId, call.Name, call.Arguments?.AsReadOnly()), cancellationToken);
                            break;
                        case FunctionResultContent result:
                            var view = ToolResult.From(result.Result);
                            var failed = view.IsError || result.Exception is not null;
                            var summary = result.Exception is not null ? "error: " + result.Exception.Message : view.Summary();
                            await events.WriteAsync(ChatEvent.Returned(result.CallId, calls.GetValueOrDefault(result.CallId, ""), summary, failed), cancellationToken);
                            break;
                    }
                }
            }

            conversation.Messages.Add(user);
            conversation.Messages.AddRange(updates.ToChatResponse().Messages);
            Trim(conversation.Messages, options.Value.MaxHistoryMessages);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The {Provider} model could not answer.", provider.Kind);
            events.TryWrite(ChatEvent.Failed(Describe(ex) + " Your conversation is kept; try again."));
        }
        finally
        {
            events.TryWrite(ChatEvent.Done);
            events.TryComplete();
            if (locked)
            {
                conversation.Gate.Release();
            }
        }
    }

    private string Describe(Exception ex) => ex switch
    {
        ClientResultException { Status: 401 or 403 } => $"The model service ({provider.Description}) refused the credentials (HTTP {((ClientResultException)ex).Status}).",
        ClientResultException { Status: 404 } => $"The model service ({provider.Description}) does not know that deployment or model (HTTP 404).",
        ClientResultException { Status: 429 } => $"The model service ({provider.Description}) is busy or over quota (HTTP 429).",
        ClientResultException { Status: > 0 } result => $"The model service ({provider.Description}) answered HTTP {result.Status}: {FirstLine(result.Message)}",
        ClientResultException or HttpRequestException => $"I could not reach the model service ({provider.Description}): {FirstLine(ex.Message)}",
        OperationCanceledException or TimeoutException => $"The model service ({provider.Description}) did not answer in time.",
        _ => $"Something went wrong while answering: {FirstLine(ex.Message)}",
    };

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.EndsWith('.') ? line : line + ".";
    }

    /// <summary>Drops the oldest turns, always starting the kept history at a user message so tool results keep their calls.</summary>
    private static void Trim(List<ChatMessage> messages, int max)
    {
        while (messages.Count > max)
        {
            var next = messages.FindIndex(1, m => m.Role == ChatRole.User);
            if (next < 0)
            {
                messages.Clear();
                return;
            }

            messages.RemoveRange(0, next);
        }
    }

    private sealed class Conversation
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<ChatMessage> Messages { get; } = [];

        public DateTimeOffset LastUsed { get; set; }
    }
}
