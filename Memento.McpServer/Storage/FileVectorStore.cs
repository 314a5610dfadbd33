using System.Runtime.InteropServices;
using System.Text;
using Memento.McpServer.Embeddings;

namespace Memento.McpServer.Storage;

/// <summary>
/// Vectors as small files beside the memories: <c>&lt;root&gt;/&lt;user&gt;/.vectors/&lt;model&gt;/&lt;hash&gt;.vec</c>,
/// little-endian float32 after an 8-byte header (<c>MVEC</c>, dimensions), written atomically
/// (temp file, flush, rename) so a reader sees a whole vector or none. The folder starts with a dot,
/// so the memory scanner, the export and the user list ignore it.
/// </summary>
public sealed class FileVectorStore(string root) : IVectorStore
{
    /// <summary>The folder in a user's directory that holds the vectors.</summary>
    public const string Folder = ".vectors";

    private const string Extension = ".vec";
    private static readonly byte[] s_magic = "MVEC"u8.ToArray();

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The folders of a user's vectors, one a model (where temp files of a crash may be left).</summary>
    public static IEnumerable<string> ModelFolders(string userDirectory)
    {
        var folder = Path.Combine(userDirectory, Folder);
        return Directory.Exists(folder) ? Directory.EnumerateDirectories(folder) : [];
    }

    public async ValueTask<float[]?> GetAsync(string user, string contentHash, string modelId, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(PathOf(user, contentHash, modelId), cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.Length < 8 || !bytes.AsSpan(0, 4).SequenceEqual(s_magic))
        {
            return null;
        }

        var dimensions = BitConverter.ToInt32(bytes, 4);
        if (dimensions <= 0 || bytes.Length != 8 + (dimensions * sizeof(float)))
        {
            return null;
        }

        return MemoryMarshal.Cast<byte, float>(bytes.AsSpan(8)).ToArray();
    }

    public ValueTask PutAsync(string user, string contentHash, string modelId, ReadOnlyMemory<float> vector, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(user, contentHash, modelId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[8 + (vector.Length * sizeof(float))];
        s_magic.CopyTo(bytes, 0);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), vector.Length);
        MemoryMarshal.AsBytes(vector.Span).CopyTo(bytes.AsSpan(8));
        // Not flushed to the disk: a vector lost in a crash is computed again, and the store that
        // made it has already been acknowledged.
        AtomicFile.WriteAllBytes(PhysicalFileSystem.Instance, path, bytes, flushToDisk: false);
        return ValueTask.CompletedTask;
    }

    private string PathOf(string user, string contentHash, string modelId)
    {
        MemoryRules.ValidateUser(user);
        if (contentHash.Length is 0 or > 128 || !contentHash.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("A content hash is letters and digits.", nameof(contentHash));
        }

        return Path.Combine(Root, user, Folder, Slug(modelId), contentHash + Extension);
    }

    /// <summary>A model id as a folder name: letters, digits, '-', '.' and '_' kept, anything else '_'.</summary>
    internal static string Slug(string modelId)
    {
        var slug = new StringBuilder(modelId.Length);
        foreach (var c in modelId)
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? char.ToLowerInvariant(c) : '_');
        }

        return slug.Length == 0 || slug[0] == '.' ? "_" + slug : slug.ToString();
    }
}
