using System.Diagnostics;

namespace Memento.LoadTest.Faults;

/// <summary>
/// The real mechanisms behind the storage faults: a read-only bind mount (root ignores file
/// permissions, but not a read-only mount) and a small tmpfs that can be filled. Needs root or
/// CAP_SYS_ADMIN; the scripts run the fault in a private mount namespace (<c>unshare --mount</c>)
/// so nothing is left mounted on the host even if the run is killed.
/// </summary>
public static class Mounts
{
    public static async Task BindAsync(string source, string target) =>
        await RunAsync("mount", "--bind", source, target);

    public static async Task SetReadOnlyAsync(string target, bool readOnly)
    {
        // The kernel refuses to make a mount read-only while a write is in flight on it (EBUSY); retry briefly.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RunAsync("mount", "-o", readOnly ? "remount,bind,ro" : "remount,bind,rw", target);
                return;
            }
            catch (InvalidOperationException) when (attempt < 50)
            {
                await Task.Delay(20);
            }
        }
    }

    public static async Task TmpfsAsync(string target, int megabytes) =>
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0755", "tmpfs", target);

    public static async Task UnmountAsync(string target)
    {
        try
        {
            await RunAsync("umount", target);
        }
        catch (InvalidOperationException)
        {
            await RunAsync("umount", "-l", target);
        }
    }

    /// <summary>Fills the file system holding <paramref name="path"/> with one file until writes fail for lack of space.</summary>
    public static long Fill(string path)
    {
        var buffer = new byte[1 << 20];
        long written = 0;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        foreach (var size in new[] { 1 << 20, 1 << 12, 1 })
        {
            while (true)
            {
                try
                {
                    stream.Write(buffer, 0, size);
                    written += size;
                }
                catch (IOException)
                {
                    break;
                }
            }
        }

        return written;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr).Trim()}");
        }
    }
}
