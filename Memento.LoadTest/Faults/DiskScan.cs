using System.Text.RegularExpressions;

namespace Memento.LoadTest.Faults;

/// <summary>
/// What is on disk under a storage root, read straight from the files (not through the server):
/// memory files by the marker they hold, files that do not parse as a whole memory (torn), the
/// store's temp files, and anything else. Sub-folders of a user folder (<c>.changes</c>, <c>.trash</c>) are not memories.
/// </summary>
public sealed partial class DiskScan
{
    /// <summary>The prefix the store gives temp files (<c>AtomicFile.TempPrefix</c>); readers skip names starting with '.'.</summary>
    public const string TempPrefix = ".tmp-";

    public Dictionary<string, List<string>> FilesByMarker { get; } = new(StringComparer.Ordinal);

    public List<string> TornFiles { get; } = [];

    /// <summary>Files in a user folder that are neither memories nor the store's hidden temp files.</summary>
    public List<string> OtherFiles { get; } = [];

    /// <summary>The store's in-flight or crash-left temp files (<c>.tmp-*</c>, hidden from readers by their leading dot).</summary>
    public List<string> TempFiles { get; } = [];

    public int MemoryFiles { get; private set; }

    public static DiskScan Of(string root)
    {
        var scan = new DiskScan();
        foreach (var userDirectory in Directory.EnumerateDirectories(root))
        {
            foreach (var file in Directory.EnumerateFiles(userDirectory))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
                {
                    scan.TempFiles.Add(Path.GetRelativePath(root, file));
                    continue;
                }

                if (!name.EndsWith(".md", StringComparison.Ordinal) || name.StartsWith('.'))
                {
                    scan.OtherFiles.Add(Path.GetRelativePath(root, file));
                    continue;
                }

                scan.MemoryFiles++;
                var text = File.ReadAllText(file);
                var id = name[..^3];
                if (!IsWhole(text, id))
                {
                    scan.TornFiles.Add(Path.GetRelativePath(root, file));
                    continue;
                }

                foreach (Match match in MarkerPattern().Matches(text))
                {
                    var marker = match.Groups["m"].Value;
                    if (!text.Contains($"End of note {marker}.", StringComparison.Ordinal))
                    {
                        scan.TornFiles.Add(Path.GetRelativePath(root, file));
                        continue;
                    }

                    if (!scan.FilesByMarker.TryGetValue(marker, out var files))
                    {
                        scan.FilesByMarker[marker] = files = [];
                    }

                    files.Add(Path.GetRelativePath(root, file));
                }
            }
        }

        return scan;
    }

    public IReadOnlyList<string> FilesFor(string marker) =>
        FilesByMarker.TryGetValue(marker, out var files) ? files : [];

    // Whole: YAML front matter opened and closed, naming the same id as the file.
    private static bool IsWhole(string text, string id)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!normalized.StartsWith("---\n", StringComparison.Ordinal))
        {
            return false;
        }

        var end = normalized.IndexOf("\n---\n", 3, StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var frontMatter = normalized[..end];
        return IdLine().Matches(frontMatter).Any(m => m.Groups["id"].Value.Trim('"', '\'') == id);
    }

    [GeneratedRegex(@"Reference (?<m>[a-z0-9]+)\.")]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"^id:\s*(?<id>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex IdLine();
}
