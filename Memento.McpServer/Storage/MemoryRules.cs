using System.Text;
using System.Text.RegularExpressions;

namespace Memento.McpServer.Storage;

/// <summary>The checks every user id, memory id and memory passes before it reaches a path or a file.</summary>
internal static partial class MemoryRules
{
    /// <summary>Throws <see cref="MemoryValidationException"/> unless <paramref name="user"/> is a safe user id.</summary>
    public static string ValidateUser(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            throw new MemoryValidationException("The user id is empty.");
        }

        if (!IsValidUser(user))
        {
            throw new MemoryValidationException(InvalidUserMessage(user));
        }

        return user;
    }

    /// <summary>The one rule for user ids, shared with the chat client (<see cref="UserIdRule"/>).</summary>
    public static bool IsValidUser(string user) => UserIdRule.IsValid(user);

    /// <summary>The one wording for a user id that breaks the rule; it shows a short, printable prefix of the input only.</summary>
    public static string InvalidUserMessage(string user) =>
        $"'{Printable(user, 40)}' is not a valid user id: use {UserIdRule.Description}.";

    /// <summary>Throws <see cref="MemoryValidationException"/> unless <paramref name="id"/> can name a memory file.</summary>
    public static string ValidateId(string? id)
    {
        if (string.IsNullOrEmpty(id) || !IsValidId(id))
        {
            throw new MemoryValidationException(
                $"The memory id '{Printable(id ?? "", 40)}' is not valid: ids are 1-128 characters from A-Z, a-z, 0-9, '.', '_' and '-'.");
        }

        return id;
    }

    /// <summary>The one rule for memory ids (what the store issues, and hand-made file names it accepts).</summary>
    public static bool IsValidId(string id) =>
        IdPattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>Checks limits and normalises a new memory: trimmed title (derived when missing), lower-case distinct tags.</summary>
    public static NormalizedMemory Normalize(NewMemory memory, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var content = memory.Content ?? "";
        CheckContent(content, options);
        var title = NormalizeTitle(memory.Title, content, options);
        var tags = NormalizeTags(memory.Tags, options);
        var metadata = NormalizeMetadata(memory.Metadata, options);
        var source = string.IsNullOrWhiteSpace(memory.Source) ? null : memory.Source.Trim();
        if (source is not null && (source.Length > 200 || HasControl(source)))
        {
            throw new MemoryValidationException("The source must be at most 200 characters without control characters.");
        }

        return new NormalizedMemory(content, title, tags, metadata, source);
    }

    /// <summary>Checks an update and applies it to <paramref name="current"/>: null fields stay, <c>Updated</c> moves to <paramref name="now"/>.</summary>
    public static Memory Apply(Memory current, MemoryUpdate update, DateTimeOffset now, StorageOptions options)
    {
        var content = current.Content;
        if (update.Content is not null)
        {
            CheckContent(update.Content, options);
            content = update.Content;
        }

        // A title that was derived from the content follows the new content; one the user gave stays.
        var automaticTitle = current.Title == DeriveTitle(current.Content, options.MaxTitleLength);
        var title = update.Title is not null ? NormalizeTitle(update.Title, content, options)
            : update.Content is not null && automaticTitle ? DeriveTitle(content, options.MaxTitleLength)
            : current.Title;
        return current with
        {
            Content = content,
            Title = title,
            Tags = update.Tags is null ? current.Tags : NormalizeTags(update.Tags, options),
            Metadata = update.Metadata is null ? current.Metadata : NormalizeMetadata(update.Metadata, options),
            Updated = now > current.Created ? now : current.Created,
        };
    }

    public static void CheckContent(string content, StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            throw new MemoryValidationException("The content is empty; a memory needs some text.");
        }

        var bytes = Encoding.UTF8.GetByteCount(content);
        if (bytes > options.MaxContentBytes)
        {
            throw new MemoryValidationException(
                $"The content is {bytes} bytes; the limit is {options.MaxContentBytes} bytes. Shorten it or split it into several memories.");
        }
    }

    public static string NormalizeTitle(string? title, string content, StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return DeriveTitle(content, options.MaxTitleLength);
        }

        var trimmed = title.Trim();
        if (trimmed.Length > options.MaxTitleLength)
        {
            throw new MemoryValidationException($"The title is {trimmed.Length} characters; the limit is {options.MaxTitleLength}.");
        }

        if (trimmed.Contains('\n') || trimmed.Contains('\r') || HasControl(trimmed))
        {
            throw new MemoryValidationException("The title must be one line without control characters.");
        }

        return trimmed;
    }

    /// <summary>
    /// Trimmed, lower-case, distinct tags in their first order. Linear in the number given, and it stops at the
    /// first tag past the limit: a request with 200,000 tags costs no more than one with 21.
    /// </summary>
    public static IReadOnlyList<string> NormalizeTags(IReadOnlyList<string>? tags, StorageOptions options)
    {
        if (tags is null || tags.Count == 0)
        {
            return [];
        }

        var result = new List<string>(Math.Min(tags.Count, options.MaxTags));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in tags)
        {
            var tag = NormalizeTag(raw, options);
            if (seen.Add(tag))
            {
                if (result.Count == options.MaxTags)
                {
                    throw new MemoryValidationException(
                        $"There are more than {options.MaxTags} distinct tags ({tags.Count} given); the limit is {options.MaxTags}.");
                }

                result.Add(tag);
            }
        }

        return result;
    }

    private static string NormalizeTag(string? raw, StorageOptions options)
    {
        var tag = (raw ?? "").Trim();
        if (tag.Length == 0)
        {
            throw new MemoryValidationException("A tag is empty.");
        }

        if (tag.Length > options.MaxTagLength)
        {
            throw new MemoryValidationException($"The tag '{Printable(tag, 60)}…' is {tag.Length} characters; the limit is {options.MaxTagLength}.");
        }

        if (HasControl(tag) || tag.Contains(','))
        {
            throw new MemoryValidationException($"The tag '{Printable(tag)}' contains a comma or a control character.");
        }

        return tag.ToLowerInvariant();
    }

    public static IReadOnlyDictionary<string, string> NormalizeMetadata(IReadOnlyDictionary<string, string>? metadata, StorageOptions options)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return new SortedDictionary<string, string>(StringComparer.Ordinal);
        }

        if (metadata.Count > options.MaxMetadataEntries)
        {
            throw new MemoryValidationException($"The metadata has {metadata.Count} entries; the limit is {options.MaxMetadataEntries}.");
        }

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var bytes = 0;
        foreach (var (rawKey, value) in metadata)
        {
            var key = (rawKey ?? "").Trim();
            if (key.Length == 0 || key.Length > 64 || HasControl(key))
            {
                throw new MemoryValidationException($"The metadata key '{Printable(key)}' must be 1-64 characters without control characters.");
            }

            var text = value ?? "";
            bytes += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(text);
            result[key] = text;
        }

        if (bytes > options.MaxMetadataBytes)
        {
            throw new MemoryValidationException($"The metadata is {bytes} bytes; the limit is {options.MaxMetadataBytes} bytes.");
        }

        return result;
    }

    /// <summary>The first non-empty line of the content, shortened to a title.</summary>
    public static string DeriveTitle(string content, int maxLength)
    {
        var line = content.Split('\n').Select(l => l.Trim().TrimStart('#').Trim()).FirstOrDefault(l => l.Length > 0) ?? "Untitled";
        line = new string([.. line.Where(c => !char.IsControl(c))]);
        var limit = Math.Min(maxLength, 80);
        return line.Length <= limit ? line : line[..(limit - 1)].TrimEnd() + "…";
    }

    private static bool HasControl(string text) => text.Any(char.IsControl);

    private static string Printable(string text, int max = 80) => Errors.LogText.Escape(text, max);

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}

/// <summary>A new memory after validation: what is written to disk.</summary>
internal sealed record NormalizedMemory(
    string Content,
    string Title,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Metadata,
    string? Source);
