using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>What an import did: memories created, exact duplicates already present, and files it could not take.</summary>
public sealed record ImportReport(int Imported, int Duplicates, IReadOnlyList<string> Skipped);

/// <summary>
/// Imports the original layout: <c>&lt;user&gt;/&lt;yyyyMMdd_HHmmss&gt;_memory.txt</c> with an optional JSON
/// sidecar (<c>…_memory.txt.meta</c> or <c>…_memory.meta</c>) holding tags, metadata and a timestamp.
/// The creation time comes from the sidecar or else the file name. Importing twice creates nothing new.
/// </summary>
public sealed partial class SeedImporter(FileMemoryStore store, ILogger<SeedImporter> logger)
{
    public async Task<ImportReport> ImportAsync(string sourceRoot, CancellationToken cancellationToken = default)
    {
        var imported = 0;
        var duplicates = 0;
        var skipped = new List<string>();
        foreach (var userDirectory in Directory.EnumerateDirectories(sourceRoot).Order(StringComparer.Ordinal))
        {
            var user = Path.GetFileName(userDirectory);
            if (!MemoryRules.IsValidUser(user))
            {
                skipped.Add($"{userDirectory}: '{user}' is not a valid user id");
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(userDirectory, "*_memory.txt").Order(StringComparer.Ordinal))
            {
                try
                {
                    var (memory, created) = await ReadAsync(file, cancellationToken);
                    var result = await store.StoreAsync(user, memory, created, cancellationToken);
                    if (result.Created)
                    {
                        imported++;
                    }
                    else
                    {
                        duplicates++;
                    }
                }
                catch (Exception e) when (e is MemoryValidationException or JsonException or FormatException or IOException)
                {
                    skipped.Add($"{file}: {e.Message}");
                    LogSkipped(file, e.Message);
                }
            }
        }

        LogImported(sourceRoot, imported, duplicates, skipped.Count);
        return new ImportReport(imported, duplicates, skipped);
    }

    private static async Task<(NewMemory Memory, DateTimeOffset Created)> ReadAsync(string file, CancellationToken cancellationToken)
    {
        var content = await File.ReadAllTextAsync(file, cancellationToken);
        var created = FromFileName(Path.GetFileName(file)) ?? new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
        var sidecar = new[] { file + ".meta", file[..^".txt".Length] + ".meta" }.FirstOrDefault(File.Exists);
        if (sidecar is null)
        {
            return (new NewMemory(content, Source: "import"), created);
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(sidecar, cancellationToken));
        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the .meta sidecar is not a JSON object");
        }

        string? title = null;
        var tags = new List<string>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
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

        return (new NewMemory(content, title, tags, metadata, "import"), created);
    }

    private static DateTimeOffset? FromFileName(string name) =>
        name.Length >= 15 && DateTimeOffset.TryParseExact(name[..15], "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import skipped {File}: {Reason}")]
    private partial void LogSkipped(string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Source}: {Imported} new memories, {Duplicates} already present, {Skipped} skipped")]
    private partial void LogImported(string source, int imported, int duplicates, int skipped);
}
