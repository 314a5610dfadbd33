using System.ComponentModel;
using Memento.McpServer.Auth;
using Memento.McpServer.Storage;
using Memento.McpServer.Errors;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>Each memory is also an MCP resource at <c>memento://memories/{id}</c>, readable and listable.</summary>
[McpServerResourceType]
public sealed class MemoryResources(IMemoryStore store, Caller caller)
{
    private const int ListPageSize = 50;

    [McpServerResource(UriTemplate = MemoryUri.Template, Name = "memory", Title = "A stored memory", MimeType = "text/markdown")]
    [Description("One of your memories in full, as Markdown: title, tags, dates and content.")]
    public async Task<TextResourceContents> Read(string id, CancellationToken cancellationToken)
    {
        var owner = caller.ResolveUser();
        var memoryId = ResourceId(id) ?? throw NotFound(id);
        var memory = await StoreErrors.Run(() => store.GetAsync(owner, memoryId, cancellationToken))
            ?? throw NotFound(memoryId);
        var view = MemoryView.From(memory);
        return new TextResourceContents { Uri = view.Uri, MimeType = "text/markdown", Text = ToolResults.Describe(view) };
    }

    /// <summary>resources/list: the caller's memories, newest first, a page at a time.</summary>
    public static async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> context, CancellationToken cancellationToken)
    {
        var services = context.Services ?? throw new InvalidOperationException("The request has no services.");
        var caller = services.GetRequiredService<Caller>();
        caller.Principal = context.User;
        var store = services.GetRequiredService<IMemoryStore>();
        var owner = caller.ResolveUser();
        var page = await StoreErrors.Run(() => store.ListAsync(owner, new ListQuery(Limit: ListPageSize, Cursor: context.Params?.Cursor), cancellationToken));
        return new ListResourcesResult
        {
            Resources = [.. page.Items.Select(m => new Resource
            {
                Uri = MemoryUri.For(m.Id),
                Name = m.Id,
                Title = m.Title,
                Description = m.Preview,
                MimeType = "text/markdown",
            })],
            NextCursor = page.NextCursor,
        };
    }

    /// <summary>
    /// Refuses a <c>resources/read</c> of a memory the caller does not have, before the SDK's handler runs (see
    /// <see cref="ProtocolShapeFilter"/>). Memories are the only resources, so any other URI is not found either.
    /// </summary>
    /// <exception cref="RefusalException">No such memory for this caller, or the caller is refused.</exception>
    internal static async Task CheckExistsAsync(IServiceProvider services, System.Security.Claims.ClaimsPrincipal? user, string uri, CancellationToken cancellationToken)
    {
        if (!uri.StartsWith(MemoryUri.Prefix, StringComparison.Ordinal))
        {
            throw new RefusalException(RefusalCode.NotFound, $"No resource at '{ToolInput.Shorten(uri, 80)}'; this server's resources are memento://memories/{{id}}.");
        }

        await using var scope = services.CreateAsyncScope();
        var caller = scope.ServiceProvider.GetRequiredService<Caller>();
        caller.Principal = user;
        var owner = caller.ResolveUser();
        var id = uri[MemoryUri.Prefix.Length..];
        var memoryId = ResourceId(id) ?? throw new RefusalException(RefusalCode.NotFound, NotFoundMessage(id));
        if (await StoreErrors.Run(() => scope.ServiceProvider.GetRequiredService<IMemoryStore>().GetAsync(owner, memoryId, cancellationToken)) is null)
        {
            throw new RefusalException(RefusalCode.NotFound, NotFoundMessage(memoryId));
        }
    }

    /// <summary>The memory id a resource URI names, or null when it cannot name one.</summary>
    private static string? ResourceId(string id)
    {
        var unescaped = Uri.UnescapeDataString(id).Trim();
        return MemoryRules.IsValidId(unescaped) ? unescaped : null;
    }

    private static string NotFoundMessage(string id) => $"No memory at {MemoryUri.For(ToolInput.Shorten(id))}.";

    private static McpProtocolException NotFound(string id) => new(NotFoundMessage(id), McpErrorCode.ResourceNotFound);
}
