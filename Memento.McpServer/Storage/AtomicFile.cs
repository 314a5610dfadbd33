using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Memento.McpServer.Storage;

/// <summary>
/// Atomic replacement of a file: the bytes go to a temporary file in the same folder (a name readers
/// ignore), are flushed to the disk, and the temporary file is renamed over the target. A crash at any
/// instant leaves the old file or the new one, never a torn one.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of temporary files; anything starting with '.' is ignored by readers.</summary>
    public const string TempPrefix = ".tmp-";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static long s_flushTicks;

    /// <summary>Total time this process has spent flushing writes to the disk (the benchmark reports it separately).</summary>
    public static TimeSpan TotalFlushTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_flushTicks));

    public static void WriteAllText(string path, string text, bool flushToDisk, string? tempTag = null) =>
        WriteAllBytes(path, Utf8NoBom.GetBytes(text), flushToDisk, tempTag);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, bool flushToDisk, string? tempTag = null)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $"{TempPrefix}{tempTag ?? Path.GetFileNameWithoutExtension(path)}-{RandomSuffix()}");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
            }))
            {
                stream.Write(bytes);
                if (flushToDisk)
                {
                    var start = Stopwatch.GetTimestamp();
                    stream.Flush(flushToDisk: true);
                    Interlocked.Add(ref s_flushTicks, Stopwatch.GetTimestamp() - start);
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static bool IsTempName(string fileName) => fileName.StartsWith(TempPrefix, StringComparison.Ordinal);

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
