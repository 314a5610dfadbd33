using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Memento.McpServer.Storage;

/// <summary>
/// The on-disk form of a memory: Markdown with YAML front matter (<c>id</c>, <c>title</c>, <c>tags</c>,
/// <c>created</c>, <c>updated</c>, optional <c>source</c> and <c>metadata</c>), then the content verbatim.
/// Reading is lenient, because people edit these files by hand: a file without front matter is all
/// content, a missing title is derived, missing dates fall back to the file's time.
/// </summary>
internal static class MemoryDocument
{
    public const string Extension = ".md";

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections)
        .DisableAliases()
        .Build();

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    public static string Serialize(Memory memory)
    {
        var front = new FrontMatter
        {
            Id = memory.Id,
            Title = memory.Title,
            Tags = memory.Tags.Count == 0 ? null : [.. memory.Tags],
            Created = FormatInstant(memory.Created),
            Updated = FormatInstant(memory.Updated),
            Source = memory.Source,
            Metadata = memory.Metadata.Count == 0 ? null : new Dictionary<string, string>(memory.Metadata),
        };
        var yaml = Serializer.Serialize(front);
        var builder = new StringBuilder(yaml.Length + memory.Content.Length + 16);
        builder.Append("---\n").Append(yaml);
        if (!yaml.EndsWith('\n'))
        {
            builder.Append('\n');
        }

        builder.Append("---\n").Append(memory.Content);
        return builder.ToString();
    }

    /// <summary>Parses a memory file; <paramref name="id"/> comes from the file name, which wins over the front matter.</summary>
    /// <exception cref="FormatException">The front matter is not valid YAML or has a value of the wrong kind.</exception>
    public static Memory Parse(string id, string text, DateTimeOffset fileTime, int maxTitleLength)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var (yaml, content) = Split(text);
        FrontMatter front;
        try
        {
            front = yaml is null ? new FrontMatter() : Deserializer.Deserialize<FrontMatter?>(yaml) ?? new FrontMatter();
        }
        catch (YamlException e)
        {
            throw new FormatException($"Front matter is not valid YAML: {e.Message}", e);
        }

        var created = ParseInstant(front.Created, "created") ?? fileTime;
        var updated = ParseInstant(front.Updated, "updated") ?? created;
        var title = string.IsNullOrWhiteSpace(front.Title) ? MemoryRules.DeriveTitle(content, maxTitleLength) : front.Title.Trim();
        var tags = (front.Tags ?? [])
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .Select(t => t.Trim().ToLowerInvariant())
            .Distinct()
            .ToList();
        var metadata = new SortedDictionary<string, string>(front.Metadata ?? [], StringComparer.Ordinal);
        return new Memory(id, title, tags, created, updated, content, string.IsNullOrWhiteSpace(front.Source) ? null : front.Source, metadata);
    }

    /// <summary>The identity used for exact-duplicate detection: content, title and the set of tags.</summary>
    public static string ContentHash(string content, string title, IReadOnlyList<string> tags)
    {
        var text = content + "\0" + title + "\0" + string.Join('\u001f', tags.Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    public static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseInstant(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw new FormatException($"'{field}' is not a date: '{text}'.");
    }

    private static (string? Yaml, string Content) Split(string text)
    {
        if (!text.StartsWith("---\n", StringComparison.Ordinal) && !text.StartsWith("---\r\n", StringComparison.Ordinal))
        {
            return (null, text);
        }

        var start = text.IndexOf('\n') + 1;
        var position = start;
        while (position <= text.Length)
        {
            var end = text.IndexOf('\n', position);
            var line = end < 0 ? text[position..] : text[position..end];
            if (line.TrimEnd('\r') == "---")
            {
                var yaml = text[start..position];
                var content = end < 0 ? "" : text[(end + 1)..];
                return (yaml, content);
            }

            if (end < 0)
            {
                break;
            }

            position = end + 1;
        }

        throw new FormatException("The front matter starts with '---' but has no closing '---' line.");
    }

    private sealed class FrontMatter
    {
        public string? Id { get; set; }

        public string? Title { get; set; }

        public List<string>? Tags { get; set; }

        public string? Created { get; set; }

        public string? Updated { get; set; }

        public string? Source { get; set; }

        public Dictionary<string, string>? Metadata { get; set; }
    }
}
