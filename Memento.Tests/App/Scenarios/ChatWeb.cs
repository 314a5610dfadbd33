using System.Net.Http.Json;
using System.Text.Json;

namespace Memento.Tests.App.Scenarios;

/// <summary>One event of the chat page's streamed answer (<c>POST /api/chat</c>, server-sent events).</summary>
public sealed record ChatEventView(string Kind, string? Text, string? Tool, bool IsError);

/// <summary>The chat client's web API as the chat page uses it.</summary>
public static class ChatWeb
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Sends one message and reads the streamed answer to its <c>done</c> event.</summary>
    public static async Task<IReadOnlyList<ChatEventView>> SendAsync(HttpClient chat, string message, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(AnswerTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(new { message }) };
        using var response = await chat.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();

        var events = new List<ChatEventView>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var item = JsonSerializer.Deserialize<ChatEventView>(line["data:".Length..].Trim(), Json)!;
            events.Add(item);
            if (item.Kind == "done")
            {
                break;
            }
        }

        return events;
    }

    /// <summary>Everything the answer said, tool summaries included.</summary>
    public static string Said(IEnumerable<ChatEventView> events) =>
        string.Concat(events.Where(e => e.Kind is "text" or "tool-result").Select(e => e.Text));
}
