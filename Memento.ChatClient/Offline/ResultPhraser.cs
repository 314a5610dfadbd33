using System.Globalization;
using System.Text;
using System.Text.Json;
using Memento.ChatClient.Agent;

namespace Memento.ChatClient.Offline;

/// <summary>Says in plain sentences what a Memento tool returned, for the offline engine.</summary>
public sealed class ResultPhraser(TimeZoneInfo zone)
{
    public string Phrase(string tool, IReadOnlyDictionary<string, object?> arguments, ToolResult result, string? purpose)
    {
        if (result.IsError)
        {
            var reason = result.Text.Trim();
            return reason.StartsWith("I could not", StringComparison.Ordinal)
                ? reason + " Your conversation is kept; try again in a moment."
                : $"That did not work: {reason}";
        }

        return tool switch
        {
            "store_memory" => Stored(result),
            "retrieve_memories" or "list_memories" => Listed(tool, arguments, result, purpose),
            "get_memory_content" => Shown(result),
            "update_memory" => Updated(result, purpose),
            "delete_memory" => $"Deleted {Arg(arguments, "memory_id")}; it waits in your trash until it is purged. Say \"undo\" to bring it back.",
            "list_trash" => Trash(result),
            "restore_memory" => Restored(result),
            "get_user_stats" => Stats(result),
            "list_users" => Users(result),
            _ => Fallback("Done.", result),
        };
    }

    private static string Updated(ToolResult result, string? purpose)
    {
        if (result.Memory() is not { } m)
        {
            return Fallback("Updated.", result);
        }

        if (purpose?.StartsWith("edited:", StringComparison.Ordinal) == true
            && JsonSerializer.Deserialize<string[]>(purpose["edited:".Length..]) is [var from, var to])
        {
            return $"Changed \"{from}\" to \"{to}\" in \"{m.Title}\" ({m.Id}); the rest is as it was.";
        }

        return $"Updated \"{m.Title}\" ({m.Id}){TagsPart(m.Tags)}.";
    }

    private string Trash(ToolResult result)
    {
        if (result.Structured is not { ValueKind: JsonValueKind.Object } s || ToolResult.Get(s, "memories") is not { ValueKind: JsonValueKind.Array } items)
        {
            return Fallback("", result);
        }

        var list = items.EnumerateArray().ToList();
        if (list.Count == 0)
        {
            return "Your trash is empty.";
        }

        var text = new StringBuilder(list.Count == 1 ? "1 memory is in your trash:" : $"{list.Count} memories are in your trash, most recently deleted first:");
        var n = 0;
        foreach (var item in list)
        {
            n++;
            var deleted = ParseDate(ToolResult.GetString(item, "deleted"));
            var purge = ParseDate(ToolResult.GetString(item, "purgeAfter"));
            text.Append(CultureInfo.InvariantCulture, $"\n{n}. {ToolResult.GetString(item, "title")} (");
            if (deleted is { } d)
            {
                text.Append("deleted ").Append(Day(d)).Append("; ");
            }

            if (purge is { } p)
            {
                text.Append("purged after ").Append(Day(p)).Append("; ");
            }

            text.Append("id ").Append(ToolResult.GetString(item, "id")).Append(')');
        }

        if (result.NextCursor() is not null)
        {
            text.Append("\nThere are more in the trash.");
        }

        return text.Append("\nSay \"restore the first one\" to bring one back.").ToString();
    }

    private static string Restored(ToolResult result)
    {
        if (result.Memory() is not { } memory)
        {
            return Fallback("Restored.", result);
        }

        var again = result.Structured is { } s && ToolResult.Get(s, "restored") is { ValueKind: JsonValueKind.False };
        return again
            ? $"\"{memory.Title}\" ({memory.Id}) is not in the trash: it is already among your memories."
            : $"Restored \"{memory.Title}\" ({memory.Id}){TagsPart(memory.Tags)}; it is back among your memories.";
    }

    private static string Stored(ToolResult result)
    {
        if (result.Memory() is not { } memory)
        {
            return Fallback("Stored.", result);
        }

        var again = result.Structured is { } s && ToolResult.Get(s, "created") is { ValueKind: JsonValueKind.False };
        return again
            ? $"You already had that one: \"{memory.Title}\" ({memory.Id}). Nothing new was stored."
            : $"Stored \"{memory.Title}\" ({memory.Id}){TagsPart(memory.Tags)}.";
    }

    private string Listed(string tool, IReadOnlyDictionary<string, object?> arguments, ToolResult result, string? purpose)
    {
        var items = result.Items();
        if (items is null)
        {
            return Fallback("Here is what the server found.", result);
        }

        var what = Describe(tool, arguments);
        if (items.Count == 0)
        {
            return $"I found no memories{what}.";
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"I found {(items.Count == 1 ? "1 memory" : $"{items.Count} memories")}{what}:");
        var n = 0;
        foreach (var item in items)
        {
            n++;
            text.Append(CultureInfo.InvariantCulture, $"\n{n}. {item.Title}");
            var details = new List<string>();
            if (item.Created is { } created)
            {
                details.Add(Day(created));
            }

            if (item.Tags.Count > 0)
            {
                details.Add("tags: " + string.Join(", ", item.Tags));
            }

            details.Add("id " + item.Id);
            text.Append(" (").Append(string.Join("; ", details)).Append(')');
            if (!string.IsNullOrWhiteSpace(item.Snippet))
            {
                text.Append(" — ").Append(OneLine(item.Snippet, 160));
            }
        }

        if (purpose == "delete")
        {
            text.Append("\nWhich one? Say \"delete the first one\" (or the second, …), or \"delete them\" for all of them; I ask before deleting.");
        }
        else if (result.NextCursor() is not null)
        {
            text.Append("\nThere are more; narrow it down with a time phrase or tags.");
        }
        else
        {
            text.Append("\nSay \"show the first one\" to read one in full.");
        }

        return text.ToString();
    }

