using System.Globalization;
using System.Text;
using System.Text.Json;
using Memento.McpServer.Storage;
using Memento.McpServer.Errors;

namespace Memento.McpServer.Tools;

/// <summary>Checks and converts tool arguments; every refusal is a <see cref="RefusalException"/> whose message says what to send instead.</summary>
internal static class ToolInput
{
    public const int MaxFilterTags = 20;
    public const int MaxQueryLength = 1_000;

    private static readonly DateTimeOffset EarliestDate = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestDate = new(3000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>Parses an ISO 8601 date or date-time; without an offset it is UTC. Null or empty means "not given".</summary>
    public static DateTimeOffset? Date(string? value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!DateTimeOffset.TryParseExact(value.Trim(), DateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            throw RefusalException.Invalid(
                $"'{parameter}' must be an ISO 8601 date or date-time such as 2025-07-14 or 2025-07-14T09:30:00Z; got '{Shorten(value)}'.");
        }

        if (parsed < EarliestDate || parsed >= LatestDate)
        {
            throw RefusalException.Invalid($"'{parameter}' must be between 1900-01-01 and 2999-12-31; got '{Shorten(value)}'.");
        }

        return parsed;
    }

    /// <summary>Both bounds of a date range, parsed; that one comes before the other is the store's rule (<see cref="QueryRules.CheckRange"/>).</summary>
    public static (DateTimeOffset? Since, DateTimeOffset? Until) Range(string? since, string? until) =>
        (Date(since, "since"), Date(until, "until"));

    public static int Limit(int? limit, int defaultLimit, int max)
    {
        var value = limit ?? defaultLimit;
        if (value < 1 || value > max)
        {
            throw RefusalException.Invalid($"'limit' must be between 1 and {max}; got {value}.");
        }

        return value;
    }

    public static TagMatch Match(string? tagMatch) => tagMatch?.Trim().ToLowerInvariant() switch
    {
        null or "" or "any" => TagMatch.Any,
        "all" => TagMatch.All,
        _ => throw RefusalException.Invalid($"'tag_match' must be 'any' or 'all'; got '{Shorten(tagMatch)}'."),
    };

    public static IReadOnlyList<string>? FilterTags(string[]? tags)
    {
        if (tags is null || tags.Length == 0)
        {
            return null;
        }

        if (tags.Length > MaxFilterTags)
        {
            throw RefusalException.Invalid($"Filter on at most {MaxFilterTags} tags; got {tags.Length}.");
        }

        return [.. tags.Select(t => Text(t, "tags").Trim()).Where(t => t.Length > 0)];
    }

    /// <summary>Text that must be well-formed (no unpaired surrogates, no NUL).</summary>
    public static string Text(string? value, string parameter)
    {
        if (value is null)
        {
            return "";
        }

        if (value.Contains('\0'))
        {
            throw RefusalException.Invalid($"'{parameter}' contains NUL characters; send plain text.");
        }

        try
        {
            StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw RefusalException.Invalid($"'{parameter}' is not valid Unicode text (it holds an unpaired surrogate).");
        }

        return value;
    }

    public static string RequiredText(string? value, string parameter, string example)
    {
        var text = Text(value, parameter);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw RefusalException.Invalid($"'{parameter}' must not be empty, e.g. {example}.");
        }

        return text;
    }

    /// <summary>Metadata values may be strings, numbers or booleans; they are stored as strings.</summary>
    public static IReadOnlyDictionary<string, string>? Metadata(Dictionary<string, JsonElement>? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            Text(key, "metadata");
            result[key] = value.ValueKind switch
            {
                JsonValueKind.String => Text(value.GetString(), "metadata"),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => throw RefusalException.Invalid(
                    $"'metadata' values must be strings, numbers or booleans; '{Shorten(key)}' holds {Describe(value.ValueKind)}. Flatten nested data into separate keys."),
            };
        }

        return result;
    }

    public static IReadOnlyList<string>? Tags(string[]? tags) =>
        tags is null ? null : [.. tags.Select(t => Text(t, "tags"))];

    /// <summary>A memory id as the store issues them; anything else cannot name a memory, so it is "not found".</summary>
    public static string MemoryId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw RefusalException.Invalid("'memory_id' must not be empty; use list_memories or retrieve_memories to find ids.");
        }

        var trimmed = id.Trim();
        if (!MemoryRules.IsValidId(trimmed))
        {
            throw NotFound(trimmed);
        }

        return trimmed;
    }

    public static RefusalException NotFound(string id) =>
        new(RefusalCode.NotFound, $"No memory with id '{Shorten(id)}'. Use list_memories or retrieve_memories to find ids.");

    /// <summary>Input shown in a message: at most <paramref name="max"/> characters, control and format characters escaped.</summary>
    public static string Shorten(string? value, int max = 40) => LogText.Escape(value, max);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };
}
