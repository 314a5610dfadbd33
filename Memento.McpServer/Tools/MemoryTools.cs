using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Memento.McpServer.Auth;
using Memento.McpServer.Errors;
using Memento.McpServer.Storage;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>The memory tools: store, find, read, change and delete one user's memories, and get deleted ones back from the trash.</summary>
[McpServerToolType]
public sealed class MemoryTools(IMemoryStore store, Caller caller, AuditLog audit)
{
    internal const string UserDescription =
        "Local mode only: whose memories to use, e.g. \"alice\" (lowercase letters, digits, '.', '_', '-'). " +
        "Default: the X-Memento-User header, else \"default\". Not offered when the server requires sign-in.";

    private const string DateDescription = "ISO 8601 date or UTC date-time, e.g. \"2025-07-14\" or \"2025-07-14T09:30:00Z\".";

    [McpServerTool(Name = "store_memory", Title = "Store a memory", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(StoreMemoryResult))]
    [Description("Saves a new memory (a note, meeting summary, fact, link) for the user and returns its id. " +
        "Storing exactly the same content, title and tags again returns the existing memory instead of a duplicate.")]
    public async Task<CallToolResult> StoreMemory(
        [Description("The text to remember, verbatim (Markdown is fine), e.g. \"Budget review moved to Friday; Kubernetes costs up 12%.\"")] string content,
        [Description("A short title, e.g. \"Budget review notes\". Default: derived from the first line of the content.")] string? title = null,
        [Description("Tags to file it under, e.g. [\"work\", \"budget\"]; at most 20, each up to 50 characters.")] string[]? tags = null,
        [Description("A small map of extra facts, string/number/boolean values only, e.g. {\"project\": \"apollo\", \"priority\": 2}.")] Dictionary<string, JsonElement>? metadata = null,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        return await Audited("store_memory", owner, null, async () =>
        {
            var memory = new NewMemory(
                ToolInput.RequiredText(content, "content", "\"Met Sam about the Q3 budget\""),
                string.IsNullOrWhiteSpace(title) ? null : ToolInput.Text(title, "title"),
                ToolInput.Tags(tags),
                ToolInput.Metadata(metadata));
            var stored = await StoreErrors.Run(() => store.StoreAsync(owner, memory, cancellationToken));
            var view = Summary(stored.Memory);
            var text = stored.Created
                ? $"Stored memory {view.Id}: \"{view.Title}\"."
                : $"An identical memory already exists: {view.Id} (\"{view.Title}\"); nothing new was stored.";
            return (view.Id, ToolResults.Create(new StoreMemoryResult(stored.Created, view), text));
        });
    }

    [McpServerTool(Name = "retrieve_memories", Title = "Search memories", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(SearchResult))]
    [Description("Finds the user's memories that match a plain-language query, best match first, with a snippet of each. " +
        "Words match in any order and form (\"budget review kubernetes\"). Returns ids to pass to get_memory_content.")]
    public async Task<CallToolResult> RetrieveMemories(
        [Description("What to look for, in plain words, e.g. \"notes from the budget review\".")] string query,
        [Description("Only memories with these tags, e.g. [\"work\"]; see tag_match.")] string[]? tags = null,
        [Description("\"any\" (default): at least one of the tags; \"all\": every tag.")] string? tag_match = null,
        [Description("Only memories created at or after this moment. " + DateDescription)] string? since = null,
        [Description("Only memories created before this moment. " + DateDescription)] string? until = null,
        [Description("How many results per page, 1 to 50 (default 10).")] int? limit = null,
        [Description("The nextCursor of the previous page, to get the next page; omit for the first page.")] string? cursor = null,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var text = ToolInput.RequiredText(query, "query", "\"budget review\"");
        if (text.Length > ToolInput.MaxQueryLength)
        {
            throw RefusalException.Invalid($"'query' must be at most {ToolInput.MaxQueryLength} characters.");
        }

        var (from, to) = ToolInput.Range(since, until);
        var search = new SearchQuery(text, ToolInput.FilterTags(tags), ToolInput.Match(tag_match), from, to,
            ToolInput.Limit(limit, 10, 50), NullIfEmpty(cursor));
        using var activity = AuditLog.StartOperation("retrieve_memories", owner);
        var page = await StoreErrors.Run(() => store.SearchAsync(owner, search, cancellationToken));
        var hits = page.Items.Select(h => new SearchHitView(MemorySummaryView.From(h.Memory), h.Score, h.Snippet)).ToList();
        var readable = ToolResults.Page(
            hits.Count switch
            {
                0 => $"No memories match \"{ToolInput.Shorten(text)}\".",
                1 => $"1 memory matches \"{ToolInput.Shorten(text)}\":",
                _ => $"{hits.Count} memories match \"{ToolInput.Shorten(text)}\":",
            },
            hits.Select(h => ToolResults.Describe(h.Memory) + Environment.NewLine + "  " + h.Snippet),
            page.NextCursor);
        return ToolResults.Create(new SearchResult(text, hits, page.NextCursor), readable);
    }

