using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Memento.ChatClient.Agent;

/// <summary>One memory as a tool result shows it, whichever of the server's shapes carried it.</summary>
public sealed record MemoryView(string Id, string Title, IReadOnlyList<string> Tags, DateTimeOffset? Created, string? Snippet, string? Content);

/// <summary>
/// A tool result read back from what <c>McpClientTool</c> returns: the <c>CallToolResult</c> as JSON
/// (structured content, errors) or plain content. Lookups are tolerant of camelCase and snake_case.
/// </summary>
public sealed record ToolResult(bool IsError, string Text, JsonElement? Structured)
{
    public static ToolResult From(object? result)
    {
        switch (result)
        {
            case null:
                return new ToolResult(false, "", null);
            case JsonElement json when json.ValueKind == JsonValueKind.Object && (json.TryGetProperty("content", out _) || json.TryGetProperty("structuredContent", out _) || json.TryGetProperty("isError", out _)):
                var isError = json.TryGetProperty("isError", out var e) && e.ValueKind == JsonValueKind.True;
                var text = new StringBuilder();
                if (json.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var block in content.EnumerateArray())
                    {
                        if (block.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                        {
                            text.Append(text.Length > 0 ? "\n" : "").Append(t.GetString());
                        }
                    }
                }

                JsonElement? structured = json.TryGetProperty("structuredContent", out var s) && s.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? s : null;
                return new ToolResult(isError, text.ToString(), structured);
            case JsonElement json when json.ValueKind == JsonValueKind.String:
                return new ToolResult(false, json.GetString() ?? "", null);
            case JsonElement json:
                return new ToolResult(false, json.GetRawText(), json);
            case string plain:
                return new ToolResult(false, plain, null);
            case TextContent textContent:
                return new ToolResult(false, textContent.Text, null);
            case IEnumerable<AIContent> contents:
                return new ToolResult(false, string.Join("\n", contents.OfType<TextContent>().Select(c => c.Text)), null);
            default:
                return new ToolResult(false, result.ToString() ?? "", null);
        }
    }

    /// <summary>A one-line summary for a tool chip.</summary>
    public string Summary(int max = 140)
    {
        var items = Items();
        string line;
        if (IsError)
        {
            line = "error: " + FirstLine(Text);
        }
        else if (items is not null)
        {
            line = items.Count == 1 ? "1 memory" : $"{items.Count} memories";
            if (items.Count > 0)
            {
                line += ": " + string.Join(", ", items.Take(3).Select(i => i.Title));
            }
        }
        else if (Memory() is { } memory)
        {
            line = $"\"{memory.Title}\" ({memory.Id})";
        }
        else
        {
            line = FirstLine(Text);
        }

        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    /// <summary>The list of memories in a list or search result, or null when the result holds none.</summary>
    public IReadOnlyList<MemoryView>? Items()
    {
        if (Structured is not { } root)
        {
            return null;
        }

        JsonElement? array = root.ValueKind == JsonValueKind.Array ? root : null;
        if (array is null)
        {
            foreach (var name in new[] { "items", "memories", "results", "hits" })
            {
                if (Get(root, name) is { ValueKind: JsonValueKind.Array } found)
                {
                    array = found;
                    break;
                }
            }
        }

        return array is { } list ? [.. list.EnumerateArray().Select(ReadMemory).OfType<MemoryView>()] : null;
    }

    /// <summary>The single memory a store, get or update result describes, if any.</summary>
    public MemoryView? Memory()
    {
        if (Structured is not { ValueKind: JsonValueKind.Object } root)
        {
            return null;
        }

        return ReadMemory(root);
    }

    /// <summary>The paging cursor of a list or search result.</summary>
    public string? NextCursor() => Structured is { ValueKind: JsonValueKind.Object } root ? GetString(root, "nextCursor") : null;

    /// <summary>Every memory id in the result, in order: the referents of "it" and "the second one".</summary>
    public IReadOnlyList<string> Ids()
    {
        if (Items() is { } items)
        {
            return [.. items.Select(i => i.Id)];
        }

        return Memory() is { } memory ? [memory.Id] : [];
    }

    /// <summary>A call's string argument, whether it was given as a string or as JSON.</summary>
    public static string? GetArgument(IDictionary<string, object?>? arguments, string name) =>
        arguments is not null && arguments.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            _ => value.ToString(),
        } : null;

    internal static MemoryView? ReadMemory(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var memory = Get(element, "memory") is { ValueKind: JsonValueKind.Object } inner ? inner : element;
        var id = GetString(memory, "id");
        if (id is null)
        {
            return null;
        }

        var tags = Get(memory, "tags") is { ValueKind: JsonValueKind.Array } t
            ? t.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];
        DateTimeOffset? created = DateTimeOffset.TryParse(GetString(memory, "created") ?? GetString(memory, "createdAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var c) ? c : null;
        var snippet = GetString(element, "snippet") ?? GetString(memory, "snippet") ?? GetString(memory, "preview");
        return new MemoryView(id, GetString(memory, "title") ?? "(untitled)", tags, created, snippet, GetString(memory, "content"));
    }

    internal static JsonElement? Get(JsonElement element, string camelName)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var snake = ToSnake(camelName);
        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(camelName) || property.NameEquals(snake) || string.Equals(property.Name, camelName, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    internal static string? GetString(JsonElement element, string camelName) =>
        Get(element, camelName) is { } value ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        } : null;

    internal static long? GetNumber(JsonElement element, string camelName) =>
        Get(element, camelName) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var n) ? n : null;

    private static string ToSnake(string camel)
    {
        var builder = new StringBuilder();
        foreach (var ch in camel)
        {
            if (char.IsUpper(ch))
            {
                builder.Append('_').Append(char.ToLowerInvariant(ch));
            }
            else
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }

    private static string FirstLine(string text)
    {
        var trimmed = text.Trim();
        var newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? trimmed : trimmed[..newline].TrimEnd() + " …";
    }
}
