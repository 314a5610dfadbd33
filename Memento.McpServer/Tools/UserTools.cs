using System.ComponentModel;
using System.Globalization;
using System.Text;
using Memento.McpServer.Auth;
using Memento.McpServer.Storage;
using Memento.McpServer.Errors;
using Memento.McpServer.Search;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>Statistics about the caller's memories, and the list of users for administrators.</summary>
[McpServerToolType]
public sealed class UserTools(IMemoryStore store, Caller caller)
{
    [McpServerTool(Name = "get_user_stats", Title = "Memory statistics", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(UserStatsResult))]
    [Description("Counts and sizes of the user's memories: how many, total size, oldest and newest, how often each tag is used, how many are in the trash.")]
    public async Task<CallToolResult> GetUserStats(
        [Description(MemoryTools.UserDescription)] string? user = null,
        CancellationToken cancellationToken = default)
    {
        var owner = caller.ResolveUser(user);
        using var activity = AuditLog.StartOperation("get_user_stats", owner);
        var stats = UserStatsResult.From(await StoreErrors.Run(() => store.GetStatsAsync(owner, cancellationToken)));
        return ToolResults.Create(stats, Describe(stats));
    }

    [McpServerTool(Name = "list_users", Title = "List users", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(UserListResult))]
    [Description("Lists every user that has memories, sorted by id, with each user's statistics, one page at a time. " +
        "Needs the administrator role when the server requires sign-in.")]
    public async Task<CallToolResult> ListUsers(
        [Description("How many users per page, 1 to 100 (default 20).")] int? limit = null,
        [Description("The nextCursor of the previous page, to get the next page; omit for the first page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        caller.RequireAdmin("list_users");
        var pageSize = ToolInput.Limit(limit, 20, 100);
        using var activity = AuditLog.StartOperation("list_users", caller.IsLocal ? "local" : caller.ResolveUser());
        var users = await StoreErrors.Run(() => store.ListUsersAsync(cancellationToken));
        var start = 0;
        if (!string.IsNullOrEmpty(cursor))
        {
            var after = Cursor(cursor);
            start = users.Count(u => string.CompareOrdinal(u, after) <= 0);
        }

        var page = users.Skip(start).Take(pageSize).ToList();
        var stats = new List<UserStatsResult>(page.Count);
        foreach (var user in page)
        {
            stats.Add(UserStatsResult.From(await StoreErrors.Run(() => store.GetStatsAsync(user, cancellationToken))));
        }

        var next = start + page.Count < users.Count ? PageCursor.ForUsers(page[^1]) : null;
        var text = ToolResults.Page(
            string.Create(CultureInfo.InvariantCulture, $"{users.Count} users; this page:"),
            stats.Select(s => string.Create(CultureInfo.InvariantCulture, $"- {s.User}: {s.MemoryCount} memories, {s.TotalContentBytes} bytes")),
            next);
        return ToolResults.Create(new UserListResult(stats, users.Count, next), text);
    }

    private static string Describe(UserStatsResult s)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"User {s.User}: {s.MemoryCount} memories, {s.TotalContentBytes} bytes of content, {s.TrashedCount} in the trash.");
        if (s.Oldest is { } oldest && s.Newest is { } newest)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Oldest {ToolResults.Date(oldest)}, newest {ToolResults.Date(newest)}.");
        }

        if (s.Tags.Count > 0)
        {
            text.Append("Tags: ").AppendJoin(", ", s.Tags.OrderByDescending(t => t.Value).Select(t => $"{t.Key} ({t.Value})"));
        }

        return text.ToString().TrimEnd();
    }

    private static string Cursor(string cursor)
    {
        try
        {
            return PageCursor.ParseUsers(cursor)!;
        }
        catch (MemoryValidationException ex)
        {
            throw RefusalException.Invalid(ex.Message);
        }
    }
}