    [McpServerTool(Name = "get_memory_content", Title = "Read a memory", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(MemoryView))]
    [Description("Returns one memory in full: title, tags, dates, metadata and the complete content.")]
    public async Task<CallToolResult> GetMemoryContent(
        [Description("The memory's id, as returned by store_memory, list_memories or retrieve_memories.")] string memory_id,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var id = ToolInput.MemoryId(memory_id);
        using var activity = AuditLog.StartOperation("get_memory_content", owner);
        var memory = await StoreErrors.Run(() => store.GetAsync(owner, id, cancellationToken)) ?? throw ToolInput.NotFound(id);
        var view = MemoryView.From(memory);
        return ToolResults.Create(view, ToolResults.Describe(view));
    }

    [McpServerTool(Name = "update_memory", Title = "Change a memory", ReadOnly = false, Destructive = true,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(UpdateMemoryResult))]
    [Description("Changes an existing memory. Only the fields you give change; the others stay as they are. " +
        "tags replaces the whole tag list ([] clears it); metadata replaces the whole map.")]
    public async Task<CallToolResult> UpdateMemory(
        [Description("The memory's id, as returned by store_memory, list_memories or retrieve_memories.")] string memory_id,
        [Description("New content, replacing the old content entirely. A title that was derived from the old content follows the new one.")] string? content = null,
        [Description("New title, e.g. \"Budget review (final)\".")] string? title = null,
        [Description("New tag list, e.g. [\"work\", \"done\"]; [] removes every tag.")] string[]? tags = null,
        [Description("New metadata map, string/number/boolean values only, e.g. {\"status\": \"done\"}.")] Dictionary<string, JsonElement>? metadata = null,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var id = ToolInput.MemoryId(memory_id);
        return await Audited("update_memory", owner, id, async () =>
        {
            if (content is null && title is null && tags is null && metadata is null)
            {
                throw RefusalException.Invalid("Give at least one of content, title, tags or metadata to change.");
            }

            var update = new MemoryUpdate(
                content is null ? null : ToolInput.RequiredText(content, "content", "\"the corrected notes\""),
                title is null ? null : ToolInput.RequiredText(title, "title", "\"Budget review\""),
                ToolInput.Tags(tags),
                ToolInput.Metadata(metadata));
            var updated = await StoreErrors.Run(() => store.UpdateAsync(owner, id, update, cancellationToken));
            var view = Summary(updated);
            return (id, ToolResults.Create(new UpdateMemoryResult(view), $"Updated memory {id}: \"{view.Title}\"."));
        });
    }

    [McpServerTool(Name = "delete_memory", Title = "Delete a memory", ReadOnly = false, Destructive = true,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(DeleteMemoryResult))]
    [Description("Deletes one memory. It moves to the user's trash and is purged for good after the retention period.")]
    public async Task<CallToolResult> DeleteMemory(
        [Description("The memory's id, as returned by store_memory, list_memories or retrieve_memories.")] string memory_id,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var id = ToolInput.MemoryId(memory_id);
        return await Audited("delete_memory", owner, id, async () =>
        {
            var deleted = await StoreErrors.Run(() => store.DeleteAsync(owner, id, cancellationToken));
            if (!deleted)
            {
                throw ToolInput.NotFound(id);
            }

            var message = $"Deleted memory {id}.";
            return (id, ToolResults.Create(new DeleteMemoryResult(id, true, message), message));
        });
    }

