using System.Globalization;
using System.Text;

namespace Memento.McpServer.Storage;

/// <summary>
/// How replicas tell each other what they wrote, without locks or a shared database. Each store instance
/// owns one small file per user, <c>&lt;user&gt;/.changes/&lt;instance&gt;</c>, that only it writes (atomically
/// replaced after every write). It holds a sequence number and the most recent changes. A reader lists
/// the folder (one entry per live replica), skips the logs whose sequence it has seen, re-reads from the
/// memory files only the ids that changed, and rescans the folder when it missed more than a log holds.
/// </summary>
internal static class ChangeLog
{
    public const string FolderName = ".changes";
    public const int Capacity = 1024;
    private const string Header = "memento-changes 1";

    public static string Folder(string userDirectory) => Path.Combine(userDirectory, FolderName);

    public static void Write(string userDirectory, string instance, long sequence, IEnumerable<Change> changes)
    {
        var builder = new StringBuilder(Header).Append('\n').Append(sequence.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var change in changes)
        {
            builder.Append(change.Sequence.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(change.Deleted ? 'd' : 's').Append(' ').Append(change.Id).Append('\n');
        }

        var folder = Folder(userDirectory);
        Directory.CreateDirectory(folder);
        // The log is a cache hint, not the truth: a replica that loses it after a power cut rescans. No flush.
        AtomicFile.WriteAllText(Path.Combine(folder, instance), builder.ToString(), flushToDisk: false, tempTag: instance);
    }

    /// <summary>Reads another replica's log; null when it vanished or is unreadable (the caller rescans).</summary>
    public static Snapshot? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != Header || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return null;
        }

        var changes = new List<Change>(lines.Length - 2);
        for (var i = 2; i < lines.Length; i++)
        {
            var parts = lines[i].Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || !MemoryRules.IsValidId(parts[2]))
            {
                return null;
            }

            changes.Add(new Change(seq, parts[2], parts[1] == "d"));
        }

        return new Snapshot(sequence, changes);
    }

    public sealed record Change(long Sequence, string Id, bool Deleted);

    public sealed record Snapshot(long Sequence, IReadOnlyList<Change> Changes);
}
