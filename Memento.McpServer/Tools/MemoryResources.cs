using System.ComponentModel;
using Memento.McpServer.Auth;
using Memento.McpServer.Storage;
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
        var memoryId = ResourceId(id);
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

    private static string ResourceId(string id)
    {
        try
        {
            return ToolInput.MemoryId(Uri.UnescapeDataString(id));
        }
        catch (McpException)
        {
            throw NotFound(id);
        }
    }

    private static McpProtocolException NotFound(string id) =>
        new($"No memory at {MemoryUri.For(ToolInput.Shorten(id))}.", McpErrorCode.ResourceNotFound);
}
