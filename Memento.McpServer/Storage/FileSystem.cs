namespace Memento.McpServer.Storage;

/// <summary>
/// The file operations whose behaviour differs between a local disk and an SMB share (Azure Files):
/// replacing a file another client holds open, and opening a file that is being replaced. The store's
/// replace and read paths go through this, so tests can play SMB's refusals against them.
/// </summary>
internal interface IFileSystem
{
    /// <summary>Creates a file that must not exist yet, for writing, shared with no one.</summary>
    Stream CreateNew(string path);

    /// <summary>Opens an existing file for reading.</summary>
    Stream OpenRead(string path);

    /// <summary>Opens an existing file for writing (appends seek to its end).</summary>
    Stream OpenWrite(string path);

    void Move(string source, string destination, bool overwrite);

    void Delete(string path);

    bool FileExists(string path);

    /// <summary>Files in <paramref name="directory"/> matching <paramref name="pattern"/>; throws when the folder does not exist.</summary>
    string[] GetFiles(string directory, string pattern);

    DateTime GetLastWriteTimeUtc(string path);
}

/// <summary>The operating system's file system.</summary>
internal sealed class PhysicalFileSystem : IFileSystem
{
    public static PhysicalFileSystem Instance { get; } = new();

    // bufferSize 0: callers write whole buffers and read into their own, so FileStream's buffer would only copy.
    public Stream CreateNew(string path) => new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);

    public Stream OpenRead(string path) => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);

    public Stream OpenWrite(string path) => new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0);

    public void Move(string source, string destination, bool overwrite) => File.Move(source, destination, overwrite);

    public void Delete(string path) => File.Delete(path);

    public bool FileExists(string path) => File.Exists(path);

    public string[] GetFiles(string directory, string pattern) => Directory.GetFiles(directory, pattern);

    public DateTime GetLastWriteTimeUtc(string path) => File.GetLastWriteTimeUtc(path);
}