    private string Shown(ToolResult result)
    {
        if (result.Memory() is not { } memory || memory.Content is null)
        {
            return Fallback("", result);
        }

        var created = memory.Created is { } c ? $", stored {Day(c)}" : "";
        return $"\"{memory.Title}\" ({memory.Id}{created}){TagsPart(memory.Tags)}:\n{memory.Content}";
    }

    private static string Stats(ToolResult result)
    {
        if (result.Structured is not { ValueKind: JsonValueKind.Object } s || ToolResult.GetNumber(s, "memoryCount") is not { } count)
        {
            return Fallback("", result);
        }

        var text = new StringBuilder($"You have {count} {(count == 1 ? "memory" : "memories")}");
        if (ToolResult.GetNumber(s, "totalContentBytes") is { } bytes)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({Size(bytes)})");
        }

        text.Append('.');
        if (ToolResult.Get(s, "tags") is { ValueKind: JsonValueKind.Object } tags)
        {
            var top = tags.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .OrderByDescending(p => p.Value.GetInt32()).Take(5)
                .Select(p => $"{p.Name} ({p.Value.GetInt32()})").ToList();
            if (top.Count > 0)
            {
                text.Append(" Top tags: ").Append(string.Join(", ", top)).Append('.');
            }
        }

        if (ToolResult.GetNumber(s, "trashedCount") is > 0 and var trashed)
        {
            text.Append(CultureInfo.InvariantCulture, $" {trashed} in the trash.");
        }

        return text.ToString();
    }

    private static string Users(ToolResult result)
    {
        if (result.Structured is { } s)
        {
            var array = s.ValueKind == JsonValueKind.Array ? s : ToolResult.Get(s, "users");
            if (array is { ValueKind: JsonValueKind.Array } users)
            {
                var names = users.EnumerateArray().Select(u => u.ValueKind == JsonValueKind.String ? u.GetString() : ToolResult.GetString(u, "user") ?? ToolResult.GetString(u, "id")).OfType<string>().ToList();
                return names.Count == 0 ? "No users have memories yet." : "Users with memories: " + string.Join(", ", names) + ".";
            }
        }

        return Fallback("", result);
    }

    /// <summary>What a list or search was about, e.g. " about \"budget\" tagged work since Mon 9 Nov 2026".</summary>
    public string About(string tool, IReadOnlyDictionary<string, object?> arguments) => Describe(tool, arguments);

    private string Describe(string tool, IReadOnlyDictionary<string, object?> arguments)
    {
        var parts = new StringBuilder();
        if (tool == "retrieve_memories" && Arg(arguments, "query") is { Length: > 0 } query)
        {
            parts.Append(CultureInfo.InvariantCulture, $" about \"{query}\"");
        }

        if (arguments.TryGetValue("tags", out var tags) && tags is IEnumerable<string> list && list.Any())
        {
            parts.Append(" tagged ").Append(string.Join(", ", list));
        }

        var since = ParseDate(Arg(arguments, "since"));
        var until = ParseDate(Arg(arguments, "until"));
        if (since is { } s && until is { } u)
        {
            parts.Append(u - s == TimeSpan.FromDays(1) ? $" from {Day(s)}" : $" from {Day(s)} until {Day(u.AddDays(-1))}");
        }
        else if (since is { } s2)
        {
            parts.Append(" since ").Append(Day(s2));
        }
        else if (until is { } u2)
        {
            parts.Append(" before ").Append(Day(u2));
        }

        return parts.ToString();
    }

    private string Day(DateTimeOffset value) =>
        TimeZoneInfo.ConvertTime(value, zone).ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseDate(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    private static string? Arg(IReadOnlyDictionary<string, object?> arguments, string name) =>
        arguments.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            _ => value.ToString(),
        } : null;

    private static string TagsPart(IReadOnlyList<string> tags) => tags.Count == 0 ? "" : ", tagged " + string.Join(", ", tags);

    private static string Size(long bytes) => bytes < 1024
        ? $"{bytes} bytes"
        : bytes < 1024 * 1024 ? $"{bytes / 1024.0:0.#} KB" : $"{bytes / (1024.0 * 1024):0.#} MB";

    private static string OneLine(string text, int max)
    {
        // Search snippets mark the matched words in Markdown bold; plain sentences do without.
        var line = string.Join(' ', text.Replace("**", "", StringComparison.Ordinal).Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    private static string Fallback(string prefix, ToolResult result)
    {
        var text = result.Text.Trim();
        return text.Length == 0 ? (prefix.Length == 0 ? "Done." : prefix) : text;
    }
}
