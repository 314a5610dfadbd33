using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Memento.McpServer.Storage;

/// <summary>One memory to import: the user it goes to, where it comes from (for the summary), and how to read it.</summary>
public sealed record ImportItem(string User, string Origin, Func<CancellationToken, Task<Memory>> ReadAsync);

/// <summary>
/// What can be imported, each as a list of <see cref="ImportItem"/>: the seed's layout
/// (<c>&lt;user&gt;/&lt;yyyyMMdd_HHmmss&gt;_memory.txt</c> with an optional <c>.meta</c> JSON sidecar), Markdown
/// folders (<c>&lt;user&gt;/*.md</c>, Memento's own files or any Markdown, or one folder of <c>*.md</c> for one
/// user), and zip archives of either.
/// </summary>
public static class ImportSources
{
    /// <summary>
    /// The items under <paramref name="path"/> (a folder or a <c>.zip</c>; a zip is unpacked into
    /// <paramref name="scratch"/>). Files directly in the folder belong to <paramref name="user"/>
    /// (required then); each sub-folder is a user. Folders whose names are not valid user ids are reported in <paramref name="skipped"/>.
    /// </summary>
    public static List<ImportItem> Find(string path, string? user, string scratch, int maxTitleLength, List<string> skipped)
    {
        if (File.Exists(path) && path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            var target = Path.Combine(scratch, Path.GetFileNameWithoutExtension(path));
            ZipFile.ExtractToDirectory(path, target, overwriteFiles: true);
            path = target;
        }

        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"Nothing to import at {path}: give a folder or a .zip file.");
        }

        var items = new List<ImportItem>();
        var loose = Directory.EnumerateFiles(path).Where(IsMemoryFile).Order(StringComparer.Ordinal).ToList();
        if (loose.Count > 0)
        {
            if (user is null)
            {
                skipped.Add($"{path}: {loose.Count} files directly in the folder; say which user they belong to with --user");
            }
            else
            {
                items.AddRange(loose.Select(file => Item(user, file, maxTitleLength)));
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith('.'))
            {
                continue;
            }

            if (!MemoryRules.IsValidUser(name))
            {
                skipped.Add($"{folder}: '{name}' is not a valid user id");
                continue;
            }

            items.AddRange(Directory.EnumerateFiles(folder).Where(IsMemoryFile).Order(StringComparer.Ordinal).Select(file => Item(name, file, maxTitleLength)));
        }

        return items;
    }

    /// <summary>The seed's layout only: <c>&lt;user&gt;/*_memory.txt</c>.</summary>
    public static List<ImportItem> SeedLayout(string root, List<string> skipped)
    {
        var items = new List<ImportItem>();
        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var user = Path.GetFileName(folder);
            if (!MemoryRules.IsValidUser(user))
            {
                skipped.Add($"{folder}: '{user}' is not a valid user id");
                continue;
            }

            items.AddRange(Directory.EnumerateFiles(folder, "*_memory.txt").Order(StringComparer.Ordinal).Select(file => new ImportItem(user, file, ct => ReadSeedAsync(file, ct))));
        }

        return items;
    }

    private static bool IsMemoryFile(string file)
    {
        var name = Path.GetFileName(file);
        return !name.StartsWith('.') && (name.EndsWith("_memory.txt", StringComparison.Ordinal) || name.EndsWith(MemoryDocument.Extension, StringComparison.OrdinalIgnoreCase));
    }

    private static ImportItem Item(string user, string file, int maxTitleLength) =>
        file.EndsWith("_memory.txt", StringComparison.Ordinal)
            ? new ImportItem(user, file, ct => ReadSeedAsync(file, ct))
            : new ImportItem(user, file, ct => ReadMarkdownAsync(file, maxTitleLength, ct));

    /// <summary>A Markdown file: Memento's own (front matter, the id in the name) keeps its id and times; any other gets a new id from its time.</summary>
    private static async Task<Memory> ReadMarkdownAsync(string file, int maxTitleLength, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(file, Encoding.UTF8, cancellationToken);
        var name = Path.GetFileNameWithoutExtension(file);
        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
        var parsed = MemoryDocument.Parse(MemoryRules.IsValidId(name) ? name : "import", text, written, maxTitleLength);
        return MemoryRules.IsValidId(name) ? parsed : parsed with { Id = MemoryIds.New(parsed.Created), Source = parsed.Source ?? "import" };
    }

    private static async Task<Memory> ReadSeedAsync(string file, CancellationToken cancellationToken)
    {
        var content = await File.ReadAllTextAsync(file, cancellationToken);
        var created = FromSeedFileName(Path.GetFileName(file)) ?? new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
        string? title = null;
        var tags = new List<string>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var sidecar = new[] { file + ".meta", file[..^".txt".Length] + ".meta" }.FirstOrDefault(File.Exists);
        if (sidecar is not null)
        {
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(sidecar, cancellationToken));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("the .meta sidecar is not a JSON object");
            }

            foreach (var property in json.RootElement.EnumerateObject())
            {
                var value = property.Value;
                switch (property.Name.ToLowerInvariant())
                {
                    case "title":
                        title = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                        break;
                    case "tags":
                        tags.AddRange(value.ValueKind switch
                        {
                            JsonValueKind.Array => value.EnumerateArray().Select(t => t.ToString()),
                            JsonValueKind.String => value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                            _ => [],
                        });
                        break;
                    case "timestamp" or "created" or "created_at":
                        if (value.ValueKind == JsonValueKind.String &&
                            DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                        {
                            created = at;
                        }

                        break;
                    case "metadata" when value.ValueKind == JsonValueKind.Object:
                        foreach (var entry in value.EnumerateObject())
                        {
                            metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
                        }

                        break;
                    case "user" or "user_id" or "filename" or "file" or "content_length" or "size":
                        break;
                    default:
                        metadata[property.Name] = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                        break;
                }
            }
        }

        created = DateTimeOffset.FromUnixTimeMilliseconds(created.ToUnixTimeMilliseconds());
        return new Memory(MemoryIds.New(created), title ?? "", tags, created, created, content, "import", metadata);
    }

    private static DateTimeOffset? FromSeedFileName(string name) =>
        name.Length >= 15 && DateTimeOffset.TryParseExact(name[..15], "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;
}
