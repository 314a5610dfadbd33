using System.Globalization;
using System.Net.ServerSentEvents;
using Memento.ChatClient.Agent;
using Memento.ChatClient.Mcp;
using Microsoft.AspNetCore.Mvc;

namespace Memento.ChatClient.Web;

/// <summary>The small HTTP API behind the chat page: streamed chat, the memory list, and the chart's numbers.</summary>
internal static class ChatApi
{
    public sealed record ChatRequest(string? ConversationId, string? Message);

    public sealed record MemoryItem(string Id, string Title, IReadOnlyList<string> Tags, DateTimeOffset? Created, string? Snippet);

    public sealed record MemoryList(IReadOnlyList<MemoryItem> Items, string? Error, string? NextCursor = null);

    public sealed record MemoryDetail(string Id, string Title, IReadOnlyList<string> Tags, DateTimeOffset? Created, string Content);

    public sealed record MemoryChange(string? Title, string? Content, IReadOnlyList<string>? Tags);

    public sealed record ActionResult(bool Ok, string Message);

    public sealed record DayCount(string Date, int Count);

    public sealed record Timeline(IReadOnlyList<DayCount> Days, int Total, string? Error);

    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapGet("/info", (ChatAgent agent) => new
        {
            provider = agent.Provider.Description,
            providerKind = agent.Provider.Kind,
            server = agent.Server.Endpoint.ToString(),
            user = agent.User,
        });

        api.MapPost("/chat", (ChatRequest request, ChatAgent agent, HttpContext context) =>
        {
            if (string.IsNullOrWhiteSpace(request.Message))
            {
                return Results.BadRequest(new { error = "The message is empty." });
            }

            var conversation = string.IsNullOrWhiteSpace(request.ConversationId) ? Guid.NewGuid().ToString("N") : request.ConversationId.Trim();
            if (conversation.Length > 100)
            {
                return Results.BadRequest(new { error = "The conversation id is too long." });
            }

            context.Response.Headers["X-Conversation-Id"] = conversation;
            var events = agent.SendAsync(conversation, request.Message.Trim(), context.RequestAborted)
                .Select(e => new SseItem<ChatEvent>(e, e.Kind));
            return TypedResults.ServerSentEvents(events);
        });

        api.MapGet("/memories", async ([FromQuery] string? q, [FromQuery] string? tag, [FromQuery] int? limit, [FromQuery] string? cursor, MementoServerConnection server, CancellationToken cancellationToken) =>
        {
            var args = new Dictionary<string, object?> { ["limit"] = Math.Clamp(limit ?? 50, 1, string.IsNullOrWhiteSpace(q) ? 100 : 50) };
            if (!string.IsNullOrWhiteSpace(cursor))
            {
                args["cursor"] = cursor;
            }

            if (!string.IsNullOrWhiteSpace(tag))
            {
                args["tags"] = tag.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t.ToLowerInvariant()).ToArray();
            }

            var tool = "list_memories";
            if (!string.IsNullOrWhiteSpace(q))
            {
                tool = "retrieve_memories";
                args["query"] = q.Trim();
            }

            var result = ToolResult.From(await server.InvokeToolAsync(tool, args, cancellationToken));
            if (result.IsError)
            {
                return new MemoryList([], result.Text);
            }

            var items = result.Items() ?? [];
            return new MemoryList([.. items.Select(i => new MemoryItem(i.Id, i.Title, i.Tags, i.Created, i.Snippet))], null, result.NextCursor());
        });

        // The memory list's actions: open, edit, delete, restore, and the trash; each one MCP tool call.
        api.MapGet("/memories/{id}", async (string id, MementoServerConnection server, CancellationToken cancellationToken) =>
        {
            var result = ToolResult.From(await server.InvokeToolAsync("get_memory_content", new Dictionary<string, object?> { ["memory_id"] = id }, cancellationToken));
            return result.Memory() is { Content: { } content } m && !result.IsError
                ? Results.Ok(new MemoryDetail(m.Id, m.Title, m.Tags, m.Created, content))
                : Results.NotFound(new ActionResult(false, result.Text));
        });

        api.MapPut("/memories/{id}", async (string id, MemoryChange change, MementoServerConnection server, CancellationToken cancellationToken) =>
        {
            var args = new Dictionary<string, object?> { ["memory_id"] = id };
            if (change.Title is not null)
            {
                args["title"] = change.Title;
            }

            if (change.Content is not null)
            {
                args["content"] = change.Content;
            }

            if (change.Tags is not null)
            {
                args["tags"] = change.Tags.ToArray();
            }

            return Act(ToolResult.From(await server.InvokeToolAsync("update_memory", args, cancellationToken)));
        });

        api.MapDelete("/memories/{id}", async (string id, MementoServerConnection server, CancellationToken cancellationToken) =>
            Act(ToolResult.From(await server.InvokeToolAsync("delete_memory", new Dictionary<string, object?> { ["memory_id"] = id }, cancellationToken))));

        api.MapPost("/memories/{id}/restore", async (string id, MementoServerConnection server, CancellationToken cancellationToken) =>
            Act(ToolResult.From(await server.InvokeToolAsync("restore_memory", new Dictionary<string, object?> { ["memory_id"] = id }, cancellationToken))));

        api.MapGet("/trash", async ([FromQuery] string? cursor, MementoServerConnection server, CancellationToken cancellationToken) =>
        {
            var args = new Dictionary<string, object?> { ["limit"] = 50 };
            if (!string.IsNullOrWhiteSpace(cursor))
            {
                args["cursor"] = cursor;
            }

            var result = ToolResult.From(await server.InvokeToolAsync("list_trash", args, cancellationToken));
            return result.IsError
                ? new MemoryList([], result.Text)
                : new MemoryList([.. (result.Items() ?? []).Select(i => new MemoryItem(i.Id, i.Title, i.Tags, i.Created, i.Snippet))], null, result.NextCursor());
        });

        api.MapGet("/timeline", async ([FromQuery] int? days, MementoServerConnection server, TimeProvider time, TimeZoneInfo zone, CancellationToken cancellationToken) =>
        {
            var span = Math.Clamp(days ?? 30, 7, 366);
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);
            var first = today.AddDays(1 - span);
            var start = first.ToDateTime(TimeOnly.MinValue);
            var since = new DateTimeOffset(start, zone.GetUtcOffset(start));
            var counts = Enumerable.Range(0, span).ToDictionary(i => first.AddDays(i), _ => 0);

            string? cursor = null;
            string? error = null;
            for (var page = 0; page < 20; page++)
            {
                var args = new Dictionary<string, object?> { ["since"] = since.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture), ["limit"] = 100 };
                if (cursor is not null)
                {
                    args["cursor"] = cursor;
                }

                var result = ToolResult.From(await server.InvokeToolAsync("list_memories", args, cancellationToken));
                if (result.IsError)
                {
                    error = result.Text;
                    break;
                }

                foreach (var item in result.Items() ?? [])
                {
                    if (item.Created is { } created)
                    {
                        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(created, zone).DateTime);
                        if (counts.ContainsKey(day))
                        {
                            counts[day]++;
                        }
                    }
                }

                cursor = result.NextCursor();
                if (cursor is null)
                {
                    break;
                }
            }

            return new Timeline(
                [.. counts.OrderBy(p => p.Key).Select(p => new DayCount(p.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.Value))],
                counts.Values.Sum(),
                error);
        });

        return app;
    }

    private static IResult Act(ToolResult result) =>
        result.IsError ? Results.BadRequest(new ActionResult(false, result.Text)) : Results.Ok(new ActionResult(true, result.Text));
}
