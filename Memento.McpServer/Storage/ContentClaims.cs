namespace Memento.McpServer.Storage;

/// <summary>
/// A claim records, before a memory file is written, which id a content hash is being stored under
/// (<c>&lt;user&gt;/.claims/&lt;hash&gt;</c>). A replica stopped between writing the memory file and
/// publishing its change leaves a file the other replicas do not know about until their next full
/// rescan; when the caller retries the store through another replica, that replica finds the claim,
/// finds the file it names, and returns it instead of storing a twin.
/// A claim is a hint, never the truth: it counts only when the file it names exists and holds the same
/// content. Claims are small, written without a flush (a process crash keeps them; only a power loss
/// between the two writes could cost the hint, never a memory), and removed once every replica has
/// rescanned.
/// </summary>
internal static class ContentClaims
{
    public const string FolderName = ".claims";

    public static string Folder(string userDirectory) => Path.Combine(userDirectory, FolderName);

    /// <summary>The id claimed for <paramref name="hash"/>, or null when there is no readable claim.</summary>
    public static string? Read(string userDirectory, string hash)
    {
        try
        {
            var id = File.ReadAllText(Path.Combine(Folder(userDirectory), hash)).Trim();
            return MemoryRules.IsValidId(id) ? id : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Claims <paramref name="hash"/> for <paramref name="id"/>, replacing an older claim.</summary>
    public static void Write(string userDirectory, string hash, string id)
    {
        var folder = Folder(userDirectory);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, hash), id);
    }
}