    [McpServerTool(Name = "list_memories", Title = "List memories", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(MemoryPageResult))]
    [Description("Lists the user's memories, newest first, optionally filtered by tags and creation date, one page at a time. " +
        "Use it for \"what did I store last week\"; use retrieve_memories to search by words.")]
    public async Task<CallToolResult> ListMemories(
        [Description("Only memories with these tags, e.g. [\"work\"]; see tag_match.")] string[]? tags = null,
        [Description("\"any\" (default): at least one of the tags; \"all\": every tag.")] string? tag_match = null,
        [Description("Only memories created at or after this moment. " + DateDescription)] string? since = null,
        [Description("Only memories created before this moment. " + DateDescription)] string? until = null,
        [Description("How many memories per page, 1 to 100 (default 20).")] int? limit = null,
        [Description("The nextCursor of the previous page, to get the next page; omit for the first page.")] string? cursor = null,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var (from, to) = ToolInput.Range(since, until);
        var query = new ListQuery(ToolInput.FilterTags(tags), ToolInput.Match(tag_match), from, to,
            ToolInput.Limit(limit, 20, 100), NullIfEmpty(cursor));
        using var activity = AuditLog.StartOperation("list_memories", owner);
        var page = await StoreErrors.Run(() => store.ListAsync(owner, query, cancellationToken));
        var items = page.Items.Select(MemorySummaryView.From).ToList();
        var readable = ToolResults.Page(
            items.Count switch
            {
                0 => "No memories found.",
                1 => "1 memory:",
                _ => string.Create(CultureInfo.InvariantCulture, $"{items.Count} memories, newest first:"),
            },
            items.Select(ToolResults.Describe),
            page.NextCursor);
        return ToolResults.Create(new MemoryPageResult(items, page.NextCursor), readable);
    }

    [McpServerTool(Name = "list_trash", Title = "List the trash", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TrashPageResult))]
    [Description("Lists the user's deleted memories that can still be restored, most recently deleted first, with when each " +
        "was deleted and when it will be purged for good. Use it for \"show my trash\" and before restore_memory.")]
    public async Task<CallToolResult> ListTrash(
        [Description("How many memories per page, 1 to 100 (default 20).")] int? limit = null,
        [Description("The nextCursor of the previous page, to get the next page; omit for the first page.")] string? cursor = null,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var pageSize = ToolInput.Limit(limit, 20, 100);
        using var activity = AuditLog.StartOperation("list_trash", owner);
        var page = await StoreErrors.Run(() => store.ListTrashAsync(owner, pageSize, NullIfEmpty(cursor), cancellationToken));
        var items = page.Items.Select(TrashedMemoryView.From).ToList();
        var readable = ToolResults.Page(
            items.Count switch
            {
                0 => "The trash is empty.",
                1 => "1 memory in the trash:",
                _ => string.Create(CultureInfo.InvariantCulture, $"{items.Count} memories in the trash, most recently deleted first:"),
            },
            items.Select(ToolResults.Describe),
            page.NextCursor);
        return ToolResults.Create(new TrashPageResult(items, page.NextCursor), readable);
    }

    [McpServerTool(Name = "restore_memory", Title = "Restore a memory", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(RestoreMemoryResult))]
    [Description("Brings a deleted memory back from the trash with its id, dates, tags and content (undoes delete_memory). " +
        "Restoring a memory that is already back changes nothing and returns it with restored false.")]
    public async Task<CallToolResult> RestoreMemory(
        [Description("The deleted memory's id, as returned by delete_memory or list_trash.")] string memory_id,
        [Description(UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        var id = ToolInput.MemoryId(memory_id);
        return await Audited("restore_memory", owner, id, async () =>
        {
            var restored = await StoreErrors.Run(async () =>
            {
                try
                {
                    return await store.RestoreAsync(owner, id, cancellationToken);
                }
                catch (MemoryNotFoundException)
                {
                    throw new RefusalException(RefusalCode.NotFound, $"No memory with id '{ToolInput.Shorten(id)}' is in the trash or among your memories (it may have been purged). Use list_trash to see what can be restored.");
                }
            });
            var view = Summary(restored.Memory);
            var text = restored.Restored
                ? $"Restored memory {id}: \"{view.Title}\"."
                : $"Memory {id} (\"{view.Title}\") is not in the trash; it is already among your memories.";
            return (id, ToolResults.Create(new RestoreMemoryResult(restored.Restored, view), text));
        });
    }

    private static MemorySummaryView Summary(Memory m) => new(
        m.Id, MemoryUri.For(m.Id), m.Title, m.Tags, m.Created, m.Updated, m.Content.Length,
        m.Content.Length > 200 ? m.Content[..200] + "…" : m.Content);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private async Task<CallToolResult> Audited(string action, string owner, string? id, Func<Task<(string Id, CallToolResult Result)>> run)
    {
        using var activity = AuditLog.StartOperation(action, owner);
        try
        {
            var (memoryId, result) = await run();
            audit.Record(action, owner, memoryId, "succeeded");
            return result;
        }
        catch (Exception ex)
        {
            audit.Record(action, owner, id, StoreErrors.Outcome(ex));
            throw;
        }
    }
}
