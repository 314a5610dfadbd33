using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Memento.McpServer.Storage;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Memento.McpServer.Tools;

/// <summary>A memory in full, as tools return it.</summary>
public sealed record MemoryView(
    string Id,
    string Uri,
    string Title,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    string Content,
    string? Source,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static MemoryView From(Memory m) =>
        new(m.Id, MemoryUri.For(m.Id), m.Title, m.Tags, m.Created, m.Updated, m.Content, m.Source, m.Metadata);
}

/// <summary>A memory without its full content.</summary>
public sealed record MemorySummaryView(
    string Id,
    string Uri,
    string Title,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    int ContentLength,
    string Preview)
{
    public static MemorySummaryView From(MemorySummary m) =>
        new(m.Id, MemoryUri.For(m.Id), m.Title, m.Tags, m.Created, m.Updated, m.ContentLength, m.Preview);
}

/// <summary>The result of <c>store_memory</c>: the memory, and false in <c>Created</c> when an identical one already existed.</summary>
public sealed record StoreMemoryResult(bool Created, MemorySummaryView Memory);

/// <summary>The result of <c>update_memory</c>.</summary>
public sealed record UpdateMemoryResult(MemorySummaryView Memory);

/// <summary>The result of <c>delete_memory</c>.</summary>
public sealed record DeleteMemoryResult(string MemoryId, bool Deleted, string Message);

/// <summary>One page of <c>list_memories</c>; pass <c>NextCursor</c> back as <c>cursor</c> for the next page.</summary>
public sealed record MemoryPageResult(IReadOnlyList<MemorySummaryView> Memories, string? NextCursor);

/// <summary>A memory in the trash: what it was, when it was deleted and when it is purged for good.</summary>
public sealed record TrashedMemoryView(
    string Id,
    string Title,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    DateTimeOffset Deleted,
    DateTimeOffset PurgeAfter,
    int ContentLength,
    string Preview)
{
    public static TrashedMemoryView From(TrashedMemory t) =>
        new(t.Memory.Id, t.Memory.Title, t.Memory.Tags, t.Memory.Created, t.Memory.Updated, t.Deleted, t.PurgeAfter, t.Memory.ContentLength, t.Memory.Preview);
}

/// <summary>One page of <c>list_trash</c>, most recently deleted first; pass <c>NextCursor</c> back as <c>cursor</c> for the next page.</summary>
public sealed record TrashPageResult(IReadOnlyList<TrashedMemoryView> Memories, string? NextCursor);

/// <summary>The result of <c>restore_memory</c>: the memory, and false in <c>Restored</c> when it was already back.</summary>
public sealed record RestoreMemoryResult(bool Restored, MemorySummaryView Memory);

/// <summary>One search hit: the memory, its relevance and a snippet around the matched words.</summary>
public sealed record SearchHitView(MemorySummaryView Memory, double Score, string Snippet);

/// <summary>One page of <c>retrieve_memories</c>, best first.</summary>
public sealed record SearchResult(string Query, IReadOnlyList<SearchHitView> Hits, string? NextCursor);

/// <summary>Counts and sizes for one user.</summary>
public sealed record UserStatsResult(
    string User,
    int MemoryCount,
    long TotalContentBytes,
    DateTimeOffset? Oldest,
    DateTimeOffset? Newest,
    IReadOnlyDictionary<string, int> Tags,
    int TrashedCount)
{
    public static UserStatsResult From(UserStats s) =>
        new(s.User, s.MemoryCount, s.TotalContentBytes, s.Oldest, s.Newest, s.Tags, s.TrashedCount);
}

/// <summary>One page of <c>list_users</c> with each user's statistics.</summary>
public sealed record UserListResult(IReadOnlyList<UserStatsResult> Users, int TotalUsers, string? NextCursor);

/// <summary>The URIs under which memories are MCP resources.</summary>
public static class MemoryUri
{
    public const string Prefix = "memento://memories/";
    public const string Template = Prefix + "{id}";

    public static string For(string id) => Prefix + id;
}

/// <summary>Builds tool results: structured content for programs, readable text for models and people.</summary>
internal static class ToolResults
{
    /// <summary>
    /// The one rule for values that may be absent: the output schema (made from the result records) declares
    /// every property as required and a nullable one as <c>["string", "null"]</c>, so a missing value is written
    /// as <c>null</c>, never left out. The SDK's own options leave nulls out, which clients that validate
    /// <c>structuredContent</c> against the schema (the TypeScript SDK does) refuse.
    /// </summary>
    internal static readonly JsonSerializerOptions StructuredOptions = CreateStructuredOptions();

    public static CallToolResult Create<T>(T value, string text) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = JsonSerializer.SerializeToElement(value, StructuredOptions.GetTypeInfo(typeof(T))),
    };

    private static JsonSerializerOptions CreateStructuredOptions()
    {
        var options = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
        options.MakeReadOnly();
        return options;
    }

    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Describe(MemorySummaryView m) =>
        $"- {m.Title} (id {m.Id}, created {Date(m.Created)}{TagText(m.Tags)})";

    public static string Describe(MemoryView m)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {m.Title}")
            .AppendLine(CultureInfo.InvariantCulture, $"id: {m.Id}")
            .AppendLine(CultureInfo.InvariantCulture, $"created: {Date(m.Created)}, updated: {Date(m.Updated)}");
        if (m.Tags.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"tags: {string.Join(", ", m.Tags)}");
        }

        if (m.Source is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"source: {m.Source}");
        }

        foreach (var (key, value) in m.Metadata)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{key}: {value}");
        }

        return text.AppendLine().Append(m.Content).ToString();
    }

    public static string Page(string heading, IEnumerable<string> lines, string? nextCursor)
    {
        var text = new StringBuilder(heading).AppendLine();
        foreach (var line in lines)
        {
            text.AppendLine(line);
        }

        if (nextCursor is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"More results: call again with cursor \"{nextCursor}\".");
        }

        return text.ToString().TrimEnd();
    }

    public static string Describe(TrashedMemoryView m) =>
        $"- {m.Title} (id {m.Id}, deleted {Date(m.Deleted)}, purged after {Date(m.PurgeAfter)}{TagText(m.Tags)})";

    private static string TagText(IReadOnlyList<string> tags) =>
        tags.Count == 0 ? "" : ", tags: " + string.Join(", ", tags);
}
